"""Bad command lines, by class: each row gets one clear line, the right exit code, no traceback.

Classes (issue 12): bad database URLs from every command that opens the database, bounded
arguments (`--config` devices, huge ids and limits, impossible dates, backfill spans), and
pages and URLs for `newsbot extract` (devices, folders, ports, redirects, throttling,
secrets in URLs, a huge feed). Rows that cannot hang run through the click command in this
process; rows that could (devices, pipes, sockets) run as real `newsbot` processes with a
timeout, a few at a time, so a hang is a failure and not a stalled suite.

Every row asserts: the exit code, a fragment of the message, no traceback, no planted
secret, and no message that repeats itself (`x: x: …`).
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsbot.cli import cli
from newsbot.testing.sites import FakeSite

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "newsbot.yaml"
SECRET = "PLANTEDs3cr3tVALUE"
TIMEOUT_S = 30  # per process; a row that needs more is a hang


@dataclass(frozen=True)
class Row:
    """One bad command line: arguments, database URL, exit code, a fragment of the message.

    ``{dir}`` in ``args`` and ``db`` is the row's own folder (holding ``migrated.db``,
    ``broken.db`` (a table dropped), ``corrupt.db``, ``foreign.db``, ``folder/``, ``fifo``, ``huge.yaml``, ``empty.html``);
    ``{site}`` the FakeSite's base URL; ``{closed}`` a port nobody listens on.
    """

    name: str
    args: tuple[str, ...]
    exit_code: int
    fragment: str
    db: str = "sqlite:///{dir}/migrated.db"

    def __str__(self) -> str:
        return self.name


# -- database URLs, from every command that opens the database ---------------------------
BAD_DATABASES = [
    ("garbage", "not a database url", 2, "NEWSBOT_DATABASE_URL is not a database URL"),
    ("unknown dialect", "nosuchdb://u@h/x", 2, "unknown database kind 'nosuchdb'"),
    ("mysql without driver", f"mysql://u:{SECRET}@127.0.0.1/x", 2, "driver (MySQLdb)"),
    (
        "postgresql+psycopg2 without driver",
        f"postgresql+psycopg2://u:{SECRET}@127.0.0.1/x",
        2,
        "driver (psycopg2) is not installed",
    ),
    (
        "postgresql closed port",
        f"postgresql://u:{SECRET}@127.0.0.1:{{closed}}/x",
        1,
        "connection refused (is the server running?)",
    ),
    ("a folder", "sqlite:///{dir}/folder", 2, "is a folder, not a database file"),
    ("corrupt sqlite", "sqlite:///{dir}/corrupt.db", 1, "is not a SQLite database"),
    ("another program's sqlite", "sqlite:///{dir}/foreign.db", 1, "another program's tables"),
    ("/dev/null", "sqlite:////dev/null", 2, "not a regular file"),
]
DB_COMMANDS = [
    ("db", "upgrade"),
    ("db", "current"),
    ("status",),
    ("config", "apply"),
    ("deliveries",),
    ("run",),
    ("channels", "list"),
    ("poll", "--once"),
]
DB_ROWS = [
    Row(f"{' '.join(command)} with {name}", command, code, fragment, db=url)
    for name, url, code, fragment in BAD_DATABASES
    for command in DB_COMMANDS
]

# -- arguments ----------------------------------------------------------------------------
ARGUMENT_ROWS = [
    Row(
        "status on a database missing a table",
        ("status",),
        1,
        "the database at sqlite:///",
        db="sqlite:///{dir}/broken.db",
    ),
    Row(
        "config apply on a database missing a table",
        ("config", "apply"),
        1,
        "no such table: sources",
        db="sqlite:///{dir}/broken.db",
    ),
    Row("--config a folder", ("--config", "{dir}/folder", "status"), 2, "a folder"),
    Row("--config over 5 MB", ("--config", "{dir}/huge.yaml", "status"), 2, "larger than 5 MB"),
    Row("--config missing", ("--config", "{dir}/nope.yaml", "status"), 2, "no such file"),
    Row(
        "match --issue 40 digits",
        ("match", "--subscriber", "merchant-chen", "--issue", "9" * 40),
        1,
        "no stored issue with id 9999",
    ),
    Row(
        "match --issue unicode digits",
        ("match", "--subscriber", "merchant-chen", "--issue", "²³"),
        2,
        "not LATEST, an issue id or a readable file",
    ),
    Row(
        "match unknown subscriber",
        ("match", "--subscriber", "nobody"),
        2,
        "unknown subscriber 'nobody'",
    ),
    Row("deliveries --limit 10**30", ("deliveries", "--limit", str(10**30)), 2, "1<=x<=10000"),
    Row("deliveries --limit 0", ("deliveries", "--limit", "0"), 2, "1<=x<=10000"),
    Row("poll --date 2025-02-30", ("poll", "--once", "--date", "2025-02-30"), 2, "not a date"),
    Row("poll --date 99999-01-01", ("poll", "--once", "--date", "99999-01-01"), 2, "not a date"),
    Row("poll --date words", ("poll", "--once", "--date", "yesterday"), 2, "not a date"),
    Row(
        "backfill --since 0001-01-01",
        ("backfill", "--source", "ywsb", "--since", "0001-01-01"),
        2,
        "more than 400: narrow it, or pass --force",
    ),
    Row(
        "backfill --since in the future",
        ("backfill", "--source", "ywsb", "--since", "2999-01-01"),
        2,
        "2999-01-01 is in the future",
    ),
    Row(
        "backfill unknown source",
        ("backfill", "--source", "nope", "--since", "2025-05-01"),
        2,
        "unknown source 'nope'",
    ),
    Row("poll unknown source", ("poll", "--once", "--source", "nope"), 2, "unknown source 'nope'"),
    Row("channels test unknown", ("channels", "test", "nope"), 2, "unknown channel 'nope'"),
]

# -- rows that could hang or that need sockets: real processes -----------------------------
PROCESS_ROWS = [
    Row("--config /dev/zero", ("--config", "/dev/zero", "status"), 2, "not a regular file"),
    Row("--config a FIFO", ("--config", "{dir}/fifo", "status"), 2, "not a regular file"),
    Row("extract /dev/zero", ("extract", "/dev/zero"), 2, "not a regular file (a device"),
    Row("extract a FIFO", ("extract", "{dir}/fifo"), 2, "not a regular file"),
    Row("extract a folder", ("extract", "{dir}/folder"), 2, "a folder, not a page"),
    Row("extract missing file", ("extract", "{dir}/nope.html"), 1, "no such file or directory"),
    Row("extract empty file", ("extract", "{dir}/empty.html"), 1, "empty.html: empty document"),
    Row("extract over 20 MB", ("extract", "{dir}/huge.html"), 1, "larger than 20 MB"),
    Row("extract /etc/passwd", ("extract", "file:///etc/passwd"), 1, "no articles found"),
    Row("extract ftp://", ("extract", "ftp://example.cn/x"), 2, "only http://, https://"),
    Row("extract javascript:", ("extract", "javascript:alert(1)"), 2, "only http://, https://"),
    Row("extract port out of range", ("extract", "http://127.0.0.1:99999/"), 2, "not a valid"),
    Row("extract no host", ("extract", "http:///x.html"), 2, "no host in the URL"),
    Row("extract unclosed IPv6", ("extract", "http://[::1"), 2, "not a valid URL"),
    Row("extract empty argument", ("extract", ""), 2, "no page given"),
    Row(
        "extract closed port",
        ("extract", "http://127.0.0.1:{closed}/p1.html"),
        1,
        ":{closed}/p1.html: connection refused",
    ),
    Row(
        "extract password and key in URL",
        ("extract", f"http://user:{SECRET}@127.0.0.1:{{closed}}/x?key={SECRET}&apikey={SECRET}"),
        1,
        "cannot connect to http://",
    ),
    Row("extract 404", ("extract", "{site}/gone.html"), 1, "/gone.html: HTTP 404"),
    Row("extract 404 with key", ("extract", f"{{site}}/gone?key={SECRET}"), 1, "HTTP 404"),
    Row("extract redirect to javascript:", ("extract", "{site}/js"), 1, "bad redirect"),
    Row("extract 429 huge Retry-After", ("extract", "{site}/busy"), 1, "HTTP 429"),
    Row("extract 429 NaN Retry-After", ("extract", "{site}/nan"), 1, "HTTP 429"),
    Row("extract empty answer", ("extract", "{site}/empty"), 1, "empty document"),
    Row(
        "extract 100k-entry feed",
        ("extract", "{dir}/../huge-feed.xml", "--format", "text"),
        0,
        "■ 标题1999",
    ),
]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _huge_feed(entries: int) -> bytes:
    items = "".join(
        f"<item><guid>g{i}</guid><title>标题{i}</title><link>http://e.cn/{i}</link>"
        + (f"<description>正文{i}。</description>" if i % 2 else "")
        + "</item>"
        for i in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{items}</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied into each row's folder (migrating is the slow part)."""
    from newsbot.store.db import make_engine
    from newsbot.store.schema import upgrade

    path = tmp_path_factory.mktemp("template") / "migrated.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def site() -> Iterator[FakeSite]:
    """A site that misbehaves on demand: 404, redirects to javascript:, 429s, empty pages."""
    with FakeSite() as fake:
        fake.redirect("/js", "javascript:alert(1)")
        fake.fail("/busy", status=429, headers={"Retry-After": "1" + "0" * 30})
        fake.fail("/nan", status=429, headers={"Retry-After": "nan"})
        fake.put("/empty", b"", content_type="text/html")
        yield fake


