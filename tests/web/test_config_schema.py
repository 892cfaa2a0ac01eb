"""The config's JSON Schema: generated from the models, shipped in step, named by the sample."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from newsbot.config_schema import SCHEMA_FILE_NAME, config_schema, schema_text
from newsbot.resources import bundled_path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config" / SCHEMA_FILE_NAME
SAMPLE = ROOT / "config" / "newsbot.yaml"


def validator() -> jsonschema.Draft202012Validator:
    """A validator of the shipped schema (itself checked against the meta-schema)."""
    schema = json.loads(SHIPPED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(data: Any) -> list[str]:
    """Each problem the schema finds, as 'path: message'."""
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(data)
    ]


def test_shipped_schema_equals_what_the_models_generate() -> None:
    """config/newsbot.schema.json is exactly `newsbot config schema` (regenerate it if not)."""
    printed = subprocess.run(
        [sys.executable, "-m", "newsbot", "config", "schema"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed == schema_text()
    assert SHIPPED.read_text(encoding="utf-8") == printed, (
        "run: .venv/bin/newsbot config schema > config/newsbot.schema.json"
    )


def test_schema_covers_every_top_level_setting_and_kind() -> None:
    """Its top-level keys are the loader's; its kind enums list every registered kind."""
    from newsbot.channels import CHANNEL_KINDS
    from newsbot.config import _TOP_LEVEL
    from newsbot.sources import SOURCE_KINDS

    schema = config_schema()
    assert set(schema["properties"]) == set(_TOP_LEVEL)
    kinds = schema["properties"]
    assert kinds["sources"]["items"]["properties"]["kind"]["enum"] == sorted(SOURCE_KINDS)
    assert kinds["channels"]["items"]["properties"]["kind"]["enum"] == sorted(CHANNEL_KINDS)


def test_sample_config_names_the_schema_and_passes_it() -> None:
    """The sample's first line points yaml-language-server at the schema beside it; it validates."""
    first_line = SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == f"# yaml-language-server: $schema={SCHEMA_FILE_NAME}"
    assert (SAMPLE.parent / SCHEMA_FILE_NAME).is_file()
    assert errors(yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))) == []


def test_schema_ships_beside_the_bundled_sample() -> None:
    """The bundled copy of the config folder (the wheel's) holds the schema too."""
    assert bundled_path(f"config/{SCHEMA_FILE_NAME}").is_file()


def test_schema_catches_typos_wrong_types_and_literal_secrets() -> None:
    """A misspelt key, an unknown kind, a wrong type and a secret written in clear are errors."""
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    data["timezon"] = "Asia/Shanghai"
    data["channels"][0]["key"] = "abc123"
    data["channels"].append({"id": "x", "kind": "fax"})
    data["subscribers"][0]["digest"]["max_items"] = "many"
    data["http"]["listen_on"] = "0.0.0.0:80"
    found = errors(data)
    assert any("timezon" in e for e in found)
    assert any(e.startswith("channels.0.key:") for e in found)
    assert any(e.startswith("channels.4.kind:") and "fax" in e for e in found)
    assert any(e.startswith("subscribers.0.digest.max_items:") for e in found)
    assert any(e.startswith("http:") and "listen_on" in e for e in found)
