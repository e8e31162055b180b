"""The wheel guard (scripts/check_wheels.py) against hand-made wheels."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tarfile
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


URLS = {
    "Homepage": "https://example.org/cqrs",
    "Documentation": "https://example.org/cqrs/docs",
    "Repository": "https://example.org/cqrs.git",
    "Changelog": "https://example.org/cqrs/changes",
    "Issues": "https://example.org/cqrs/issues",
}
CLASSIFIERS = [
    "Development Status :: 3 - Alpha",
    "Framework :: AsyncIO",
    "Programming Language :: Python :: 3 :: Only",
    *(f"Programming Language :: Python :: 3.{minor}" for minor in range(10, 14)),
    "Typing :: Typed",
]


def _metadata(dist: str, version: str = "0.1.0", /, **fields: str | list[str] | None) -> str:
    """A complete METADATA; a keyword replaces a field (a list repeats it, None drops it)."""
    headers: dict[str, str | list[str] | None] = {
        "Metadata-Version": "2.4",
        "Name": dist.replace("_", "-"),
        "Version": version,
        "Summary": f"{dist}, for the tests",
        "Project-URL": [f"{label}, {url}" for label, url in URLS.items()],
        "Author": "The cqrs contributors",
        "License-Expression": "MIT",
        "License-File": "LICENSE",
        "Keywords": "cqrs,asyncio",
        "Classifier": CLASSIFIERS,
        "Requires-Python": ">=3.10",
        "Requires-Dist": [] if dist == "cqrs_core" else [f"cqrs-core=={version}"],
        "Description-Content-Type": "text/markdown",
    }
    headers.update({name.replace("_", "-"): value for name, value in fields.items()})
    lines = []
    for name, value in headers.items():
        for item in [value] if isinstance(value, str) else value or []:
            lines.append(f"{name}: {item}")
    return "\n".join(lines) + f"\n\n# {dist}\n\nThe readme.\n"


def _wheel(
    directory: Path,
    dist: str,
    files: list[str],
    metadata: str | None = None,
    *,
    license: bool = True,
) -> Path:
    version = "0.1.0"
    if metadata is not None:
        found = re.search(r"^Version: (.+)$", metadata, re.MULTILINE)
        version = found[1] if found else version
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name in files:
            archive.writestr(name, "")
        info = f"{dist}-{version}.dist-info"
        archive.writestr(f"{info}/METADATA", metadata or _metadata(dist))
        if license:
            archive.writestr(f"{info}/licenses/LICENSE", "MIT License\n")
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
        # The real distributions, built from this checkout: each extra ships its marker,
        # complete metadata at one version, and a clean sdist.
        built = subprocess.run(
            ["uv", "build", "--all-packages", "--quiet", "-o", str(tmp_path)],
            cwd=SCRIPT.parents[1],
            capture_output=True,
            text=True,
            check=False,
        )
        if built.returncode != 0:
            pytest.skip(f"uv build failed (offline?): {built.stderr.strip()[-300:]}")
        wheels, sdists = sorted(tmp_path.glob("*.whl")), sorted(tmp_path.glob("*.tar.gz"))
        assert len(wheels) == len(sdists) == 6
        done = _check(*wheels, *sdists)
        assert done.returncode == 0, done.stderr
        assert done.stdout.count("OK ") == 12


class TestMetadata:
    """Every wheel's metadata is complete: what PyPI shows and type checkers read."""

    def test_complete_metadata_passes(self, tmp_path: Path, core: Path) -> None:
        extra = _wheel(tmp_path, "cqrs_saga", ["cqrs/saga/__init__.py", "cqrs/saga/py.typed"])
        done = _check(core, extra)
        assert done.returncode == 0, done.stderr

    @pytest.mark.parametrize(
        ("field", "message"),
        [
            ("Summary", "METADATA has no Summary"),
            ("Requires_Python", "METADATA has no Requires-Python"),
            ("Keywords", "METADATA has no Keywords"),
            ("License_Expression", "License-Expression is None, expected 'MIT'"),
            ("License_File", "does not ship its LICENSE"),
            ("Description_Content_Type", "the readme is not text/markdown"),
        ],
    )
    def test_a_missing_field_fails(
        self, tmp_path: Path, core: Path, field: str, message: str
    ) -> None:
        extra = _wheel(
            tmp_path,
            "cqrs_saga",
            ["cqrs/saga/__init__.py", "cqrs/saga/py.typed"],
            _metadata("cqrs_saga", **{field: None}),
        )
        done = _check(core, extra)
        assert done.returncode == 1
        assert f"cqrs_saga-0.1.0-py3-none-any.whl: {message}" in done.stderr

    def test_a_wheel_without_its_license_file_fails(self, tmp_path: Path) -> None:
        core = _wheel(tmp_path, "cqrs_core", CORE_FILES, license=False)
        done = _check(core)
        assert done.returncode == 1
        assert "does not ship its LICENSE" in done.stderr

    def test_an_empty_readme_fails(self, tmp_path: Path) -> None:
        metadata = _metadata("cqrs_core").split("\n\n", 1)[0] + "\n"
        done = _check(_wheel(tmp_path, "cqrs_core", CORE_FILES, metadata))
        assert done.returncode == 1
        assert "METADATA has no readme" in done.stderr

    def test_typed_and_python_version_classifiers_are_required(self, tmp_path: Path) -> None:
        classifiers = [c for c in CLASSIFIERS if c not in {"Typing :: Typed"} and "3.13" not in c]
        metadata = _metadata("cqrs_core", Classifier=classifiers)
        done = _check(_wheel(tmp_path, "cqrs_core", CORE_FILES, metadata))
        assert done.returncode == 1
        assert "lacks the classifier 'Typing :: Typed'" in done.stderr
        assert "lacks the classifier 'Programming Language :: Python :: 3.13'" in done.stderr

    def test_a_development_status_is_required(self, tmp_path: Path) -> None:
        classifiers = [c for c in CLASSIFIERS if not c.startswith("Development Status")]
        metadata = _metadata("cqrs_core", Classifier=classifiers)
        done = _check(_wheel(tmp_path, "cqrs_core", CORE_FILES, metadata))
        assert "lacks a Development Status :: classifier" in done.stderr

    def test_a_license_classifier_fails(self, tmp_path: Path) -> None:
        classifiers = [*CLASSIFIERS, "License :: OSI Approved :: MIT License"]
        metadata = _metadata("cqrs_core", Classifier=classifiers)
        done = _check(_wheel(tmp_path, "cqrs_core", CORE_FILES, metadata))
        assert done.returncode == 1
        assert "carries 'License :: OSI Approved :: MIT License'" in done.stderr

    def test_every_project_url_is_required(self, tmp_path: Path) -> None:
        urls = [f"{label}, {url}" for label, url in URLS.items() if label != "Changelog"]
        metadata = _metadata("cqrs_core", Project_URL=urls)
        done = _check(_wheel(tmp_path, "cqrs_core", CORE_FILES, metadata))
        assert done.returncode == 1
        assert "lacks the project URL 'Changelog'" in done.stderr

    def test_project_urls_agree_across_distributions(self, tmp_path: Path, core: Path) -> None:
        urls = [f"{label}, {url}" for label, url in URLS.items()]
        urls[0] = "Homepage, https://example.org/elsewhere"
        extra = _wheel(
            tmp_path,
            "cqrs_saga",
            ["cqrs/saga/__init__.py", "cqrs/saga/py.typed"],
            _metadata("cqrs_saga", Project_URL=urls),
        )
        done = _check(core, extra)
        assert done.returncode == 1
        assert "cqrs_saga-0.1.0-py3-none-any.whl: project URLs" in done.stderr


