"""Regular expressions guarded against catastrophic backtracking.

Usage::

    compiled = compile_guarded(r"电信.{0,10}诈骗")    # raises RegexRejected on (a+)+

We keep the standard ``re`` module (no new dependency) and make the dangerous shapes
impossible instead of timing them out:

- a quantified group that itself contains a quantifier or an alternation (``(a+)+``,
  ``(a|aa)*``, ``(.*x){3}``) is rejected: that is the exponential class;
- backreferences are rejected (they make matching NP-hard);
- at most ``MAX_UNBOUNDED_REPEATS`` unbounded repeats (``*``, ``+``, ``{n,}``) per pattern,
  and no repeat count over ``MAX_REPEAT_COUNT`` (``a{100000}`` compiles to a huge program);
- a pattern that can match the empty string is refused: it would match every article;
- the matcher searches each sentence separately, at most ``MAX_REGEX_INPUT_CHARS``
  characters at a time, so the remaining polynomial cases stay small.
"""

from __future__ import annotations

import re

from newsbot.match._normalize import normalize

MAX_PATTERN_CHARS = 300
MAX_UNBOUNDED_REPEATS = 3
MAX_REGEX_INPUT_CHARS = 500
MAX_REPEAT_COUNT = 1000
# Texts a pattern is tried on to learn whether it can match nothing at all.
_EMPTY_PROBES = ("", "a", "0", " ", "中", "。")

_QUANTIFIER = re.compile(r"[*+?]|\{\d+(,\d*)?\}|\{,\d+\}")
_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


class RegexRejected(ValueError):
    """Raised when a pattern is unsafe or invalid; ``position`` is an offset in the pattern."""

    def __init__(self, message: str, position: int) -> None:
        self.position = position
        super().__init__(message)


def _skip_class(pattern: str, i: int) -> int:
    """Index just past the character class starting at ``pattern[i] == '['``."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def _skip_atom(pattern: str, i: int) -> int:
    """Index past the escape or character class at ``i``, or ``i + 1`` for anything else."""
    if pattern[i] == "\\":
        return i + 2
    if pattern[i] == "[":
        return _skip_class(pattern, i)
    return i + 1


def _check_shape(pattern: str) -> None:
    """Reject nested quantifiers, quantified alternations and too many unbounded repeats."""
    # Each open group records whether the enclosing level held a quantifier/alternation;
    # ``risky`` is that flag for the level being read.
    stack: list[bool] = []
    risky = False
    unbounded = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        closed_risky = False
        if char == "(":
            stack.append(risky)
            risky = False
        elif char == ")":
            if not stack:
                raise RegexRejected("unbalanced parenthesis", i)
            closed_risky = risky
            risky = stack.pop() or closed_risky
        elif char == "|":
            risky = True
        i = _skip_atom(pattern, i)
        quantifier = _QUANTIFIER.match(pattern, i)
        if quantifier and char != "(":  # "(?" opens an extension group, not a repeat
            text = quantifier.group()
            counts = [int(n) for n in re.findall(r"\d+", text)]
            if counts and max(counts) > MAX_REPEAT_COUNT:
                raise RegexRejected(f"repeat count over {MAX_REPEAT_COUNT}", i)
            if text != "?" and closed_risky:
                raise RegexRejected("nested quantifier: a repeated group that repeats", i)
            if text in ("*", "+") or text.endswith(",}"):
                unbounded += 1
            risky = True
            i = quantifier.end()
            if pattern[i : i + 1] in ("?", "+"):  # lazy or possessive suffix
                i += 1
    if unbounded > MAX_UNBOUNDED_REPEATS:
        raise RegexRejected(f"more than {MAX_UNBOUNDED_REPEATS} unbounded repeats", 0)


def compile_guarded(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` case-insensitively after the safety checks above."""
    if not pattern:
        raise RegexRejected("empty regular expression", 0)
    if len(pattern) > MAX_PATTERN_CHARS:
        raise RegexRejected(f"regular expression longer than {MAX_PATTERN_CHARS} chars", 0)
    backref = _BACKREF.search(pattern)
    if backref:
        raise RegexRejected("backreferences are not allowed", backref.start())
    _check_shape(pattern)
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RegexRejected(f"invalid regular expression: {exc.msg}", exc.pos or 0) from exc
    except (OverflowError, RecursionError) as exc:
        raise RegexRejected("regular expression too large", 0) from exc
    for probe in _EMPTY_PROBES:
        found = compiled.search(probe)
        if found is not None and found.start() == found.end():
            raise RegexRejected(
                "the pattern can match an empty text (it would match everything)", 0
            )
    return compiled


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def search_chunks(compiled: re.Pattern[str], text: str) -> tuple[int, int] | None:
    """First (start, end) of ``compiled`` in ``text``, searched sentence by sentence."""
    offset = 0
    for sentence in _SENTENCE_END.split(text):
        for start in range(0, len(sentence), MAX_REGEX_INPUT_CHARS):
            found = compiled.search(sentence, start, start + MAX_REGEX_INPUT_CHARS)
            if found:
                return offset + found.start(), offset + found.end()
        offset += len(sentence)
    return None


def fold_pattern(source: str) -> str:
    """Fold the non-ASCII characters of a pattern like the text (ASCII is regex syntax).

    The text is folded before searching, so a pattern written with traditional or
    full-width characters must be folded the same way; ASCII is left alone because
    folding ``\\D`` to ``\\d`` would change its meaning (case is handled by IGNORECASE).
    """
    out = []
    for char in source:
        if char.isascii():
            out.append(char)
            continue
        folded = normalize(char)
        # A full-width "（" folds to "(": keep it a literal, not a group.
        out.append(re.escape(folded) if folded.isascii() else folded)
    return "".join(out)
