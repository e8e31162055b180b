"""A broker for `python -m cqrs.outbox relay --broker freeze_probe:make_broker` (test_cli.py).

It prints, for each message, how many objects the garbage collector holds frozen
in the relay process at that moment.
"""

from __future__ import annotations

import gc

from cqrs.message_brokers.protocol import Message


class FreezeProbe:
    async def send_message(self, message: Message) -> None:
        print(f"{message.message_id} frozen={gc.get_freeze_count()}", flush=True)


def make_broker() -> FreezeProbe:
    return FreezeProbe()