class TestLockstep:
    """One version for every distribution; a requirement on a sibling pins it exactly."""

    SAGA = ("cqrs/saga/__init__.py", "cqrs/saga/py.typed")

    def test_a_wheel_at_another_version_fails(self, tmp_path: Path, core: Path) -> None:
        kafka = _wheel(
            tmp_path,
            "cqrs_kafka",
            ["cqrs/kafka/__init__.py", "cqrs/kafka/py.typed"],
            _metadata("cqrs_kafka", "0.1.0"),
        )
        saga = _wheel(tmp_path, "cqrs_saga", list(self.SAGA), _metadata("cqrs_saga", "0.2.0"))
        done = _check(core, kafka, saga)
        assert done.returncode == 1
        assert "cqrs_saga-0.2.0-py3-none-any.whl: version '0.2.0', the others are at '0.1.0'" in (
            done.stderr
        )

    def test_a_loose_requirement_on_the_core_fails(self, tmp_path: Path, core: Path) -> None:
        metadata = _metadata("cqrs_saga", Requires_Dist=["cqrs-core>=0.1.0"])
        saga = _wheel(tmp_path, "cqrs_saga", list(self.SAGA), metadata)
        done = _check(core, saga)
        assert done.returncode == 1
        assert "requires 'cqrs-core>=0.1.0': a cqrs distribution must be pinned ==0.1.0" in (
            done.stderr
        )

    def test_an_extra_of_the_core_must_pin_its_sibling(self, tmp_path: Path) -> None:
        requires = ["cqrs-saga==0.1.0; extra == 'saga'", "cqrs-kafka[protobuf]; extra == 'kafka'"]
        metadata = _metadata("cqrs_core", Requires_Dist=requires)
        done = _check(_wheel(tmp_path, "cqrs_core", CORE_FILES, metadata))
        assert done.returncode == 1
        assert "requires \"cqrs-kafka[protobuf]; extra == 'kafka'\"" in done.stderr
        assert "cqrs-saga==0.1.0" not in done.stderr

    def test_a_self_referencing_extra_and_third_party_floors_pass(
        self, tmp_path: Path, core: Path
    ) -> None:
        requires = [
            "cqrs-core==0.1.0",
            "cqrs-saga[sqlalchemy]; extra == 'postgres'",
            "asyncpg>=0.29; extra == 'postgres'",
        ]
        metadata = _metadata("cqrs_saga", Requires_Dist=requires)
        done = _check(core, _wheel(tmp_path, "cqrs_saga", list(self.SAGA), metadata))
        assert done.returncode == 0, done.stderr


