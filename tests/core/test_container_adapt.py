"""adapt(): turning a `di_container` argument into a cqrs Container."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, TypeVar

import pytest

from cqrs.container.adapt import adapt
from cqrs.container.default import DefaultContainer
from cqrs.exceptions import BootstrapError, ConfigurationError

T = TypeVar("T")


class CustomContainer:
    """Implements the Container protocol without inheriting anything."""

    async def resolve(self, type_: type[T], /) -> T:
        return type_()


class Marker:
    pass


class SyncResolve:
    def resolve(self, type_: type[Any]) -> Any:
        return type_()


class TestAdaptCore:
    def test_none_gives_a_new_default_container(self) -> None:
        first, second = adapt(None), adapt(None)
        assert isinstance(first, DefaultContainer)
        assert first is not second

    def test_default_container_is_returned_as_is(self) -> None:
        container = DefaultContainer()
        assert adapt(container) is container

    def test_object_with_async_resolve_is_returned_as_is(self) -> None:
        container = CustomContainer()
        assert adapt(container) is container

    def test_sync_resolve_is_rejected(self) -> None:
        with pytest.raises(BootstrapError, match="SyncResolve"):
            adapt(SyncResolve())

    def test_garbage_names_its_type_and_the_accepted_kinds(self) -> None:
        with pytest.raises(BootstrapError) as info:
            adapt(42)
        message = str(info.value)
        assert "42 of type builtins.int" in message
        assert "a di.Container" in message
        assert "a dependency-injector container instance" in message

    def test_a_container_class_instead_of_an_instance_is_rejected(self) -> None:
        with pytest.raises(BootstrapError, match="not an instance"):
            adapt(DefaultContainer)

    def test_bootstrap_error_is_a_configuration_error(self) -> None:
        with pytest.raises(ConfigurationError):
            adapt(object())

    def test_importing_the_adapters_imports_no_library(self) -> None:
        code = (
            "import sys, cqrs.container.adapt, cqrs.container.di, "
            "cqrs.container.dependency_injector\n"
            "print(sorted(m for m in ('di', 'dependency_injector', 'anyio') if m in sys.modules))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == "[]"


class TestAdaptDi:
    def test_wraps_a_di_container(self) -> None:
        di = pytest.importorskip("di")
        from cqrs.container.di import DIContainer

        container = di.Container()
        adapted = adapt(container)
        assert isinstance(adapted, DIContainer)
        assert adapted.container is container


class TestAdaptDependencyInjector:
    def test_wraps_a_dependency_injector_container(self) -> None:
        pytest.importorskip("dependency_injector")
        from dependency_injector import containers

        from cqrs.container.dependency_injector import DependencyInjectorCQRSContainer

        container = containers.DynamicContainer()
        adapted = adapt(container)
        assert isinstance(adapted, DependencyInjectorCQRSContainer)
        assert adapted.container is container

    def test_rejects_the_declarative_class(self) -> None:
        pytest.importorskip("dependency_injector")
        from dependency_injector import containers

        class AppContainer(containers.DeclarativeContainer):
            pass

        with pytest.raises(BootstrapError, match=r"pass an instance: .*AppContainer\(\)"):
            adapt(AppContainer)

    @pytest.mark.anyio
    async def test_adapted_container_resolves(self) -> None:
        pytest.importorskip("dependency_injector")
        from dependency_injector import containers, providers

        marker = Marker()
        container = containers.DynamicContainer()
        container.set_provider("marker", providers.Object(marker))
        assert await adapt(container).resolve(Marker) is marker
