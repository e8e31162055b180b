"""The wheel guard (scripts/check_wheels.py) against hand-made wheels."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_wheels.py"

CORE_FILES = [
    "cqrs/__init__.py",
    "cqrs/py.typed",
    "cqrs/mediator.py",
    "cqrs/requests/__init__.py",
    "cqrs/requests/map.py",
    "cqrs/message_brokers/__init__.py",
    "cqrs/message_brokers/protocol.py",
    "cqrs/outbox/__init__.py",
    "cqrs/outbox/memory.py",
]


def _wheel(directory: Path, dist: str, files: list[str]) -> Path:
    path = directory / f"{dist}-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name in files:
            archive.writestr(name, "")
        info = f"{dist}-0.1.0.dist-info"
        archive.writestr(f"{info}/METADATA", f"Name: {dist}\n")
        archive.writestr(f"{info}/RECORD", "")
    return path


def _check(*wheels: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, wheels)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def core(tmp_path: Path) -> Path:
    return _wheel(tmp_path, "cqrs_core", CORE_FILES)


class TestCheckWheels:
    def test_well_formed_wheels_pass(self, tmp_path: Path, core: Path) -> None:
        kafka = _wheel(
            tmp_path,
            "cqrs_kafka",
            [
                "cqrs/kafka/__init__.py",
                "cqrs/kafka/py.typed",
                "cqrs/kafka/producer.py",
                "cqrs/message_brokers/kafka.py",
                "cqrs/adapters/kafka.py",
            ],
        )
        breaker = _wheel(tmp_path, "cqrs_breaker", ["cqrs/adapters/circuit_breaker.py"])
        outbox = _wheel(
            tmp_path,
            "cqrs_outbox_sqlalchemy",
            [
                "cqrs/outbox/sqlalchemy/__init__.py",
                "cqrs/outbox/sqlalchemy/py.typed",
                "cqrs/outbox/sqlalchemy/repository.py",
            ],
        )
        done = _check(core, kafka, breaker, outbox)
        assert done.returncode == 0, done.stderr
        assert done.stdout.count("OK ") == 4

    def test_extra_shipping_the_root_init_fails(self, tmp_path: Path, core: Path) -> None:
        extra = _wheel(tmp_path, "cqrs_saga", ["cqrs/__init__.py", "cqrs/saga/__init__.py"])
        done = _check(core, extra)
        assert done.returncode == 1
        assert "cqrs_saga-0.1.0-py3-none-any.whl: ships cqrs/__init__.py" in done.stderr

    def test_extra_shipping_py_typed_fails(self, tmp_path: Path, core: Path) -> None:
        extra = _wheel(tmp_path, "cqrs_saga", ["cqrs/py.typed", "cqrs/saga/__init__.py"])
        assert "ships cqrs/py.typed" in _check(core, extra).stderr

    def test_root_files_are_checked_without_the_core_wheel(self, tmp_path: Path) -> None:
        extra = _wheel(tmp_path, "cqrs_saga", ["cqrs/__init__.py", "cqrs/saga/__init__.py"])
        done = _check(extra)
        assert done.returncode == 1
        assert "only cqrs_core may" in done.stderr

    def test_core_missing_a_root_file_fails(self, tmp_path: Path) -> None:
        core = _wheel(tmp_path, "cqrs_core", ["cqrs/__init__.py", "cqrs/mediator.py"])
        done = _check(core)
        assert done.returncode == 1
        assert "does not ship cqrs/py.typed" in done.stderr

    def test_same_path_in_two_wheels_fails(self, tmp_path: Path, core: Path) -> None:
        one = _wheel(tmp_path, "cqrs_kafka", ["cqrs/adapters/kafka.py"])
        two = _wheel(tmp_path, "cqrs_breaker", ["cqrs/adapters/kafka.py"])
        done = _check(core, one, two)
        assert done.returncode == 1
        assert "ships cqrs/adapters/kafka.py, also shipped by cqrs_breaker" in done.stderr

    def test_writing_into_another_wheels_leaf_fails(self, tmp_path: Path, core: Path) -> None:
        extra = _wheel(tmp_path, "cqrs_kafka", ["cqrs/requests/kafka.py"])
        done = _check(core, extra)
        assert done.returncode == 1
        assert "inside cqrs/requests/, whose modules belong to cqrs_core" in done.stderr

    def test_subpackage_inside_another_wheels_leaf_fails(self, tmp_path: Path, core: Path) -> None:
        extra = _wheel(
            tmp_path, "cqrs_kafka", ["cqrs/requests/sub/__init__.py", "cqrs/requests/sub/x.py"]
        )
        done = _check(core, extra)
        assert done.returncode == 1
        assert "ships cqrs/requests/sub/x.py inside cqrs/requests/" in done.stderr

    def test_extension_point_init_from_an_extra_fails(self, tmp_path: Path) -> None:
        extra = _wheel(
            tmp_path, "cqrs_kafka", ["cqrs/message_brokers/__init__.py", "cqrs/kafka/x.py"]
        )
        done = _check(extra)
        assert done.returncode == 1
        assert "cqrs/message_brokers/ is an extension point owned by cqrs_core" in done.stderr

    def test_namespace_init_fails_in_any_wheel(self, tmp_path: Path, core: Path) -> None:
        extra = _wheel(tmp_path, "cqrs_breaker", ["cqrs/adapters/__init__.py"])
        done = _check(core, extra)
        assert done.returncode == 1
        assert "cqrs/adapters/ is a namespace directory" in done.stderr

    def test_file_outside_the_root_fails(self, tmp_path: Path, core: Path) -> None:
        extra = _wheel(tmp_path, "cqrs_saga", ["cqrs/saga/__init__.py", "tests/test_saga.py"])
        done = _check(core, extra)
        assert done.returncode == 1
        assert "ships tests/test_saga.py, outside cqrs/" in done.stderr

    def test_no_arguments_is_a_usage_error(self) -> None:
        assert _check().returncode == 2


class TestTypedMarker:
    """Every distribution's own top package ships `py.typed` (PEP 561)."""

    def test_extra_package_without_py_typed_fails(self, tmp_path: Path, core: Path) -> None:
        extra = _wheel(tmp_path, "cqrs_pydantic", ["cqrs/pydantic/__init__.py"])
        done = _check(core, extra)
        assert done.returncode == 1
        assert "does not ship cqrs/pydantic/py.typed" in done.stderr

    def test_extra_package_with_py_typed_passes(self, tmp_path: Path, core: Path) -> None:
        extra = _wheel(
            tmp_path, "cqrs_pydantic", ["cqrs/pydantic/__init__.py", "cqrs/pydantic/py.typed"]
        )
        done = _check(core, extra)
        assert done.returncode == 0, done.stderr

    def test_package_in_a_namespace_directory_needs_py_typed(
        self, tmp_path: Path, core: Path
    ) -> None:
        extra = _wheel(
            tmp_path,
            "cqrs_breaker",
            ["cqrs/breaker/__init__.py", "cqrs/breaker/py.typed", "cqrs/adapters/cb/__init__.py"],
        )
        done = _check(core, extra)
        assert done.returncode == 1
        assert "does not ship cqrs/adapters/cb/py.typed" in done.stderr

    def test_package_in_a_core_extension_point_needs_py_typed(
        self, tmp_path: Path, core: Path
    ) -> None:
        extra = _wheel(tmp_path, "cqrs_outbox_sqlalchemy", ["cqrs/outbox/sqlalchemy/__init__.py"])
        done = _check(core, extra)
        assert done.returncode == 1
        assert "does not ship cqrs/outbox/sqlalchemy/py.typed" in done.stderr

    def test_subpackages_are_covered_by_their_top_packages_marker(
        self, tmp_path: Path, core: Path
    ) -> None:
        extra = _wheel(
            tmp_path,
            "cqrs_saga",
            ["cqrs/saga/__init__.py", "cqrs/saga/py.typed", "cqrs/saga/storage/__init__.py"],
        )
        assert _check(core, extra).returncode == 0

    def test_the_cores_packages_use_the_root_marker(self, tmp_path: Path, core: Path) -> None:
        assert _check(core).returncode == 0

    def test_the_built_wheels_pass(self, tmp_path: Path) -> None:
        # The real distributions, built from this checkout: each extra ships its marker.
        built = subprocess.run(
            ["uv", "build", "--all-packages", "--wheel", "--quiet", "-o", str(tmp_path)],
            cwd=SCRIPT.parents[1],
            capture_output=True,
            text=True,
            check=False,
        )
        if built.returncode != 0:
            pytest.skip(f"uv build failed (offline?): {built.stderr.strip()[-300:]}")
        done = _check(*sorted(tmp_path.glob("*.whl")))
        assert done.returncode == 0, done.stderr
