"""Rendering: Jinja2 templates per channel kind, escaped per format, split to the platform's limits.

Templates live in ``templates/<kind>/{alert,digest}.j2`` (built in, see
:func:`newsbot.resources.templates_dir`); a folder named in the config overrides them file by
file. Every ``{{ value }}`` is escaped for the channel's markup (HTML for Telegram, full-width
look-alikes for WeCom/DingTalk/Feishu markdown, backslashes for Discord, entities for Slack)
and, for JSON formats (cards, embeds, blocks), JSON-escaped as well, so nothing in an article
can break the markup or mention everyone. ``|link_url`` makes a URL safe inside a link.

Long digests split at item boundaries into numbered parts; an item that cannot fit alone has
its summary, then its reasons, then its headline shortened, in plain text before escaping, so
a cut never falls inside a character, a link or markup.

Usage::

    messages = render_digest("wecom", items, subscriber_name="王编辑", title="义乌商报 5月16日")
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from newsbot import resources
from newsbot._validate import web_link
from newsbot.channels import CHANNEL_KINDS, Channel
from newsbot.channels.base import dumps
from newsbot.models import Article, Explanation, Message

JSON_FORMATS = frozenset({"card", "embeds", "blocks", "json"})
PLACEHOLDER_PARTS = 99  # measure with the widest part label "(99/99)" so the final one fits too
ELLIPSIS = "…"
FIELD_LABELS = {
    "headline": "标题",
    "summary": "摘要",
    "body": "正文",
    "topics": "主题",
    "keywords": "关键词",
    "source": "来源",
}

_CN_MARKDOWN = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "<": "＜",
        ">": "＞",
        "*": "＊",
        "#": "＃",
        "`": "｀",
        "@": "＠",
        "_": "＿",
        "~": "～",
        "|": "｜",
        "\\": "＼",
    }
)
# Plain-text fields (titles): only mention and link syntax is neutralised, no backslashes.
_PLAIN_NEUTRALISERS = {
    "cn_markdown": str.maketrans({"@": "＠", "<": "＜", ">": "＞", "[": "［", "]": "］"}),
    "markdown": str.maketrans({"[": "［", "]": "］"}),
    "mrkdwn": str.maketrans({"<": "＜", ">": "＞"}),
}
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_~|>#\[\]()<@:-])")
_URL_UNSAFE = re.compile(r"[\s\"'<>\\()\[\]`{}|^]")


def neutralise_plain(escaping: str, text: str) -> str:
    """A plain-text field (a title outside the markup) with mention and link syntax made
    harmless as the body's escaping would (``@all`` becomes ``＠all`` for ``cn_markdown``)."""
    return text.translate(_PLAIN_NEUTRALISERS.get(escaping, {}))


def escape_cn_markdown(text: str) -> str:
    """WeCom/DingTalk/Feishu markdown: markup characters become their full-width look-alikes."""
    return text.translate(_CN_MARKDOWN)


def escape_markdown(text: str) -> str:
    """Discord markdown: backslash before every markup character (``\\@everyone`` pings none)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def escape_mrkdwn(text: str) -> str:
    """Slack mrkdwn: the three entities Slack documents, which also neutralises ``<!channel>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ESCAPERS: dict[str, Callable[[str], str]] = {
    "none": lambda text: text,
    "cn_markdown": escape_cn_markdown,
    "markdown": escape_markdown,
    "mrkdwn": escape_mrkdwn,
    "html": lambda text: html.escape(text, quote=True),
}


@dataclass(frozen=True)
class DigestItem:
    """One article of a digest, with why it matched and whether an alert already went out."""

    article: Article
    explanations: tuple[Explanation, ...]
    alerted: bool
    source_name: str = ""


def render_alert(
    kind: str,
    article: Article,
    explanations: Sequence[Explanation],
    *,
    subscriber_name: str,
    paper: str | None = None,
    templates_dir: Path | None = None,
) -> list[Message]:
    """One alert for ``article`` in ``kind``'s format, shortened if it exceeds the limits."""
    item = DigestItem(article, tuple(explanations), alerted=False, source_name=paper or "")

    def draw(it: DigestItem) -> Message:
        context = {"item": _item_context(it), "subscriber_name": subscriber_name, "paper": paper}
        return _message(
            kind,
            name="alert",
            title=it.article.headline,
            part=1,
            parts=1,
            items=[it],
            context=context,
            templates_dir=templates_dir,
        )

    channel_cls = _channel_class(kind)
    return [draw(_shrink_to_fit(item, lambda it: channel_cls.fits(draw(it))))]


def alert_shows_subscriber(kind: str, *, templates_dir: Path | None = None) -> bool:
    """Whether ``kind``'s alert template may use ``subscriber_name`` (else one render serves all).

    Read from the template's syntax tree; a template that includes, imports or extends
    another counts as using it (what the other one reads is not followed).
    """
    from jinja2 import meta

    env = _environment(kind, templates_dir)
    name = f"{_channel_class(kind).templates()}/alert.j2"
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    tree = env.parse(source)
    if any(True for _ in meta.find_referenced_templates(tree)):
        return True
    return "subscriber_name" in meta.find_undeclared_variables(tree)


