"""`kafka://` URLs for `cqrs.message_brokers.from_url` (registered as an entry point).

- `kafka://host:port[,host:port][?acks=all&enable_idempotence=false&client_id=app]`
- `kafka://user:password@host:port?security_protocol=SASL_SSL&sasl_mechanism=SCRAM-SHA-512`
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from cqrs.kafka.broker import KafkaMessageBroker
from cqrs.kafka.exceptions import KafkaConfigurationError
from cqrs.kafka.producer import KafkaProducer

__all__ = ["broker_from_url", "producer_from_url"]

_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_TEXT_OPTIONS = ("client_id", "security_protocol", "sasl_mechanism")
_INT_OPTIONS = ("linger_ms", "request_timeout_ms", "max_batch_size")


def producer_from_url(url: str) -> KafkaProducer:
    """The `KafkaProducer` that a `kafka://` URL describes."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "kafka":
        raise KafkaConfigurationError(f"expected a kafka:// URL, got {url!r}")
    # urlsplit cannot parse a host list for port numbers: take the netloc apart here.
    userinfo, _, hosts = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    settings: dict[str, Any] = {}
    acks = query.pop("acks", "all")
    settings["acks"] = acks if acks == "all" else _integer(url, "acks", acks)
    if "enable_idempotence" in query:
        settings["enable_idempotence"] = _boolean(url, query.pop("enable_idempotence"))
    for name in _TEXT_OPTIONS:
        if name in query:
            settings[name] = query.pop(name)
    options = {name: _integer(url, name, query.pop(name)) for name in _INT_OPTIONS if name in query}
    if query:
        known = ", ".join(("acks", "enable_idempotence", *_TEXT_OPTIONS, *_INT_OPTIONS))
        raise KafkaConfigurationError(
            f"unknown option(s) {', '.join(sorted(query))} in {url!r}; known: {known}"
        )
    if not hosts:
        raise KafkaConfigurationError(
            f"no Kafka bootstrap server in {url!r}: write kafka://host:port[,host:port]"
        )
    return KafkaProducer(
        hosts,
        user=unquote(user) or None,
        password=unquote(password) or None,
        options=options,
        **settings,
    )


def broker_from_url(url: str) -> KafkaMessageBroker:
    """A `KafkaMessageBroker` for a `kafka://` URL (not connected until started)."""
    return KafkaMessageBroker(producer_from_url(url))


def _boolean(url: str, text: str) -> bool:
    try:
        return _BOOLEANS[text.lower()]
    except KeyError:
        raise KafkaConfigurationError(
            f"enable_idempotence must be true or false in {url!r}, got {text!r}"
        ) from None


def _integer(url: str, name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise KafkaConfigurationError(
            f"{name} must be an integer in {url!r}, got {text!r}"
        ) from None
