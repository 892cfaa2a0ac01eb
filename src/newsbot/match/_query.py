"""The rule language: tokenizer and recursive-descent parser.

Usage::

    query = parse_query('headline:(反诈 OR 防骗) "电信网络诈骗" NOT 招聘')

Grammar (precedence NOT > AND > OR; juxtaposition means AND)::

    query   := or
    or      := and ("OR" and)*
    and     := unary (["AND"] unary)*
    unary   := ("NOT" | "-") unary | atom
    atom    := "(" or ")" | field ":" atom | "topic:" ID | "source:" ID
             | WORD | '"' phrase '"' | "/" regex "/"
    field   := "headline" | "summary" | "body"

Operators are upper case (lower-case "and" is an ordinary word). Full-width ``（）`` and
``“”`` are accepted like ``()`` and ``"`` because Chinese input methods type them.

A rule is at most :data:`MAX_QUERY_CHARS` characters and nests parentheses, ``NOT``/``-``
and field scopes at most :data:`MAX_NESTING` deep, so no rule can exhaust the stack.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from newsbot.errors import NewsbotError
from newsbot.match._ast import FIELDS, And, Node, Not, Or, Pattern, Query, SourceRef, Term, TopicRef
from newsbot.match._guard import RegexRejected, compile_guarded

_OPEN = "(（"
_CLOSE = ")）"
_QUOTES = {'"': '"', "“": "”", "”": "”"}
_WORD_END = set(_OPEN + _CLOSE + '"“”') | {" ", "\t", "\n", "\r", "\u3000"}
_WORD = re.compile("[^" + re.escape("".join(sorted(_WORD_END))) + "]+")
_COLON = re.compile("[:：]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_OPERATORS = ("AND", "OR", "NOT")
_PREFIXES = (*FIELDS, "topic", "source")
MAX_QUERY_CHARS = 4000
MAX_NESTING = 32


class RuleSyntaxError(NewsbotError, ValueError):
    """Raised when a query cannot be parsed; ``position`` is a 0-based offset in the query."""

    def __init__(self, message: str, position: int) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} (at offset {position})")


class _Token(NamedTuple):  # a named tuple: made ~20 times per query, 100,000s per config
    kind: str  # "(", ")", "word", "phrase", "regex", "op", "not", "prefix", "end"
    text: str
    position: int


def _read_quoted(text: str, start: int, closing: str) -> tuple[str, int]:
    end = text.find(closing, start + 1)
    if end < 0:
        raise RuleSyntaxError("unterminated quoted phrase", start)
    return text[start + 1 : end], end + 1


def _read_regex(text: str, start: int) -> tuple[str, int]:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "/":
            return text[start + 1 : i].replace("\\/", "/"), i + 1
        i += 1
    raise RuleSyntaxError("unterminated regular expression (missing closing /)", start)


def _read_word(text: str, start: int) -> tuple[_Token, int]:
    end = _WORD.match(text, start).end()  # type: ignore[union-attr]  # never empty here
    colon = _COLON.search(text, start + 1, end)  # a prefix: "headline:" (not a leading ":")
    if colon is not None:
        i = colon.start()
        prefix = text[start:i]
        if prefix.lower() not in _PREFIXES:
            raise RuleSyntaxError(
                f"unknown field {prefix!r} (known: {', '.join(_PREFIXES)}); "
                'quote the term to search for it literally, e.g. "10:30"',
                start,
            )
        return _Token("prefix", prefix.lower(), start), i + 1
    word = text[start:end]
    kind = "op" if word in _OPERATORS else "word"
    return _Token(kind, word, start), end


def tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens; the last one is always ``end``."""
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in _WORD_END and char not in _OPEN + _CLOSE and char not in _QUOTES:
            i += 1
        elif char in _OPEN or char in _CLOSE:
            tokens.append(_Token("(" if char in _OPEN else ")", char, i))
            i += 1
        elif char in _QUOTES:
            phrase, i_next = _read_quoted(text, i, _QUOTES[char])
            tokens.append(_Token("phrase", phrase, i))
            i = i_next
        elif char == "/":
            pattern, i_next = _read_regex(text, i)
            tokens.append(_Token("regex", pattern, i))
            i = i_next
        elif (
            char == "-"
            and i + 1 < len(text)
            and (text[i + 1] not in _WORD_END or text[i + 1] in _OPEN)
        ):
            tokens.append(_Token("not", "-", i))
            i += 1
        else:
            token, i = _read_word(text, i)
            tokens.append(token)
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    def deeper(self, token: _Token) -> None:
        """Count one more level of nesting at ``token``; refuse past :data:`MAX_NESTING`."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise RuleSyntaxError(
                f"nested more than {MAX_NESTING} deep (parentheses, NOT or -)", token.position
            )

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse_or(self, fields: tuple[str, ...] | None) -> Node:
        items = [self.parse_and(fields)]
        while self.peek().kind == "op" and self.peek().text == "OR":
            self.take()
            items.append(self.parse_and(fields))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self, fields: tuple[str, ...] | None) -> Node:
        items = [self.parse_unary(fields)]
        while True:
            token = self.peek()
            if token.kind == "op" and token.text == "AND":
                self.take()
            elif token.kind in ("end", ")") or (token.kind == "op" and token.text == "OR"):
                break
            items.append(self.parse_unary(fields))
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self, fields: tuple[str, ...] | None) -> Node:
        token = self.peek()
        if token.kind == "not" or (token.kind == "op" and token.text == "NOT"):
            self.take()
            self.deeper(token)
            node = Not(self.parse_unary(fields))
            self.depth -= 1
            return node
        return self.parse_atom(fields)

    def parse_atom(self, fields: tuple[str, ...] | None) -> Node:
        token = self.take()
        if token.kind == "(":
            self.deeper(token)
            node = self.parse_or(fields)
            if self.take().kind != ")":
                raise RuleSyntaxError("missing closing parenthesis", token.position)
            self.depth -= 1
            return node
        if token.kind == "prefix":
            self.deeper(token)
            node = self.parse_prefixed(token, fields)
            self.depth -= 1
            return node
        if token.kind in ("word", "phrase"):
            if not token.text.strip():
                raise RuleSyntaxError("empty phrase", token.position)
            return Term(token.text, fields)
        if token.kind == "regex":
            try:
                compile_guarded(token.text)
            except RegexRejected as exc:
                raise RuleSyntaxError(str(exc), token.position + 1 + exc.position) from exc
            return Pattern(token.text, fields)
        if token.kind == "end":
            raise RuleSyntaxError("unexpected end of query: a term is missing", token.position)
        raise RuleSyntaxError(f"unexpected {token.text!r}: a term is missing", token.position)

    def parse_prefixed(self, prefix: _Token, fields: tuple[str, ...] | None) -> Node:
        if prefix.text in ("topic", "source"):
            value = self.take()
            if value.kind != "word":
                raise RuleSyntaxError(f"{prefix.text}: needs an id", value.position)
            return TopicRef(value.text) if prefix.text == "topic" else SourceRef(value.text)
        if fields is not None and prefix.text not in fields:
            raise RuleSyntaxError(
                f"{prefix.text}: inside a {'/'.join(fields)}: scope", prefix.position
            )
        return self.parse_atom((prefix.text,))


def parse_query(text: str) -> Query:
    """Parse the rule language; raises :class:`RuleSyntaxError` with the offset of the problem."""
    if len(text) > MAX_QUERY_CHARS:
        raise RuleSyntaxError(
            f"a rule is at most {MAX_QUERY_CHARS} characters, this one has {len(text)}",
            MAX_QUERY_CHARS,
        )
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:
        raise RuleSyntaxError("a lone surrogate is not a character", surrogate.start())
    parser = _Parser(text)
    if parser.peek().kind == "end":
        raise RuleSyntaxError("empty query", 0)
    root = parser.parse_or(None)
    token = parser.peek()
    if token.kind != "end":
        raise RuleSyntaxError(f"unexpected {token.text!r}", token.position)
    return Query(text=text, root=root)
