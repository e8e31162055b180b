"""The checks `make test-wheels` runs in each install: import_all.py and run_tour.py.

Here they run in the development environment, where the cqrs distributions are
editable installs of the source tree: exactly what both scripts must tell apart
from an install of the built wheels.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMPORT_ALL = REPO / "scripts" / "import_all.py"
RUN_TOUR = REPO / "scripts" / "run_tour.py"
ALL = "cqrs-core,cqrs-pydantic,cqrs-kafka,cqrs-outbox-sqlalchemy,cqrs-saga,cqrs-breaker"
#: The one version of every distribution (lockstep), as the installed metadata says.
VERSION = importlib.metadata.version("cqrs-core")


def _run(script: Path, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=120,
    )


class TestImportAll:
    def test_every_module_imports_with_every_distribution(self) -> None:
        done = _run(IMPORT_ALL, "--expect", ALL, "--modules", "pydantic,aiokafka,redis")
        assert done.returncode == 0, done.stderr
        assert "skip" not in done.stdout
        assert f"cqrs-saga {VERSION}" in done.stdout

    def test_another_set_of_distributions_fails(self) -> None:
        done = _run(IMPORT_ALL, "--expect", "cqrs-core,cqrs-saga")
        assert done.returncode == 1
        assert "expected ['cqrs-core', 'cqrs-saga']" in done.stderr

    def test_a_module_the_install_should_bring_is_checked(self) -> None:
        done = _run(IMPORT_ALL, "--modules", "cqrs_no_such_module")
        assert done.returncode == 1
        assert "cqrs_no_such_module does not import: ModuleNotFoundError" in done.stderr

    def test_distributions_not_built_in_the_wheel_directory_fail(self, tmp_path: Path) -> None:
        done = _run(IMPORT_ALL, "--wheels", str(tmp_path))
        assert done.returncode == 1
        assert f"cqrs-core {VERSION} is installed but not built in {tmp_path}" in done.stderr

    def test_an_editable_install_is_not_the_built_wheel(self, tmp_path: Path) -> None:
        # A wheel of the same name and version whose files differ from what is installed.
        with zipfile.ZipFile(tmp_path / f"cqrs_core-{VERSION}-py3-none-any.whl", "w") as wheel:
            wheel.writestr("cqrs/__init__.py", "")
        done = _run(IMPORT_ALL, "--wheels", str(tmp_path))
        assert done.returncode == 1
        wheel_name = f"cqrs_core-{VERSION}-py3-none-any.whl"
        assert f"cqrs-core {VERSION} is not the wheel {wheel_name}" in done.stderr


class TestRunTour:
    def test_refuses_cqrs_from_the_source_tree(self, tmp_path: Path) -> None:
        done = _run(RUN_TOUR, str(REPO), cwd=tmp_path)
        assert done.returncode == 1
        assert re.search(r"FAIL cqrs is imported from \[.*packages/cqrs-core/src", done.stderr)

    def test_usage_error(self, tmp_path: Path) -> None:
        assert _run(RUN_TOUR, str(tmp_path)).returncode == 2


class TestPackageReadmes:
    """The Python blocks of every distribution's README (PyPI's page) run as written."""

    BLOCKS = [
        pytest.param(code, id=f"{readme.parent.name}-{index}")
        for readme in sorted(REPO.glob("packages/*/README.md"))
        for index, code in enumerate(
            re.findall(r"```python\n(.*?)```", readme.read_text(), flags=re.DOTALL), 1
        )
    ]

    @pytest.mark.parametrize("code", BLOCKS)
    def test_block_runs_and_prints_what_it_promises(self, code: str) -> None:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
        )
        assert done.returncode == 0, done.stderr
        promised = re.findall(r"^print\(.*\)\s+#\s*(.+?)\s*$", code, flags=re.MULTILINE)
        assert done.stdout.splitlines() == promised

    def test_every_distribution_has_a_readme_naming_its_extra(self) -> None:
        core = (REPO / "packages" / "cqrs-core" / "pyproject.toml").read_text()
        for member in sorted((REPO / "packages").iterdir()):
            text = (member / "README.md").read_text()
            assert text.startswith(f"# {member.name}\n"), member.name
            assert "pip install" in text, member.name
            if member.name != "cqrs-core":
                assert f'"{member.name}==' in core or f'"{member.name}[' in core, member.name
