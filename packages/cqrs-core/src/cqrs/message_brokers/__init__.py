"""Message brokers: the protocol and the dependency-free brokers of cqrs-core.

Extension point: cqrs-kafka adds `cqrs.message_brokers.kafka` to this package.
"""

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

from cqrs.message_brokers.protocol import Message, MessageBroker
from cqrs.message_brokers.url import UnknownBrokerSchemeError, from_url

__all__ = ["Message", "MessageBroker", "UnknownBrokerSchemeError", "from_url"]
