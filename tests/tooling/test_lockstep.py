"""Lockstep versions (scripts/lockstep.py): one version for every distribution, bumped together."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "lockstep.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the repository's project files: the root, LICENSE and every member."""
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(REPO / "LICENSE", tmp_path / "LICENSE")
    for member in sorted((REPO / "packages").iterdir()):
        target = tmp_path / "packages" / member.name
        target.mkdir(parents=True)
        for name in ("pyproject.toml", "LICENSE"):
            shutil.copy(member / name, target / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _version(path: Path) -> str:
    match = re.search(r'^version = "([^"]+)"', path.read_text(), re.MULTILINE)
    assert match is not None
    return match[1]


class TestCheck:
    def test_the_repository_is_in_lockstep(self) -> None:
        done = _run()
        assert done.returncode == 0, done.stderr
        assert "6 distributions at" in done.stdout

    def test_a_member_at_another_version_fails(self, tree: Path) -> None:
        kafka = tree / "packages" / "cqrs-kafka" / "pyproject.toml"
        _edit(kafka, f'version = "{_version(kafka)}"', 'version = "9.9.9"')
        done = _run("--root", str(tree))
        assert done.returncode == 1
        assert "packages/cqrs-kafka/pyproject.toml: version 9.9.9" in done.stderr

    def test_a_loose_pin_on_a_sibling_fails(self, tree: Path) -> None:
        saga = tree / "packages" / "cqrs-saga" / "pyproject.toml"
        version = _version(saga)
        _edit(saga, f'"cqrs-core=={version}"', f'"cqrs-core>={version}"')
        done = _run("--root", str(tree))
        assert done.returncode == 1
        assert f"'cqrs-core>={version}' must pin cqrs-core=={version}" in done.stderr

    def test_an_unpinned_extra_of_the_core_fails(self, tree: Path) -> None:
        core = tree / "packages" / "cqrs-core" / "pyproject.toml"
        _edit(core, f'saga = ["cqrs-saga=={_version(core)}"]', 'saga = ["cqrs-saga"]')
        done = _run("--root", str(tree))
        assert done.returncode == 1
        assert "'cqrs-saga' must pin" in done.stderr

    def test_a_member_without_the_license_fails(self, tree: Path) -> None:
        (tree / "packages" / "cqrs-breaker" / "LICENSE").unlink()
        done = _run("--root", str(tree))
        assert done.returncode == 1
        assert "packages/cqrs-breaker/LICENSE: missing" in done.stderr


class TestBump:
    def test_bump_moves_every_version_and_pin(self, tree: Path) -> None:
        old = _version(tree / "pyproject.toml")
        done = _run("--root", str(tree), "bump", "2.3.0rc1")
        assert done.returncode == 0, done.stderr
        assert "6 distributions at 2.3.0rc1" in done.stdout
        for path in [tree / "pyproject.toml", *tree.glob("packages/*/pyproject.toml")]:
            text = path.read_text()
            assert _version(path) == "2.3.0rc1"
            assert f"=={old}" not in text
        core = (tree / "packages" / "cqrs-core" / "pyproject.toml").read_text()
        assert '"cqrs-saga[postgres]==2.3.0rc1"' in core
        assert '"cqrs-breaker[redis]==2.3.0rc1"' in core
        # Third-party floors are left alone.
        assert '"di>=0.79"' in core

    def test_bump_refuses_a_non_version(self, tree: Path) -> None:
        before = (tree / "pyproject.toml").read_text()
        done = _run("--root", str(tree), "bump", "next")
        assert done.returncode == 2
        assert "'next' is not a release version" in done.stderr
        assert (tree / "pyproject.toml").read_text() == before

    def test_usage_errors_exit_2(self) -> None:
        assert _run("bump").returncode == 2
        assert _run("frobnicate", "1.0").returncode == 2
