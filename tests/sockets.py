"""Logging a socket in and reading its frames, for every test of the /ws/ socket.

A socket test drives `socialco.asgi.application` (origin check, session login, every app's
frame handlers) through `channels.testing.WebsocketCommunicator`. Frames arrive after work
that takes a variable time on a loaded machine (on_commit -> channel layer -> a permission
check in a thread), so reading them is deterministic:

- a test that expects frames says how many (or what) it expects: `frames(socket, 2)` waits up
  to `WAIT` seconds for them, then keeps reading until the socket has been quiet for `QUIET`
  seconds, so an unexpected extra frame is still returned and fails the test's assertion;
- a test that asserts that nothing arrives (`frames(socket) == []`, `await nothing(socket)`)
  uses a quiet window: waiting longer could only make it pass more slowly.

Background frames (presence, the nav badge, the notification count) that other features send
at any time are left out unless a test asks for them (`background=()` keeps every frame).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from typing import Any

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from socialco.asgi import application

ORIGIN = (b"origin", b"http://localhost")
# Frames other features interleave at any time; tests that are not about them look past them.
BACKGROUND = frozenset({"presence", "nav.badge", "notification.count"})
# How long to wait for a frame a test expects: generous, it is only reached when a test fails.
WAIT = 10.0
# How long a socket must stay silent to count as "nothing more arrives".
QUIET = 0.3

Frame = dict[str, Any]
Expectation = int | Callable[[list[Frame]], bool]


@sync_to_async
def session_cookie(user=None) -> tuple[bytes, bytes]:
    """The session cookie header of a browser logged in as `user` (anonymous if None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    else:
        client.get("/accounts/login/")
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    value = f"{settings.SESSION_COOKIE_NAME}={cookie.value}" if cookie else ""
    return (b"cookie", value.encode())


def communicator(headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    """A socket to /ws/ with exactly these headers (for tests of the handshake itself)."""
    return WebsocketCommunicator(application, "/ws/", headers=headers)


async def handshake(headers: list[tuple[bytes, bytes]]) -> tuple[WebsocketCommunicator, bool, Any]:
    """Open a socket to /ws/ with exactly these headers: (the socket, accepted?, close code)."""
    socket = communicator(headers)
    connected, code = await socket.connect(timeout=WAIT)
    return socket, connected, code


async def connect(
    user, *, origin: tuple[bytes, bytes] = ORIGIN, drain: bool = False
) -> WebsocketCommunicator:
    """A socket logged in as `user` (session cookie + Origin), connected; fails if refused.

    With `drain=True` the frames sent on connecting (badge, presence) are read until the socket
    is quiet and dropped, for tests that then assert that nothing at all arrives.
    """
    socket = communicator([origin, await session_cookie(user)])
    connected, _ = await socket.connect(timeout=WAIT)
    assert connected, "the socket was refused"
    if drain:
        await frames(socket, background=())
    return socket


async def close(*sockets: WebsocketCommunicator) -> None:
    for socket in sockets:
        await socket.disconnect()


def _kept(frame: Frame, *, background: Collection[str], only: Collection[str] | None) -> bool:
    if only is not None:
        return frame["type"] in only
    return frame["type"] not in background


async def frames(
    socket: WebsocketCommunicator,
    expect: Expectation = 0,
    *,
    background: Collection[str] = BACKGROUND,
    only: Collection[str] | None = None,
    wait: float = WAIT,
    quiet: float = QUIET,
) -> list[Frame]:
    """The frames the socket receives: first those expected, then any extras until quiet.

    `expect` is a number of kept frames or a predicate over the kept frames so far; they are
    waited for up to `wait` seconds (if they never come, what did arrive is returned, so the
    caller's assertion shows the difference). Then reading goes on until the socket has been
    silent for `quiet` seconds. Kept frames: those whose type is in `only` if given, else all
    whose type is not in `background` (`background=()` keeps every frame).
    """
    done = (lambda kept: len(kept) >= expect) if isinstance(expect, int) else expect
    kept: list[Frame] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while not done(kept):
        left = deadline - loop.time()
        if left <= 0:
            return kept
        try:
            frame = await socket.receive_json_from(timeout=left)
        except TimeoutError:
            return kept
        if _kept(frame, background=background, only=only):
            kept.append(frame)
    while not await socket.receive_nothing(timeout=quiet):
        frame = await socket.receive_json_from(timeout=wait)
        if _kept(frame, background=background, only=only):
            kept.append(frame)
    return kept


async def send(
    socket: WebsocketCommunicator, frame: Frame | str, expect: Expectation = 1, **options: Any
) -> list[Frame]:
    """Send `frame` (a dict as JSON, a str as raw text) and return `frames(socket, expect)`."""
    if isinstance(frame, str):
        await socket.send_to(text_data=frame)
    else:
        await socket.send_json_to(frame)
    return await frames(socket, expect, **options)


async def answer(socket: WebsocketCommunicator, frame: Frame | str, **options: Any) -> Frame:
    """Send `frame` and return the one kept frame it is answered with (and nothing else)."""
    got = await send(socket, frame, 1, **options)
    assert len(got) == 1, f"expected one answer, got {got}"
    return got[0]


async def nothing(socket: WebsocketCommunicator, quiet: float = QUIET) -> bool:
    """True if no frame at all (background ones included) arrives within `quiet` seconds."""
    return await socket.receive_nothing(timeout=quiet)


def including(*expected: Frame) -> Callable[[list[Frame]], bool]:
    """An expectation for `frames`: every one of these frames has arrived (in any order)."""
    return lambda got: all(frame in got for frame in expected)


def having_types(*frame_types: str) -> Callable[[list[Frame]], bool]:
    """An expectation for `frames`: at least one frame of each of these types has arrived."""
    return lambda got: set(frame_types) <= {frame["type"] for frame in got}


def types(got: list[Frame]) -> list[str]:
    return [frame["type"] for frame in got]
