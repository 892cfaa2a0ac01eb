"""The console and the rule playground in a real browser (Playwright driving Debian's chromium).

Skipped, saying why, when the playwright package or a chromium binary is missing (`make test`
installs chromium with apt when it can). The two README screenshots are taken here: into the
test's folder always, and into docs/img/ when NEWSBOT_UPDATE_SCREENSHOTS=1 (`make screenshots`).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tests.web.server import ROOT, RunningNewsbot, start_running

from newsbot.channels import CHANNEL_KINDS
from newsbot.testing.platforms import FakePlatforms

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("NEWSBOT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "img"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless chromium through Playwright's own driver; a skip naming what is missing."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip("browser tests skipped: the playwright package is not installed (make install)")
    if not Path(CHROMIUM).is_file():
        pytest.skip(
            f"browser tests skipped: no chromium at {CHROMIUM} "
            "(`make test` installs Debian's chromium with apt when run as root; "
            "or set NEWSBOT_CHROMIUM to a chromium binary)"
        )
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=CHROMIUM)
        except Error as exc:
            pytest.skip(f"browser tests skipped: chromium at {CHROMIUM} did not start: {exc}")
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[RunningNewsbot]:
    """A real `newsbot run --http` on a SQLite file that has polled the sample page."""
    with FakePlatforms() as fake:
        folder = tmp_path_factory.mktemp("browser")
        run = start_running(folder, f"sqlite:///{folder / 'newsbot.db'}", fake)
        try:
            yield run
        finally:
            run.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab at the size the README screenshots are taken at."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(page: Page, name: str, folder: Path, **options: Any) -> None:
    """Save ``name``.png in the test's folder, and into docs/img/ when asked to update them."""
    target = folder / f"{name}.png"
    page.screenshot(path=str(target), **options)
    assert target.read_bytes().startswith(PNG_MAGIC)
    if os.environ.get("NEWSBOT_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(target, SCREENSHOTS / f"{name}.png")


def test_console_walks_from_overview_to_issue_to_article(
    console: RunningNewsbot, page: Page, tmp_path: Path
) -> None:
    """Overview shows the source and the failing channel; a click opens the issue, another the
    fraud article, which says merchant-chen's rule matched and why."""
    from playwright.sync_api import expect

    page.goto(console.base_url + "/")
    expect(page.locator("#sources")).to_contain_text("ywsb")
    expect(page.locator("#failing-channels")).to_contain_text("shop-wecom")
    expect(page.locator("#failing-channels")).to_contain_text("93000")
    screenshot(page, "console", tmp_path)

    page.locator("#issues a").first.click()
    expect(page.locator("h2").first).to_contain_text("第01版")
    page.get_by_role("link", name=re.compile("凝聚精准治理合力")).click()
    matches = page.locator("#matches")
    expect(matches).to_contain_text("merchant-chen")
    expect(matches).to_contain_text("matched 电信网络诈骗 in")
    expect(page.locator("#article-deliveries")).to_contain_text("dead")


def test_playground_follows_the_typing(console: RunningNewsbot, page: Page, tmp_path: Path) -> None:
    """Typing a rule shows its matches with explanations and channel previews without a submit;
    breaking it points at the error; picking a subscriber runs their rules."""
    from playwright.sync_api import expect

    page.goto(console.base_url + "/playground")
    page.locator("#rule").fill("(电信网络诈骗 OR 反洗钱) NOT 招聘")
    summary = page.locator("#summary")
    expect(summary).to_contain_text(
        re.compile(r"[1-9]\d* of \d+ articles in the last 1 issues matched")
    )
    expect(page.locator(".hit .why").first).to_contain_text("matched 电信网络诈骗 in headline")
    expect(page.locator('.preview[data-kind="wecom"]')).to_contain_text("电信网络诈骗")
    expect(page.locator(".preview")).to_have_count(len(CHANNEL_KINDS))
    assert "rule=" in page.url  # the address keeps the rule, to share or reload
    screenshot(page, "playground", tmp_path)

    page.locator("#rule").fill("(电信网络诈骗 OR 反洗钱")
    expect(page.locator(".rule-error")).to_contain_text("missing closing parenthesis")
    expect(page.locator("mark.where")).to_have_text("(")

    page.locator("#rule").fill("")
    page.locator("#subscriber").select_option("reader-wang")
    expect(page.locator(".hit").first).to_contain_text("对接会")


def test_a_javascript_link_does_not_run(console: RunningNewsbot, page: Page) -> None:
    """A `javascript:` address that a source slipped into an article stays inert: the pages'
    policy allows only this server's script files, never inline script."""
    page.goto(console.base_url + "/")
    page.evaluate(
        """() => {
            const link = document.createElement("a");
            link.id = "hostile";
            link.href = "javascript:void(document.title='ran')";
            link.textContent = "original";
            document.body.append(link);
        }"""
    )
    page.locator("#hostile").click()
    page.wait_for_timeout(200)
    assert page.title() != "ran"
