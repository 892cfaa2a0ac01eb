"""``newsbot config apply``: make the database say what the YAML says, in one transaction.

Rows are compared by their config JSON, so the printed difference is exact: added,
changed, removed per kind. Removing a subscriber (or a rule, a channel, a source) marks it
inactive and keeps its history; its deliveries still waiting are cancelled.

Usage::

    diff = apply_settings(session, settings, now=now)
    print(diff.render())
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, SQLModel, col, select

from newsbot.config import Settings
from newsbot.store.tables import (
    ChannelRow,
    DeliveryRow,
    RuleRow,
    SourceRow,
    SubscriberRow,
    TopicRow,
)


@dataclass
class ConfigDiff:
    """Ids added, changed and removed, per kind ("topic", "source", ...)."""

    added: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (
            any(self.added.values()) or any(self.changed.values()) or any(self.removed.values())
        )

    def render(self) -> str:
        """One line per change: ``+ subscriber merchant-chen``, ``~ rule ...``, ``- channel ...``."""
        lines: list[str] = []
        for sign, group in (("+", self.added), ("~", self.changed), ("-", self.removed)):
            for kind, ids in group.items():
                lines.extend(f"{sign} {kind} {ident}" for ident in sorted(ids))
        return "\n".join(lines) if lines else "no changes"


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def desired_rows(settings: Settings) -> dict[str, dict[str, dict[str, Any]]]:
    """What each table should hold, as column values keyed by kind then id."""
    rows: dict[str, dict[str, dict[str, Any]]] = {
        "topic": {},
        "source": {},
        "channel": {},
        "subscriber": {},
        "rule": {},
    }
    for topic in settings.topics:
        rows["topic"][topic.id] = {"name": topic.name, "terms_json": _canonical(list(topic.terms))}
    for ident, options in settings.sources.items():
        rows["source"][ident] = {
            "kind": options.kind,
            "name": options.name,
            "options_json": _canonical(settings.source_references.get(ident, {})),
        }
    for ident, channel in settings.channels.items():
        # The references as written ({"$env": NAME}), never the resolved secret values.
        rows["channel"][ident] = {
            "kind": channel.kind,
            "options_json": _canonical(settings.channel_references[ident]),
        }
    for ident, subscriber in settings.subscribers.items():
        s = subscriber.settings
        config = s.model_dump(
            mode="json", exclude={"rules", "id", "name", "role", "timezone", "active"}
        )
        rows["subscriber"][ident] = {
            "name": s.name,
            "role": s.role,
            "timezone": s.timezone,
            "config_json": _canonical(config),
        }
        for spec in subscriber.rules:
            rows["rule"][spec.id] = {
                "subscriber_id": ident,
                "mode": spec.mode,
                "config_json": _canonical(dataclasses.asdict(spec)),
            }
    return rows


_TABLES: dict[str, type[SQLModel]] = {
    "topic": TopicRow,
    "source": SourceRow,
    "channel": ChannelRow,
    "subscriber": SubscriberRow,
    "rule": RuleRow,
}


def apply_settings(
    session: Session, settings: Settings, *, now: datetime, dry_run: bool = False
) -> ConfigDiff:
    """Sync ``settings`` into the tables; with ``dry_run`` compute the difference only.

    The caller commits (one transaction for the whole apply) or rolls back.
    """
    diff = ConfigDiff()
    for kind, wanted in desired_rows(settings).items():
        table = _TABLES[kind]
        current = {row.id: row for row in session.exec(select(table)).all()}  # type: ignore[attr-defined]
        diff.added[kind], diff.changed[kind], diff.removed[kind] = [], [], []
        for ident, values in wanted.items():
            row = current.get(ident)
            if row is None:
                diff.added[kind].append(ident)
                if not dry_run:
                    session.add(table(id=ident, **values))
                continue
            if _differs(row, values) or not _is_active(row):
                diff.changed[kind].append(ident)
                if not dry_run:
                    _update(row, values, active=True)
                    session.add(row)
        for ident, row in current.items():
            if ident not in wanted and _is_active(row):
                diff.removed[kind].append(ident)
                if not dry_run:
                    _retire(session, kind, row, now)
    session.flush()
    return diff


def _is_active(row: Any) -> bool:
    return bool(getattr(row, "active", True))


def _differs(row: Any, values: dict[str, Any]) -> bool:
    return any(getattr(row, name) != value for name, value in values.items())


def _update(row: Any, values: dict[str, Any], *, active: bool) -> None:
    for name, value in values.items():
        setattr(row, name, value)
    if hasattr(row, "active"):
        row.active = active
    if isinstance(row, SubscriberRow):
        row.removed_at = None


def _retire(session: Session, kind: str, row: Any, now: datetime) -> None:
    """Deactivate, keep history; a removed subscriber's or channel's waiting deliveries stop."""
    if kind == "topic":
        session.delete(row)
        return
    row.active = False
    session.add(row)
    waiting = col(DeliveryRow.state).in_(["pending", "failed"])
    if kind == "subscriber":
        row.removed_at = now
        session.execute(
            update(DeliveryRow)
            .where(col(DeliveryRow.subscriber_id) == row.id, waiting)
            .values(state="cancelled", last_error="subscriber removed from config", updated_at=now)
        )
    elif kind == "channel":
        session.execute(
            update(DeliveryRow)
            .where(col(DeliveryRow.channel_id) == row.id, waiting)
            .values(state="cancelled", last_error="channel removed from config", updated_at=now)
        )
