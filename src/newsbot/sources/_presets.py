"""Presets for the common Chinese e-paper systems: where each keeps its links.

An admin picks one with ``preset:`` and overrides any selector under ``selectors:``.
Each preset names a real paper it was written against (see ``docs/sources.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

from newsbot.sources._html import Selectors


@dataclass(frozen=True)
class Preset:
    """Selectors of one e-paper system, where its period.xml lives, and an example URL."""

    selectors: Selectors
    example_url: str
    period_path: str | None = None  # relative to the front page URL
    generic: bool = False  # links found by structure (newsbot.extract.index_links)


PRESETS: dict[str, Preset] = {
    # 义乌商报 and many Founder "pc" city papers: layout/YYYYMM/DD/node_NN.html.
    "founder-pc": Preset(
        selectors=Selectors(
            pages="ul#layoutlist li.posRelative a",
            articles="ul#articlelist li.clearfix a",
            pdf="div.mgb25 div.pull-right a",
        ),
        example_url="http://szb1.ywcity.cn/layout/{date:%Y%m/%d}/node_01.html",
        period_path="../period.xml",
    ),
    # Founder "pc" look-alikes with a catalogue list (岳阳日报 803.com.cn).
    "founder-pc-catalogue": Preset(
        selectors=Selectors(
            pages="ul.layout-catalogue-list li.layout-catalogue-item > a:not(.pdf)",
            articles="ul.news-list li.news-item a",
            pdf=None,
        ),
        example_url="https://szb.803.com.cn/pc/layout/{date:%Y%m/%d}/node_1.html",
    ),
    # Founder "classic" (科技日报, 上饶日报): html/YYYY-MM/DD/node_N.htm + content_N.htm.
    "founder-classic": Preset(
        selectors=Selectors(
            pages="a#pageLink",
            articles='a[href^="content_"], a[href^="./content_"]',
            pdf='a[href$=".pdf"]',
        ),
        example_url="http://digitalpaper.stdaily.com/http_www.kjrb.com/kjrb/html/{date:%Y-%m/%d}/node_2.htm",
    ),
    # 人民日报 (html/YYYY-MM/DD/nbs.D110000renmrb_NN.htm, nw.D110000renmrb_YYYYMMDD_i-NN.htm).
    "peoples-daily": Preset(
        selectors=Selectors(
            pages='a#pageLink, div.swiper-slide a[href*="nbs.D110000"]',
            articles='a[href*="nw.D110000"]',
            pdf='a[href$=".pdf"]',
        ),
        example_url="http://paper.people.com.cn/rmrb/html/{date:%Y-%m/%d}/nbs.D110000renmrb_01.htm",
    ),
    # Any other e-paper: article and page links found by the structure of the page (a
    # cluster of same-shape links, printed page labels), no selectors. What
    # `newsbot sources probe` proposes when no preset above fits.
    "generic": Preset(
        selectors=Selectors(pages="", articles="", pdf='a[href$=".pdf"]'),
        example_url="http://epaper.example.cn/pc/layout/{date:%Y%m/%d}/node_01.html",
        generic=True,
    ),
}
