"""Real round trips through the database and the channel layer, for /healthz."""

from __future__ import annotations

import asyncio
import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

logger = logging.getLogger(__name__)

CHANNEL_LAYER_TIMEOUT_SECONDS = 3.0


def check_database() -> None:
    """Raise unless the database answers a query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("unexpected answer from the database")


async def _channel_layer_round_trip() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), CHANNEL_LAYER_TIMEOUT_SECONDS)
    if message.get("token") != token:
        raise RuntimeError("the channel layer returned a different message")


def check_channel_layer() -> None:
    """Raise unless a message sent through the channel layer comes back."""
    async_to_sync(_channel_layer_round_trip)()


CHECKS = {"database": check_database, "channel_layer": check_channel_layer}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means the part is down
            logger.warning("healthz: %s failed: %s", name, exc)
            results[name] = "error"
        else:
            results[name] = "ok"
    return results