def _sdist(directory: Path, stem: str, names: list[str]) -> Path:
    path = directory / f"{stem}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name in names:
            info = tarfile.TarInfo(f"{stem}/{name}")
            info.size = 0
            archive.addfile(info, io.BytesIO(b""))
    return path


SDIST_FILES = [
    "PKG-INFO",
    "pyproject.toml",
    "README.md",
    "LICENSE",
    ".gitignore",
    "src/cqrs/saga/__init__.py",
    "src/cqrs/saga/py.typed",
]


class TestSdists:
    def test_a_clean_sdist_passes(self, tmp_path: Path, core: Path) -> None:
        done = _check(core, _sdist(tmp_path, "cqrs_saga-0.1.0", SDIST_FILES))
        assert done.returncode == 0, done.stderr
        assert "OK   cqrs_saga-0.1.0.tar.gz" in done.stdout

    def test_an_sdist_without_readme_or_license_fails(self, tmp_path: Path, core: Path) -> None:
        names = [n for n in SDIST_FILES if n not in {"README.md", "LICENSE"}]
        done = _check(core, _sdist(tmp_path, "cqrs_saga-0.1.0", names))
        assert done.returncode == 1
        assert "cqrs_saga-0.1.0.tar.gz: does not ship LICENSE" in done.stderr
        assert "cqrs_saga-0.1.0.tar.gz: does not ship README.md" in done.stderr

    def test_an_sdist_without_sources_fails(self, tmp_path: Path, core: Path) -> None:
        names = [n for n in SDIST_FILES if not n.startswith("src/")]
        done = _check(core, _sdist(tmp_path, "cqrs_saga-0.1.0", names))
        assert "ships no module under src/cqrs/" in done.stderr

    @pytest.mark.parametrize(
        "junk",
        [
            "tests/test_saga.py",
            "src/cqrs/saga/__pycache__/engine.cpython-311.pyc",
            "dist/cqrs_saga-0.1.0-py3-none-any.whl",
            "notes.txt",
        ],
    )
    def test_an_sdist_with_junk_fails(self, tmp_path: Path, core: Path, junk: str) -> None:
        done = _check(core, _sdist(tmp_path, "cqrs_saga-0.1.0", [*SDIST_FILES, junk]))
        assert done.returncode == 1
        assert f"cqrs_saga-0.1.0.tar.gz: ships {junk}" in done.stderr

    def test_an_sdist_at_another_version_fails(self, tmp_path: Path, core: Path) -> None:
        done = _check(core, _sdist(tmp_path, "cqrs_saga-0.2.0", SDIST_FILES))
        assert done.returncode == 1
        assert "version '0.2.0', the wheels are at '0.1.0'" in done.stderr

    def test_an_unreadable_sdist_is_a_usage_error(self, tmp_path: Path, core: Path) -> None:
        broken = tmp_path / "cqrs_saga-0.1.0.tar.gz"
        broken.write_bytes(b"not a tarball")
        done = _check(core, broken)
        assert done.returncode == 2
        assert "cannot read" in done.stderr