def prepare(folder: Path, migrated: Path) -> None:
    """The row's folder: a migrated database and the bad files rows point at."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(migrated, folder / "migrated.db")
    shutil.copy(migrated, folder / "broken.db")
    with sqlite3.connect(folder / "broken.db") as broken:
        broken.execute("DROP TABLE sources")
    broken.close()
    (folder / "corrupt.db").write_bytes(b"this is no database\n" * 200)
    with sqlite3.connect(folder / "foreign.db") as foreign:
        foreign.execute("CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, title TEXT)")
    foreign.close()
    (folder / "folder").mkdir(exist_ok=True)
    (folder / "empty.html").write_bytes(b"")
    with (folder / "huge.yaml").open("wb") as huge:
        huge.truncate(6 * 1024 * 1024)  # sparse: costs no disk
    with (folder / "huge.html").open("wb") as huge:
        huge.truncate(21_000_000)
    if not (folder / "fifo").exists():
        os.mkfifo(folder / "fifo")


def fill(text: str, folder: Path, site_url: str, closed: int) -> str:
    """``text`` with the row's placeholders filled in."""
    return (
        text.replace("{dir}", str(folder))
        .replace("{site}", site_url)
        .replace("{closed}", str(closed))
    )


def assert_clean(row: Row, code: int, output: str, *, closed: int) -> None:
    """The exit code and fragment; no traceback, no planted secret, no repeated message."""
    assert "Traceback" not in output, f"{row}: traceback\n{output}"
    assert code == row.exit_code, f"{row}: exit {code}\n{output}"
    fragment = row.fragment.replace("{closed}", str(closed))
    assert fragment in output, f"{row}: {fragment!r} not in\n{output}"
    assert SECRET not in output, f"{row}: the planted secret was shown\n{output}"
    for line in output.splitlines():
        parts = line.split(": ")
        assert all(a != b for a, b in pairwise(parts)), f"{row}: {line}"