def render_digest(
    kind: str,
    items: Sequence[DigestItem],
    *,
    subscriber_name: str,
    title: str,
    max_items_per_message: int = 20,
    templates_dir: Path | None = None,
) -> list[Message]:
    """The digest in as few numbered parts as the limits allow, split between items."""

    def draw(part_items: Sequence[DigestItem], part: int, parts: int) -> Message:
        context = {
            "subscriber_name": subscriber_name,
            "groups": _groups(part_items),
            "items": [_item_context(it) for it in part_items],
            "digest_title": title,
        }
        return _message(
            kind,
            name="digest",
            title=title,
            part=part,
            parts=parts,
            items=part_items,
            context=context,
            templates_dir=templates_dir,
        )

    packs = _pack(_channel_class(kind), items, draw, max(1, max_items_per_message))
    return [draw(pack, n, len(packs)) for n, pack in enumerate(packs, start=1)]


def render_test(kind: str, *, templates_dir: Path | None = None) -> list[Message]:
    """A short test message for ``newsbot channels test``, through the alert template."""
    text = "这是一条 newsbot 测试消息：如果你看到它，渠道配置正确。"
    return render_notice(
        kind, "newsbot 测试消息", text, message_kind="test", templates_dir=templates_dir
    )


def render_notice(
    kind: str,
    title: str,
    text: str,
    *,
    message_kind: Literal["test", "admin"] = "admin",
    templates_dir: Path | None = None,
) -> list[Message]:
    """A notice to an admin (channel failing, delivery dead), drawn with the alert template."""
    article = Article(headline=title, body=text, summary=text)
    messages = render_alert(kind, article, (), subscriber_name="admin", templates_dir=templates_dir)
    return [replace(m, kind=message_kind) for m in messages]


# Splitting ------------------------------------------------------------------------------------

Draw = Callable[[Sequence[DigestItem], int, int], Message]


def _pack(
    channel_cls: type[Channel], items: Sequence[DigestItem], draw: Draw, max_items: int
) -> list[list[DigestItem]]:
    """Greedy packing: each part takes items while the part, labelled (99/99), still fits."""
    packs: list[list[DigestItem]] = []
    current: list[DigestItem] = []
    for item in items:
        candidate = [*current, item]
        if len(candidate) <= max_items and channel_cls.fits(
            draw(candidate, PLACEHOLDER_PARTS, PLACEHOLDER_PARTS)
        ):
            current = candidate
            continue
        if current:
            packs.append(current)
        fitted = _shrink_to_fit(
            item, lambda it: channel_cls.fits(draw([it], PLACEHOLDER_PARTS, PLACEHOLDER_PARTS))
        )
        current = [fitted]
    if current or not packs:
        packs.append(current)
    return packs


def _shrink_to_fit(item: DigestItem, fits: Callable[[DigestItem], bool]) -> DigestItem:
    """Shorten summary, then reasons, then headline (plain text, whole characters) until it fits."""
    if fits(item):
        return item
    article = item.article
    shrunk = _first_fit(
        article.summary, lambda s: replace(item, article=replace(article, summary=s)), fits
    )
    if shrunk is not None:
        return shrunk
    bare = replace(item, article=replace(article, summary=""), explanations=())
    if fits(bare):
        return bare
    shrunk = _first_fit(
        article.headline, lambda h: replace(bare, article=replace(bare.article, headline=h)), fits
    )
    if shrunk is not None:
        return shrunk
    raise ValueError("the template alone exceeds the channel's limits")


def _first_fit(
    text: str, with_text: Callable[[str], DigestItem], fits: Callable[[DigestItem], bool]
) -> DigestItem | None:
    """The first item, ``text`` cut shorter step by step, that fits; None when none does."""
    for keep in _shrinking(len(text)):
        candidate = with_text(_cut(text, keep))
        if fits(candidate):
            return candidate
    return None


def _shrinking(length: int) -> list[int]:
    """Lengths to try, longest first: two thirds each step, down to zero."""
    steps: list[int] = []
    while length > 0:
        length = length * 2 // 3
        steps.append(length)
    return steps


def _cut(text: str, keep: int) -> str:
    return text if len(text) <= keep else text[:keep].rstrip() + ELLIPSIS if keep else ""


# Templates ------------------------------------------------------------------------------------


def _channel_class(kind: str) -> type[Channel]:
    try:
        return CHANNEL_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown channel kind {kind!r}") from None


def _message(
    kind: str,
    *,
    name: Literal["alert", "digest"],
    title: str,
    part: int,
    parts: int,
    items: Sequence[DigestItem],
    context: dict[str, Any],
    templates_dir: Path | None,
) -> Message:
    channel_cls = _channel_class(kind)
    full_title = f"{title}（{part}/{parts}）" if parts > 1 else title
    template = _environment(kind, templates_dir).get_template(
        f"{channel_cls.templates()}/{name}.j2"
    )
    body = template.render(title=full_title, part=part, parts=parts, **context).strip()
    if channel_cls.format in JSON_FORMATS:
        body = dumps(json.loads(body))  # compact, as the platform will measure it
    summary = tuple({"headline": it.article.headline, "url": it.article.url} for it in items)
    return Message(kind, name, full_title, body, part=part, parts=parts, items=summary)


