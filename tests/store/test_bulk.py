"""Bulk inserts: rows read back through the ORM are what was inserted; conflicts are skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from newsbot.store._bulk import BATCH_ROWS, insert_ignoring_conflicts
from newsbot.store.tables import SourceRow

NOW = datetime(2025, 5, 16, 6, 0, tzinfo=UTC)
SHANGHAI = timezone(timedelta(hours=8))


def _row(index: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": f"s{index:05d}",
        "kind": "feed",
        "name": f"来源 {index} «quoted» 'x'",
        "options_json": "{}",
        "state_json": '{"etag": "W/\\"1\\""}',
        "active": index % 2 == 0,
        "consecutive_failures": index % 7,
        "last_error": None if index % 3 else "HTTP 500",
        # The same instant written in another zone, and an instant per row.
        "last_polled_at": NOW.astimezone(SHANGHAI) if index % 2 else NOW,
        "last_success_at": NOW + timedelta(seconds=index),
        "next_poll_at": None,
    }
    row.update(changes)
    return row


def test_bulk_insert_round_trips_and_skips_conflicts(engine: Engine) -> None:
    """Over several batches, each new row reads back equal; existing keys are left as they were."""
    count = BATCH_ROWS * 2 + 17
    with Session(engine) as session:
        session.add(SourceRow(id="s00003", kind="epaper", name="kept"))
        session.commit()
        rows = [_row(i) for i in range(count)]
        inserted = insert_ignoring_conflicts(
            session,
            SourceRow,
            rows,
            conflict_columns=["id"],
            returning=[SourceRow.id],  # type: ignore[list-item]
        )
        session.commit()
        assert sorted(r[0] for r in inserted) == [r["id"] for r in rows if r["id"] != "s00003"]
        stored = {r.id: r for r in session.exec(select(SourceRow).order_by(col(SourceRow.id)))}
        # Stored in the same form the ORM writes, so SQL compares them with bound values.
        later = select(SourceRow.id).where(
            col(SourceRow.last_success_at) >= NOW + timedelta(seconds=10)
        )
        assert len(session.exec(later).all()) == count - 10
    assert stored["s00003"].name == "kept"
    for row in rows:
        if row["id"] == "s00003":
            continue
        got = stored[str(row["id"])]
        for name, value in row.items():
            assert getattr(got, name) == value, (name, getattr(got, name), value)
        assert got.last_success_at is not None
        assert got.last_success_at.utcoffset() == timedelta(0)


def test_bulk_insert_of_nothing_runs_no_statement(engine: Engine) -> None:
    """An empty list inserts nothing and returns nothing."""
    with Session(engine) as session:
        assert (
            insert_ignoring_conflicts(
                session,
                SourceRow,
                [],
                conflict_columns=["id"],
                returning=[SourceRow.id],  # type: ignore[list-item]
            )
            == []
        )
