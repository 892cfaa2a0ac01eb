"""Fixtures for the extraction tests: the corpus copies, the topic catalog, a document maker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from newsbot.extract import load_topics
from newsbot.models import Document, DocumentRole, Topic

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXTRACT_FIXTURES = FIXTURES / "extract"
SAMPLE_PAGE = FIXTURES / "ywsb-2025-05-16-p1.txt"
REPO_ROOT = Path(__file__).resolve().parents[2]

MakeDoc = Callable[..., Document]


@pytest.fixture(scope="session")
def topics() -> tuple[Topic, ...]:
    """The shipped topic catalog."""
    return load_topics(REPO_ROOT / "config" / "topics.yaml")


def make_doc(
    path: str | Path,
    role: DocumentRole,
    *,
    url: str | None = None,
    charset: str | None = None,
    page: int | None = None,
) -> Document:
    """A Document of a fixture file (relative to tests/fixtures/extract, or absolute)."""
    file = Path(path) if Path(path).is_absolute() else EXTRACT_FIXTURES / path
    return Document(
        url=url or file.name, body=file.read_bytes(), role=role, charset=charset, page=page
    )


@pytest.fixture
def doc() -> MakeDoc:
    """The :func:`make_doc` helper."""
    return make_doc
