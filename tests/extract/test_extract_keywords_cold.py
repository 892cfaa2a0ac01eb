"""`newsbot extract` computes keywords only when asked, so a one-shot run never loads jieba."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner
from tests.extract.conftest import SAMPLE_PAGE, MakeDoc

from newsbot.commands.extract import extract as extract_command
from newsbot.extract import extract_document
from newsbot.extract._keywords import keywords_for, keywords_skipped


def test_keywords_skipped_inside_the_block_only(doc: MakeDoc) -> None:
    """Inside ``keywords_skipped`` articles have no keywords; after it they have them again."""
    page = doc(SAMPLE_PAGE, role="page_text")
    with keywords_skipped():
        skipped = extract_document(page)
    computed = extract_document(page)
    assert all(article.keywords == () for article in skipped.articles)
    assert all(len(article.keywords) >= 5 for article in computed.articles)
    # Everything but the keywords is the same.
    assert [a.headline for a in skipped.articles] == [a.headline for a in computed.articles]
    assert keywords_for("跨境电商对接会", "跨境电商对接会在义乌举行") != ()


def test_cli_json_keywords_null_unless_asked() -> None:
    """Without --keywords each article's keywords are null (not computed); with it, a list."""
    plain = CliRunner().invoke(extract_command, [str(SAMPLE_PAGE)])
    asked = CliRunner().invoke(extract_command, [str(SAMPLE_PAGE), "--keywords"])
    assert plain.exit_code == 0, plain.output
    assert asked.exit_code == 0, asked.output
    plain_articles = json.loads(plain.output)["articles"]
    asked_articles = json.loads(asked.output)["articles"]
    assert all(a["keywords"] is None for a in plain_articles)
    assert asked_articles[0]["keywords"][0] == "护企优商"
    for article in (*plain_articles, *asked_articles):
        article.pop("keywords")
    assert plain_articles == asked_articles


def test_cli_text_shows_keywords_when_asked() -> None:
    """`--format text --keywords` adds a 关键词 line under each article; plain text has none."""
    plain = CliRunner().invoke(extract_command, [str(SAMPLE_PAGE), "--format", "text"])
    asked = CliRunner().invoke(
        extract_command, [str(SAMPLE_PAGE), "--format", "text", "--keywords"]
    )
    assert "关键词" not in plain.output
    assert "  关键词: 护企优商、" in asked.output


def test_fresh_extract_process_never_imports_jieba() -> None:
    """A fresh `newsbot extract` process without --keywords never imports jieba at all."""
    probe = (
        "import sys\n"
        "from newsbot.cli import cli\n"
        f"cli(['extract', {str(SAMPLE_PAGE)!r}], prog_name='newsbot', standalone_mode=False)\n"
        "print('jieba' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "False"
    assert json.loads(done.stdout)["articles"]
