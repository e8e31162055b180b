"""`pip install cqrs-core` alone gives a working mediator and pulls in no third-party module.

The cqrs-core wheel is built and installed with `--no-deps` into a fresh venv;
scripts then run in that venv's interpreter, isolated from this one (`-I`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORE_PACKAGE = REPO / "packages" / "cqrs-core"

# Prepended to every script run in the venv: the allowed-modules check.
_PRELUDE = """
import sys

INTERNALS = {"__main__", "_distutils_hack", "sitecustomize", "usercustomize", "_virtualenv"}


def third_party_modules():
    found = set()
    for name in list(sys.modules):
        top = name.partition(".")[0]
        if top == "cqrs" or top in sys.stdlib_module_names or top in INTERNALS:
            continue
        found.add(name)
    return sorted(found)


def assert_no_third_party(when):
    offenders = third_party_modules()
    if offenders:
        print(f"third-party modules loaded {when}: {offenders}", file=sys.stderr)
        sys.exit(3)
"""

_IMPORT_EVERYTHING = """
import importlib
import pkgutil
from pathlib import Path

import cqrs

assert Path(cqrs.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), (
    f"cqrs was imported from {cqrs.__file__}, not from the venv {sys.prefix}"
)
assert_no_third_party("by `import cqrs`")

names = ["cqrs"]
for info in pkgutil.walk_packages(cqrs.__path__, "cqrs."):
    importlib.import_module(info.name)
    names.append(info.name)
assert_no_third_party("by importing every cqrs module")
print(f"imported {len(names)} modules")
"""

# The quick start of the README, verbatim in what it uses.
_SEND_A_COMMAND = """
import asyncio

import cqrs
from cqrs.requests import bootstrap

handled = []


class CreateOrderCommand(cqrs.Request):
    order_id: str
    amount: float


class CreateOrderHandler(cqrs.RequestHandler[CreateOrderCommand, None]):
    async def handle(self, request: CreateOrderCommand) -> None:
        handled.append((request.order_id, request.amount))


mediator = bootstrap.bootstrap(
    commands_mapper=lambda m: m.bind(CreateOrderCommand, CreateOrderHandler)
)
result = asyncio.run(mediator.send(CreateOrderCommand(order_id="ord-1", amount=99.99)))
assert result is None, result
assert handled == [("ord-1", 99.99)], handled
assert_no_third_party("by bootstrapping and sending a command")
print("sent")
"""


@dataclass(frozen=True)
class CoreVenv:
    wheel: Path
    python: Path

    def run(self, script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        source = textwrap.dedent(_PRELUDE) + textwrap.dedent(script)
        return subprocess.run(
            [str(self.python), "-I", "-c", source],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _run(*args: str | Path) -> None:
    done = subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="module")
def core_venv(tmp_path_factory: pytest.TempPathFactory) -> CoreVenv:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH: it builds the cqrs-core wheel and the venv")
    root = tmp_path_factory.mktemp("core-only")
    _run(uv, "build", "--quiet", "--wheel", CORE_PACKAGE, "-o", root / "dist")
    wheels = sorted((root / "dist").glob("cqrs_core-*.whl"))
    assert len(wheels) == 1, wheels
    venv = root / "venv"
    _run(uv, "venv", "--quiet", "--python", sys.executable, venv)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    _run(uv, "pip", "install", "--quiet", "--no-deps", "--python", python, wheels[0])
    return CoreVenv(wheels[0], python)


def _runtime_requirements(wheel: Path) -> list[str]:
    """`Requires-Dist` entries that apply without an extra and on every Python."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = [
            name for name in archive.namelist() if name.endswith(".dist-info/METADATA")
        ]
        metadata = HeaderParser().parsestr(archive.read(metadata_name).decode())
    unconditional = []
    for requirement in metadata.get_all("Requires-Dist") or []:
        _, _, marker = requirement.partition(";")
        if re.search(r"\bextra\s*==", marker) or "python_version" in marker:
            continue
        unconditional.append(requirement)
    return unconditional


class TestCoreOnlyVenv:
    def test_wheel_declares_no_runtime_dependency(self, core_venv: CoreVenv) -> None:
        assert _runtime_requirements(core_venv.wheel) == []

    def test_importing_everything_loads_only_stdlib(
        self, core_venv: CoreVenv, tmp_path: Path
    ) -> None:
        done = core_venv.run(_IMPORT_EVERYTHING, tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("imported ")

    def test_bootstrap_and_send_a_command(self, core_venv: CoreVenv, tmp_path: Path) -> None:
        done = core_venv.run(_SEND_A_COMMAND, tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "sent"