@functools.lru_cache(maxsize=64)
def _environment(kind: str, templates_dir: Path | None) -> Environment:
    """One environment per (kind, override folder): escaping follows the channel's format."""
    channel_cls = _channel_class(kind)
    folders = [str(p) for p in (templates_dir, resources.templates_dir()) if p is not None]
    loader = FileSystemLoader(folders)
    common: dict[str, Any] = {
        "loader": loader,
        "undefined": StrictUndefined,
        "keep_trailing_newline": False,
        "trim_blocks": True,
        "lstrip_blocks": True,
    }
    if channel_cls.escaping == "html":
        env = Environment(autoescape=select_autoescape(default=True), **common)
    else:
        env = Environment(autoescape=False, finalize=_finalizer(channel_cls), **common)
    env.filters["link_url"] = functools.partial(_link_url, channel_cls)
    env.filters["json"] = lambda value: Markup(json.dumps(value, ensure_ascii=False))
    env.filters["raw_text"] = functools.partial(_raw_text, channel_cls)
    return env


def _finalizer(channel_cls: type[Channel]) -> Callable[[Any], Any]:
    escape = ESCAPERS[channel_cls.escaping]
    as_json = channel_cls.format in JSON_FORMATS

    def finalize(value: Any) -> Any:
        if isinstance(value, Markup):
            return str(value)
        text = escape("" if value is None else str(value))
        return json.dumps(text, ensure_ascii=False)[1:-1] if as_json else text

    return finalize


def _raw_text(channel_cls: type[Channel], value: Any) -> Markup:
    """Plain text for fields that show no markup (card and embed titles): no markup escaping,
    but mention syntax still neutralised, then JSON-escaped if the format is JSON."""
    text = neutralise_plain(channel_cls.escaping, "" if value is None else str(value))
    if channel_cls.format in JSON_FORMATS:
        return Markup(json.dumps(text, ensure_ascii=False)[1:-1])
    return Markup(html.escape(text) if channel_cls.escaping == "html" else text)


def _link_url(channel_cls: type[Channel], url: str | None) -> Markup:
    """A URL safe inside a link of the format; anything but an http(s) link becomes empty."""
    link = web_link(url)  # the check extraction and the store make, again at the last door
    if link is None:
        return Markup("")
    safe = _URL_UNSAFE.sub(lambda m: f"%{ord(m.group(0)):02X}", link)
    if channel_cls.escaping == "html":
        safe = safe.replace("&", "&amp;")
    return Markup(safe)


def _telling(explanations: Sequence[Explanation]) -> list[Explanation]:
    """The explanations worth a reader's line: one whose word lies inside a word already shown
    for the same field says nothing new ("topic 反诈 via 电信网络诈骗（标题）" then
    "电信网络诈骗（标题）", "网络诈骗（标题）": the first alone is kept)."""
    kept: list[Explanation] = []
    shown: list[tuple[str, str]] = []
    for explanation in explanations:
        word = explanation.term.rsplit(" via ", 1)[-1]
        if any(field == explanation.field and word in other for field, other in shown):
            continue
        kept.append(explanation)
        shown.append((explanation.field, word))
    return kept


def _item_context(item: DigestItem) -> dict[str, Any]:
    """What a template sees of one article: plain strings, escaped on output."""
    article = item.article
    telling = _telling(item.explanations)
    return {
        "kicker": article.kicker,
        "headline": article.headline,
        "subtitle": article.subtitle,
        "url": web_link(article.url),  # templates test ``item.url``: no link, no dangling "()"
        "summary": article.summary,
        "byline": article.byline,
        "page": _page_label(article),
        "topics": list(article.topics),
        "source": item.source_name,
        "alerted": item.alerted,
        "why": [f"{e.term}（{FIELD_LABELS.get(e.field, e.field)}）" for e in telling],
        "snippets": [e.snippet for e in telling],
    }


def _page_label(article: Article) -> str:
    # The printed label ("A01") when extraction kept it; ``page`` is only its sort number.
    printed = article.page_label or (f"{article.page:02d}" if article.page else "")
    if article.page_name and printed:
        return f"第{printed}版 {article.page_name}"
    if printed:
        return f"第{printed}版"
    return article.page_name or ""


def _groups(items: Sequence[DigestItem]) -> list[dict[str, Any]]:
    """Items grouped by page (e-papers), else first topic, else source; first-seen order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        article = item.article
        label = _page_label(article) or (article.topics[0] if article.topics else "")
        groups.setdefault(label or item.source_name or "其他", []).append(_item_context(item))
    return [{"name": name, "items": entries} for name, entries in groups.items()]
