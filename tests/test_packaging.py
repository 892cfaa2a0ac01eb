"""newsbot works outside the checkout: the wheel carries templates, sample config, sample issue."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_bundles_templates_config_sample_and_migrations(tmp_path: Path) -> None:
    """The built wheel holds every template, the sample config, the sample issue and migrations."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("newsbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {
        f"newsbot/_bundled/{p.relative_to(ROOT).as_posix()}"
        for p in (ROOT / "templates").rglob("*.j2")
    }
    assert templates
    assert templates <= names
    assert "newsbot/_bundled/config/newsbot.yaml" in names
    assert "newsbot/_bundled/config/topics.yaml" in names
    assert "newsbot/samples/ywsb-2025-05-16-p1.txt" in names
    assert any(n.startswith("newsbot/store/migrations/versions/") for n in names)


def test_bundled_resources_resolve() -> None:
    """The resource lookups find the sample config, topics and templates from any directory."""
    from newsbot.resources import SAMPLE_ISSUE, bundled_path, sample_config, templates_dir

    assert sample_config().is_file()
    assert bundled_path("config/topics.yaml").is_file()
    assert (templates_dir() / "file" / "alert.j2").is_file()
    assert "总第8639期" in SAMPLE_ISSUE.read_text(encoding="utf-8")
