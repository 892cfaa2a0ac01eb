"""The contract: state round-trips through JSON, kinds register through one door, docs cover them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

import newsbot.sources as sources_pkg
from newsbot.sources import (
    SOURCE_KINDS,
    NoIssue,
    PollResult,
    Source,
    SourceOptions,
    SourceState,
    Validator,
    build_source,
    register_source,
)

from .helpers import at

DOCS = Path(__file__).parents[2] / "docs" / "sources.md"


def test_state_round_trips_through_json() -> None:
    """Everything a state holds survives to_json/from_json, Chinese URLs included."""
    state = replace(
        SourceState(),
        last_issue_key="2025-05-16",
        last_issue_hash="ab" * 32,
        retry_not_before=at("2025-05-16 06:00"),
        fresh_until=at("2025-05-16 06:10"),
    ).with_validator("http://a.cn/义乌/node_01.html", Validator(etag='"x"', last_modified="Fri"))
    again = SourceState.from_json(state.to_json())
    assert again == state
    assert "义乌" in state.to_json()
    assert SourceState.from_json("{}") == SourceState()
    assert SourceState.from_json(None) == SourceState()


def test_forgetting_a_validator() -> None:
    """with_validator(url, None) drops what was stored for that URL."""
    state = SourceState().with_validator("u", Validator(etag='"1"'))
    assert state.with_validator("u", None).validators == {}


def test_built_in_kinds_are_registered() -> None:
    """epaper, feed and pagetext come through the registry an extension would use."""
    assert sorted(SOURCE_KINDS) == ["epaper", "feed", "pagetext"]
    for kind, cls in SOURCE_KINDS.items():
        assert cls.kind == kind
        assert issubclass(cls.Options, SourceOptions)


def test_an_extension_registers_and_builds() -> None:
    """A third-party kind registers once with the decorator and build_source finds it."""

    class NothingOptions(SourceOptions, frozen=True, extra="forbid"):
        kind: str = "nothing-test"

    class NothingSource(Source):
        kind = "nothing-test"
        Options = NothingOptions

        async def poll(
            self,
            client: httpx.AsyncClient,
            state: SourceState,
            *,
            day: date | None,
            now: datetime,
        ) -> PollResult:
            return NoIssue("never anything", state)

    register_source(NothingSource)
    try:
        built = build_source({"id": "n", "kind": "nothing-test"})
        assert isinstance(built, NothingSource)
        other = type("Other", (NothingSource,), {})
        with pytest.raises(ValueError, match="already registered"):
            register_source(other)
    finally:
        sources_pkg.base._REGISTRY.pop("nothing-test")


def test_build_source_refuses_unknown_kinds_and_bad_options() -> None:
    """An unknown kind names the known ones; a misspelt option is refused, not ignored."""
    with pytest.raises(ValueError, match="known: epaper, feed, pagetext"):
        build_source({"id": "x", "kind": "telepathy"})
    with pytest.raises(ValidationError):
        build_source({"id": "x", "kind": "feed", "url": "http://a/", "evry_minutes": 5})
    with pytest.raises(ValidationError):
        build_source({"id": "x", "kind": "feed", "url": "http://a/", "schedule": {"window": "9-5"}})


def test_public_surface_is_sorted_and_complete() -> None:
    """__all__ is sorted (plain sorted(), as tests/test_public_api.py wants); every name exists."""
    assert sources_pkg.__all__ == sorted(sources_pkg.__all__)
    for name in sources_pkg.__all__:
        assert hasattr(sources_pkg, name)


def test_every_kind_and_preset_is_documented() -> None:
    """docs/sources.md has a section per source kind and names every preset and option."""
    from newsbot.sources._presets import PRESETS

    text = DOCS.read_text(encoding="utf-8")
    for kind, cls in SOURCE_KINDS.items():
        assert f"## `{kind}`" in text
        for field in cls.Options.model_fields:
            assert f"`{field}`" in text, f"option {field} of {kind} is not documented"
    for preset in PRESETS:
        assert f"`{preset}`" in text


def test_every_kind_has_its_test_module() -> None:
    """A registered kind without tests/sources/test_<kind>.py fails here."""
    here = Path(__file__).parent
    for kind in SOURCE_KINDS:
        assert (here / f"test_{kind}.py").exists(), kind
