"""The pages of an issue (``issue_pages``, migration 0003): each page index's URL and its PDF.

A Founder "pc" replica (FakeSite) on 127.0.0.1 is polled into a real SQLite file and the
real PostgreSQL; storing again (the early front page, then the whole issue, then a re-poll)
keeps one row per page.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import Session, SQLModel, select

from newsbot.config import load_settings
from newsbot.models import Article, Document, Issue, RawIssue
from newsbot.pipeline import App, poll_source
from newsbot.store import console
from newsbot.store.articles import save_issue
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.store.tables import IssuePageRow, IssueRow, SourceRow
from newsbot.testing.sites import FakeArticle, FakePage, FakeSite

DAY = date(2025, 5, 16)
NOW = datetime(2025, 5, 16, 1, 0, tzinfo=UTC)
PAGES = [
    FakePage(
        "要闻",
        [FakeArticle("警方提醒：谨防电信网络诈骗", "本报讯 警方破获一起诈骗案。")],
        b"%PDF-1",
    ),
    FakePage("综合", [FakeArticle("稠州路改造完工", "本报讯 稠州路改造工程完工通车。")]),
    FakePage("广告", [], b"%PDF-3"),
]


def epaper_app(tmp_path: Path, site: FakeSite, engine: Engine) -> App:
    """An App whose one source, ``ywsb``, is the replica's e-paper (PDFs not fetched)."""
    config = tmp_path / "newsbot.yaml"
    template = site.url("/layout/{date:%Y%m/%d}/node_01.html")
    config.write_text(
        f'sources:\n  - {{id: ywsb, kind: epaper, paper: 义乌商报, url: "{template}",'
        " min_interval_s: 0}\n",
        encoding="utf-8",
    )
    return App(load_settings(config), engine)


def stored_pages(engine: Engine) -> list[IssuePageRow]:
    with Session(engine) as session:
        (issue,) = session.exec(select(IssueRow)).all()
        assert issue.id is not None
        return console.issue_pages(session, issue.id)


def test_migration_0003_upgrades_a_0002_database_and_matches_the_tables(
    database_url: str,
) -> None:
    """A database at 0002 holding an issue upgrades to 0003: the issue stays, ``issue_pages``
    is there with the declared columns, and autogenerate finds nothing left to migrate."""
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
        assert "issue_pages" not in inspect(engine).get_table_names()
        with Session(engine) as session:
            session.add(SourceRow(id="s", kind="epaper"))
            session.flush()
            session.add(IssueRow(source_id="s", issue_key="k", fetched_at=NOW, updated_at=NOW))
            session.commit()
        assert upgrade(engine) == ("0002", "0003")
        columns = {c["name"] for c in inspect(engine).get_columns("issue_pages")}
        assert columns == {"id", "issue_id", "page", "page_label", "page_name", "url", "pdf_url"}
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, SQLModel.metadata) == []
        with Session(engine) as session:
            assert [r.issue_key for r in session.exec(select(IssueRow))] == ["k"]
    finally:
        engine.dispose()


def test_a_poll_stores_every_page_with_its_pdf_link(engine: Engine, tmp_path: Path) -> None:
    """Each page index is stored with its name, URL and page PDF link (none where the page
    has no PDF), though ``fetch_pdfs`` is off; storing the updated issue adds no row."""
    with FakeSite() as site:
        site.publish_founder_pc(DAY, PAGES)
        app = epaper_app(tmp_path, site, engine)
        report = asyncio.run(poll_source(app, "ywsb", day=DAY))
        assert report.outcome == "new", report
        later = FakePage("综合", [*PAGES[1].articles, FakeArticle("新增稿件", "本报讯 新增。")])
        site.publish_founder_pc(DAY, [PAGES[0], later, PAGES[2]])
        again = asyncio.run(poll_source(app, "ywsb", day=DAY))
        assert again.outcome == "updated", again
        pages = stored_pages(engine)
        assert [(p.page, p.page_name) for p in pages] == [(1, "要闻"), (2, "综合"), (3, "广告")]
        assert pages[0].page_label == "01"  # as the front page prints it
        for page in pages:
            assert page.url == site.url(f"/layout/202505/16/node_{page.page:02d}.html")
        assert [p.pdf_url for p in pages] == [
            site.url("/attachement/202505/16/page_01.pdf"),
            None,
            site.url("/attachement/202505/16/page_03.pdf"),
        ]
        # The PDFs were linked, never fetched.
        assert site.hits("/attachement/202505/16/page_01.pdf") == []


def _raw(*documents: Document) -> RawIssue:
    return RawIssue(source_id="s", issue_key="2025-05-16", documents=documents)


def _index(page: int, url: str, pdf_url: str | None = None) -> Document:
    return Document(
        url, b"<html></html>", "page_index", page=page, page_name="要闻", pdf_url=pdf_url
    )


def test_storing_an_issue_again_updates_its_pages_in_place(engine: Engine) -> None:
    """One row per (issue, page) however often it is stored; a PDF link once seen is kept,
    a credential in a link is redacted, a ``javascript:`` link is never stored, and a
    page's printed label ("B03") comes from its articles."""
    with Session(engine) as session:
        session.add(SourceRow(id="s", kind="epaper"))
        session.commit()
        issue = Issue(articles=())
        front = "http://paper.test/node_01.html"
        save_issue(session, _raw(_index(1, front)), issue, now=NOW)
        save_issue(
            session,
            _raw(_index(1, front, "http://paper.test/p1.pdf?token=s3cr3t-value")),
            issue,
            now=NOW,
        )
        lettered = Issue(articles=(Article("稿件", "正文。", page=2, page_label="B03"),))
        save_issue(
            session,
            _raw(
                _index(1, front), _index(2, "http://paper.test/node_02.html", "JavaScript:alert(1)")
            ),
            lettered,
            now=NOW,
        )
        session.commit()
    pages = stored_pages(engine)
    assert [(p.page, p.url) for p in pages] == [(1, front), (2, "http://paper.test/node_02.html")]
    assert pages[0].pdf_url is not None
    assert pages[0].pdf_url.startswith("http://paper.test/p1.pdf?token=")
    assert "s3cr3t-value" not in pages[0].pdf_url
    assert pages[1].pdf_url is None
    assert [p.page_label for p in pages] == [None, "B03"]