@pytest.mark.parametrize("row", DB_ROWS + ARGUMENT_ROWS, ids=str)
def test_bad_command_line_in_process(
    row: Row, tmp_path: Path, migrated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each bad database URL or argument: one clear line, exit 2 (usage/config) or 1, no trace."""
    prepare(tmp_path, migrated)
    monkeypatch.chdir(tmp_path)
    closed = _closed_port()
    args = [fill(a, tmp_path, "", closed) for a in row.args]
    if "--config" not in args:
        args = ["--config", str(CONFIG), *args]
    env = {"NEWSBOT_DATABASE_URL": fill(row.db, tmp_path, "", closed)}
    result = CliRunner().invoke(cli, args, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{row}: {result.exception!r} escaped\n{result.output}")
    assert_clean(row, result.exit_code, result.output, closed=closed)


@pytest.mark.slow
def test_bad_command_line_in_real_processes(tmp_path: Path, migrated: Path, site: FakeSite) -> None:
    """Rows that could hang (devices, pipes, sockets, a 100k-entry feed) as real `newsbot`
    processes: each ends within the timeout with its line and exit code, no trace, no secret."""
    closed = _closed_port()
    (tmp_path / "huge-feed.xml").write_bytes(_huge_feed(100_000))

    def run(index_row: tuple[int, Row]) -> tuple[Row, int, str]:
        index, row = index_row
        folder = tmp_path / f"row-{index}"
        prepare(folder, migrated)
        args = [fill(a, folder, site.base_url, closed) for a in row.args]
        env = {**os.environ, "NEWSBOT_DATABASE_URL": fill(row.db, folder, "", closed)}
        try:
            done = subprocess.run(
                [sys.executable, "-m", "newsbot", *args],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return row, -1, f"did not finish within {TIMEOUT_S} s"
        output = done.stderr if done.returncode else done.stdout[-2000:] + done.stderr
        return row, done.returncode, output

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run, enumerate(PROCESS_ROWS)))
    failures = []
    for row, code, output in results:
        try:
            assert_clean(row, code, output, closed=closed)
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)


def test_an_unexpected_error_is_one_line_and_the_trace_only_with_v(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug (any exception newsbot did not expect) prints one line with "run with -v for
    details", exit 1; with -v the traceback too. The secret in its text is redacted both ways."""

    @cli.command("explode", hidden=True)
    def explode() -> None:
        raise RuntimeError(f"boom at http://admin:{SECRET}@db.internal/x?token={SECRET}")

    try:
        plain = CliRunner().invoke(cli, ["explode"])
        verbose = CliRunner().invoke(cli, ["-v", "explode"])
    finally:
        cli.commands.pop("explode")
    assert plain.exit_code == 1
    assert plain.output.strip().splitlines() == [
        "error: unexpected RuntimeError: boom at http://admin:***@db.internal/x?token=*** "
        "(run with -v for details)"
    ]
    assert verbose.exit_code == 1
    assert "Traceback (most recent call last)" in verbose.output
    assert SECRET not in plain.output + verbose.output


def test_a_fresh_folder_is_told_to_upgrade_and_keeps_no_empty_database(tmp_path: Path) -> None:
    """`status` and `run` without a database say to run `db upgrade` and create no file."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSBOT_DATABASE_URL"}
    for command in ("status", "run", "deliveries"):
        done = subprocess.run(
            [sys.executable, "-m", "newsbot", "--config", str(CONFIG), command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        assert done.stderr.strip() == (
            "error: no database at var/newsbot.db: run `newsbot db upgrade` to create it"
        )
    assert list(tmp_path.iterdir()) == []


def test_another_programs_database_is_left_untouched(tmp_path: Path) -> None:
    """`db upgrade` on another program's SQLite file refuses, and adds no table to it."""
    path = tmp_path / "places.sqlite"
    with sqlite3.connect(path) as foreign:
        foreign.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY)")
    foreign.close()
    result = CliRunner().invoke(
        cli, ["db", "upgrade"], env={"NEWSBOT_DATABASE_URL": f"sqlite:///{path}"}
    )
    assert result.exit_code == 1
    assert "holds another program's tables (moz_places)" in result.output
    with sqlite3.connect(path) as check:
        tables = [r[0] for r in check.execute("SELECT name FROM sqlite_master")]
    check.close()
    assert tables == ["moz_places"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("/test", "/nosuchdb"), "refused the database at postgresql+psycopg://"),
        (("postgres@", f"nosuchuser:{SECRET}@"), 'role "nosuchuser" does not exist'),
    ],
)
def test_a_postgresql_server_that_refuses_says_why(
    postgres_url: str, change: tuple[str, str], fragment: str
) -> None:
    """The real server refusing a database or a role: its own words, one line, exit 1, the
    password hidden (skipped, with the reason, when no server answers)."""
    url = postgres_url.split("?", maxsplit=1)[0].replace(*change)
    result = CliRunner().invoke(
        cli, ["--config", str(CONFIG), "status"], env={"NEWSBOT_DATABASE_URL": url}
    )
    assert result.exit_code == 1, result.output
    assert fragment in result.output
    assert "fix the URL or create it" in result.output
    assert SECRET not in result.output
    assert len(result.output.strip().splitlines()) == 1
