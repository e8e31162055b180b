"""`from_url`: a message broker chosen by a URL, so a deployment picks it without code.

    broker = cqrs.message_brokers.from_url(os.environ.get("CQRS_BROKER_URL", "memory://"))

The scheme names a factory registered under the entry point group
`cqrs.message_brokers`: cqrs-core registers `memory` and `devnull`, cqrs-kafka
registers `kafka` (`kafka://host:port[,host:port]?acks=all`). A factory is a
callable taking the whole URL and returning a `MessageBroker`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from cqrs.exceptions import ConfigurationError
from cqrs.message_brokers.devnull import DevnullMessageBroker
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.message_brokers.protocol import MessageBroker

__all__ = [
    "ENTRY_POINT_GROUP",
    "UnknownBrokerSchemeError",
    "devnull_broker_from_url",
    "from_url",
    "memory_broker_from_url",
]

#: The entry point group where distributions register their URL schemes.
ENTRY_POINT_GROUP = "cqrs.message_brokers"

BrokerFactory = Callable[[str], MessageBroker]

# Schemes of the project's own distributions, to say what to install when one is missing.
_DISTRIBUTIONS = {"kafka": "cqrs-kafka"}


class UnknownBrokerSchemeError(ConfigurationError, ValueError):
    """No installed distribution provides a broker for the URL's scheme."""


def memory_broker_from_url(url: str) -> InMemoryMessageBroker:
    """`memory://`: an `InMemoryMessageBroker` (the URL takes no options)."""
    return InMemoryMessageBroker()


def devnull_broker_from_url(url: str) -> DevnullMessageBroker:
    """`devnull://`: a `DevnullMessageBroker` (the URL takes no options)."""
    return DevnullMessageBroker()


# Used when the distribution's metadata is missing (running from a source tree).
_BUILT_IN: dict[str, BrokerFactory] = {
    "memory": memory_broker_from_url,
    "devnull": devnull_broker_from_url,
}


def _registered() -> dict[str, Any]:
    # Imported here: importlib.metadata is slow to import and only from_url needs it.
    import importlib.metadata  # noqa: PLC0415

    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def from_url(url: str) -> MessageBroker:
    """The broker that `url` describes, built by the factory registered for its scheme.

    Raises `UnknownBrokerSchemeError` when no installed distribution handles the
    scheme (naming the one to install, when the project ships it); the factory's
    own errors (a bad option) propagate.
    """
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if not scheme:
        raise UnknownBrokerSchemeError(
            f"broker URL {url!r} has no scheme: write e.g. 'memory://', 'devnull://' "
            "or 'kafka://localhost:9092'"
        )
    registered = _registered()
    entry_point = registered.get(scheme)
    factory: BrokerFactory | None = (
        entry_point.load() if entry_point is not None else _BUILT_IN.get(scheme)
    )
    if factory is None:
        known = sorted({*registered, *_BUILT_IN})
        distribution = _DISTRIBUTIONS.get(scheme)
        fix = (
            f"install it: pip install {distribution}"
            if distribution
            else f"install a distribution that registers {scheme!r} in the "
            f"{ENTRY_POINT_GROUP!r} entry point group"
        )
        raise UnknownBrokerSchemeError(
            f"no message broker is installed for scheme {scheme!r} of {url!r} "
            f"(installed: {', '.join(known)}); {fix}"
        )
    return factory(url)
