"""A JSON Schema of the config file, generated from the settings models.

Editors with yaml-language-server complete and check ``config/newsbot.yaml`` against the
copy shipped beside it (``config/newsbot.schema.json``, named on the file's first line);
``newsbot config schema`` prints it, and a test keeps the shipped copy equal to this output.
The schema describes the file as written: secrets are ``{$env: NAME}`` references. What a
schema cannot say (ids that refer to each other, rule syntax) is left to ``newsbot config check``.

Usage::

    text = schema_text()          # what `newsbot config schema` prints
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

SCHEMA_ID = "https://newsbot.invalid/config/newsbot.schema.json"
SCHEMA_FILE_NAME = "newsbot.schema.json"


def _kinds_schema(refs: dict[str, Any], noun: str) -> dict[str, Any]:
    """An array of entries whose ``kind`` picks the model that checks the rest."""
    return {
        "type": "array",
        "description": f"each {noun}: an id, a kind, and that kind's options",
        "items": {
            "type": "object",
            "required": ["id", "kind"],
            "properties": {
                "id": {"type": "string"},
                "kind": {"enum": sorted(refs)},
            },
            "allOf": [
                {
                    "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                    "then": refs[kind],
                }
                for kind in sorted(refs)
            ],
        },
    }


def config_schema() -> dict[str, Any]:
    """The schema of ``newsbot.yaml`` as a JSON-ready dict."""
    from newsbot.channels import CHANNEL_KINDS
    from newsbot.config import AdminSettings, HttpSettings, SubscriberSettings
    from newsbot.sources import SOURCE_KINDS

    sources = {kind: cls.Options for kind, cls in SOURCE_KINDS.items()}
    channels = {kind: cls.Options for kind, cls in CHANNEL_KINDS.items()}
    models: list[type[BaseModel]] = [
        *sources.values(),
        *channels.values(),
        SubscriberSettings,
        AdminSettings,
        HttpSettings,
    ]
    keys, top = models_json_schema(
        [(model, "validation") for model in dict.fromkeys(models)],
        ref_template="#/$defs/{model}",
    )

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return dict(keys[(model, "validation")])

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "newsbot configuration (config/newsbot.yaml)",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "timezone": {"type": "string", "description": "default time zone, e.g. Asia/Shanghai"},
            "topics_file": {
                "type": "string",
                "description": "the topic catalog, relative to this file",
            },
            "templates_dir": {
                "type": "string",
                "description": "templates overriding the built-in ones",
            },
            "sources": _kinds_schema({k: ref(m) for k, m in sources.items()}, "source"),
            "channels": _kinds_schema({k: ref(m) for k, m in channels.items()}, "channel"),
            "subscribers": {"type": "array", "items": ref(SubscriberSettings)},
            "admin": ref(AdminSettings),
            "http": ref(HttpSettings),
        },
        "$defs": top.get("$defs", {}),
    }


def schema_text() -> str:
    """The schema as the stable, indented JSON text that is shipped and printed."""
    return json.dumps(config_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
