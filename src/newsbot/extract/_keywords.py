"""Keywords: the 5-8 terms that say what an article is about (jieba TF-IDF).

Usage::

    keywords_for("我市举办“科技进市场”首场对接会", body)  # ("对接会", "科技", ...)

jieba costs about a second to load and logs to stderr, so it is imported lazily, made
quiet, and initialised once per process. The headline counts three times: its words are
the article's subject.

A one-shot process that does not show keywords (``newsbot extract`` without
``--keywords``) skips them, and so never loads jieba's 20 MB dictionary::

    with keywords_skipped():
        issue = extract(raw)            # every article's keywords are ()
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

MAX_KEYWORDS = 8
_HEADLINE_WEIGHT = 3
_MAX_TEXT_CHARS = 8_000  # keywords come from the opening; long tails only cost time
_STOPWORDS_TEXT = """
本报讯 记者 通讯员 全媒体 昨日 今日 今年 去年 目前 近日 我市 我们 他们 一个 进一步 表示 介绍
据悉 据了解 相关 工作 开展 推进 推动 加强 实现 提升 进行 活动 方面 情况 下转 上接 第五版
同时 以及 通过 其中 这是 已经 一批 更好 不断 持续 深入 积极 充分 一起 当天 现场 负责人
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_TRIVIAL = re.compile(r"^[\d.%％年月日个万亿元]+$")
_QUOTED = re.compile(r"[“「\"]([^”」\"]{2,8})[”」\"]")
_lock = threading.Lock()
# A context variable, not a parameter: extraction's call chain stays as it is, and a
# thread or task that did not ask keeps computing keywords.
_SKIPPED: ContextVar[bool] = ContextVar("newsbot_keywords_skipped", default=False)


@contextmanager
def keywords_skipped() -> Iterator[None]:
    """Within the block, :func:`keywords_for` returns ``()`` without loading jieba."""
    token = _SKIPPED.set(True)
    try:
        yield
    finally:
        _SKIPPED.reset(token)


@lru_cache(maxsize=1)
def _extractor() -> Callable[..., list[str]]:
    """jieba's TF-IDF extractor, loaded quietly once."""
    with _lock, warnings.catch_warnings():
        # jieba opens its dictionaries without closing them (ResourceWarning) and logs
        # its loading progress; neither is news to our users.
        warnings.simplefilter("ignore")
        import jieba
        import jieba.analyse

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        extract_tags: Callable[..., list[str]] = jieba.analyse.extract_tags
        return extract_tags


def keywords_for(headline: str, body: str, limit: int = MAX_KEYWORDS) -> tuple[str, ...]:
    """Up to ``limit`` keywords of an article, most telling first; deterministic."""
    text = f"{headline}\n" * _HEADLINE_WEIGHT + body[:_MAX_TEXT_CHARS]
    if _SKIPPED.get() or not text.strip():
        return ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tags = _extractor()(text, topK=limit * 3)
    # A term the headline sets in quotes (“护企优商”) is the article's own name for its subject;
    # jieba would cut it into pieces, so it goes first and its pieces are dropped.
    words = list(dict.fromkeys(_QUOTED.findall(headline)))
    for tag in tags:
        if len(tag) < 2 or tag in _STOPWORDS or _TRIVIAL.match(tag):
            continue
        if not any(tag in word for word in words):
            words.append(tag)
    return tuple(words[:limit])
