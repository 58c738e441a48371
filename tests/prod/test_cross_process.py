"""Several ASGI processes behind one Redis: what is sent through one reaches sockets on the others.

Two real daphne processes share a database and a Redis channel layer; clients connect to them
over real WebSockets (the `websockets` library) with a real login session cookie, exactly as
browsers do behind nginx. Server events come from a third process, as they do in production
(a gunicorn worker commits a change and sends on commit).

This needs REDIS_URL (CI job 2 and job 3); without it the module is skipped, unless
SOCIALCO_REQUIRE_CROSS_PROCESS=1 (CI job 3) turns the skip into a failure.

Adding a scenario (chat, feed): write a test taking `cluster`, log people in with
`cluster.login(...)`, open sockets on different processes with `cluster.socket(session, n)`,
drive them with `send()` / `expect()`, and trigger server-side work with `cluster.python(...)`
when the event starts outside a socket. See the existing tests below.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.prod.instances import ROOT, Instances, manage, run_python

REQUIRED = os.environ.get("SOCIALCO_REQUIRE_CROSS_PROCESS") == "1"
REDIS_URL = os.environ.get("REDIS_URL", "")

if not REDIS_URL:
    if REQUIRED:
        raise RuntimeError("SOCIALCO_REQUIRE_CROSS_PROCESS=1 but REDIS_URL is not set")
    pytest.skip(
        "cross-process tests need REDIS_URL (several ASGI processes share events only through Redis)",
        allow_module_level=True,
    )

from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.sync.client import ClientConnection, connect  # noqa: E402

PROCESSES = 2
FRAME_TIMEOUT = 10.0
START_TIMEOUT = 90.0

LOGIN = """
import json, django
django.setup()
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client
from profiles.services import user_upsert_verified
from moderation.services import guidelines_accept
user = user_upsert_verified(email={email!r}, display_name={name!r}, password_hash=make_password(None))
guidelines_accept(user=user)  # an established employee: the write gate lets them chat
client = Client()
client.force_login(user)
print(json.dumps({{"user_id": user.pk, "session_key": client.session.session_key,
                   "cookie": client.cookies[settings.SESSION_COOKIE_NAME].value}}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Session:
    """A logged-in browser session: the user and its session cookie."""

    email: str
    user_id: int
    session_key: str
    cookie: str


class LiveSocket:
    """One browser tab's /ws/ socket, connected to one of the ASGI processes."""

    def __init__(self, connection: ClientConnection, process: int) -> None:
        self.connection = connection
        self.process = process

    def send(self, frame: dict[str, Any]) -> None:
        self.connection.send(json.dumps(frame))

    def receive(self, timeout: float = FRAME_TIMEOUT) -> dict[str, Any]:
        return json.loads(self.connection.recv(timeout=timeout))

    def expect(
        self, frame_type: str, timeout: float = FRAME_TIMEOUT, *, ignore: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """The next frame of `frame_type`; fails on timeout. Heartbeat pongs and the frame types
        in `ignore` (e.g. chat presence) are skipped; any other frame fails."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {frame_type!r} frame within {timeout}s on process {self.process}")
            try:
                frame = self.receive(timeout=remaining)
            except TimeoutError:
                continue
            if frame.get("type") == frame_type:
                return frame
            if frame.get("type") != "pong" and frame.get("type") not in ignore:
                raise AssertionError(f"expected {frame_type!r} on process {self.process}, got {frame}")

    def ping(self) -> None:
        """Round trip: proves the socket is accepted (and has joined its groups). Frames a socket
        may get on connect (its unread badge, partners' presence) are skipped."""
        ref = uuid.uuid4().hex
        self.send({"type": "ping", "ref": ref})
        assert self.expect("pong", ignore=frozenset({"nav.badge", "presence"}))["ref"] == ref

    def expect_closed(self, timeout: float = FRAME_TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.connection.recv(timeout=deadline - time.monotonic())
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else 1006
            except TimeoutError:
                break
        raise AssertionError(f"the socket on process {self.process} stayed open")


class Cluster:
    """N daphne processes of one instance (one database, one Redis), on free loopback ports."""

    def __init__(self, env: dict[str, str], ports: list[int]) -> None:
        self.env = env
        self.ports = ports

    def login(self, email: str, name: str = "Test Person") -> Session:
        data = json.loads(run_python(self.env, LOGIN.format(email=email, name=name)).strip().splitlines()[-1])
        return Session(email=email, **data)

    @contextmanager
    def socket(self, session: Session, process: int) -> Iterator[LiveSocket]:
        port = self.ports[process]
        with connect(
            f"ws://127.0.0.1:{port}/ws/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={session.cookie}"},
            open_timeout=FRAME_TIMEOUT,
        ) as connection:
            live = LiveSocket(connection, process)
            live.ping()
            yield live

    def python(self, code: str) -> str:
        """Run Django code in a separate process of the same instance (a web worker, a cron job)."""
        prelude = "import django\ndjango.setup()\n"
        return run_python(self.env, prelude + code)


def _wait_healthy(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"daphne on {port} exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if json.loads(response.read()) == {"database": "ok", "channel_layer": "ok"}:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"daphne on {port} did not become healthy:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    base = tmp_path_factory.mktemp("cluster")
    instances = Instances(base)
    env = instances.new(
        "cluster",
        redis_url=REDIS_URL,
        CACHE_KEY_PREFIX=f"xproc{uuid.uuid4().hex[:8]}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    processes: list[subprocess.Popen] = []
    try:
        manage(env, "migrate", "--no-input", "-v0")
        ports = [_free_port() for _ in range(PROCESSES)]
        for port in ports:
            log = base / f"daphne-{port}.log"
            with log.open("wb") as handle:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                         "socialco.asgi:application"],
                        env=env,
                        cwd=ROOT,
                        stdout=handle,
                        stderr=subprocess.STDOUT,
                    )
                )  # fmt: skip
        for port, process in zip(ports, processes, strict=True):
            _wait_healthy(port, process, base / f"daphne-{port}.log")
        yield Cluster(env, ports)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        instances.close()


def _unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def test_each_process_accepts_a_logged_in_socket(cluster):
    session = cluster.login(_unique_email("ana"))
    for process in range(PROCESSES):
        with cluster.socket(session, process) as live:
            live.ping()


def test_server_event_from_a_third_process_reaches_the_users_sockets_on_every_process(cluster):
    session = cluster.login(_unique_email("ana"))
    with cluster.socket(session, 0) as on_first, cluster.socket(session, 1) as on_second:
        cluster.python(
            "from socialco.realtime import send_to_group, user_group\n"
            f"send_to_group(user_group({session.user_id}), {{'type': 'test.hello', 'n': 1}})\n"
        )

        assert on_first.expect("test.hello") == {"type": "test.hello", "n": 1}
        assert on_second.expect("test.hello") == {"type": "test.hello", "n": 1}


def test_event_for_one_user_reaches_no_other_user_on_another_process(cluster):
    ana = cluster.login(_unique_email("ana"))
    ben = cluster.login(_unique_email("ben"))
    with cluster.socket(ana, 0) as ana_socket, cluster.socket(ben, 1) as ben_socket:
        cluster.python(
            "from socialco.realtime import send_to_group, user_group\n"
            f"send_to_group(user_group({ana.user_id}), {{'type': 'test.private', 'for': 'ana'}})\n"
            f"send_to_group(user_group({ben.user_id}), {{'type': 'test.private', 'for': 'ben'}})\n"
        )

        assert ana_socket.expect("test.private")["for"] == "ana"
        # Sent after Ana's: had Ana's leaked, it would arrive first.
        assert ben_socket.expect("test.private")["for"] == "ben"


def test_logout_closes_the_sessions_sockets_on_every_process(cluster):
    session = cluster.login(_unique_email("ana"))
    with cluster.socket(session, 0) as on_first, cluster.socket(session, 1) as on_second:
        cluster.python(
            "from socialco.realtime import close_group_sockets, session_group\n"
            f"close_group_sockets(session_group({session.session_key!r}))\n"
        )

        assert on_first.expect_closed() == 4001
        assert on_second.expect_closed() == 4001


# Chat ---------------------------------------------------------------------------------------
# Frames chat sends on its own (presence of direct-chat partners, unread badges, read marks):
# not what these scenarios are about.
CHAT_BACKGROUND = frozenset({"presence", "nav.badge", "read"})


def test_chat_message_sent_through_one_process_reaches_the_other_person_on_another(cluster):
    ana = cluster.login(_unique_email("ana"), "Ana Silva")
    ben = cluster.login(_unique_email("ben"), "Ben Okafor")
    conversation = int(
        cluster.python(
            "from messaging.services import conversation_get_or_create_direct\n"
            "from profiles.models import User\n"
            f"chat, _ = conversation_get_or_create_direct(user=User.objects.get(pk={ana.user_id}), "
            f"other_user_id={ben.user_id})\n"
            "print(chat.pk)\n"
        )
        .strip()
        .splitlines()[-1]
    )
    with cluster.socket(ana, 0) as ana_socket, cluster.socket(ben, 1) as ben_socket:
        client_id = uuid.uuid4().hex
        ana_socket.send(
            {
                "type": "message.send",
                "conversation": conversation,
                "body": "Hi **Ben**",
                "client_id": client_id,
            }
        )

        ack = ana_socket.expect("ack", ignore=CHAT_BACKGROUND)
        assert ack["client_id"] == client_id
        delivered = ben_socket.expect("message.new", ignore=CHAT_BACKGROUND)["message"]
        assert delivered["id"] == ack["id"]
        assert delivered["conversation"] == conversation
        assert delivered["sender"] == {"id": ana.user_id, "name": "Ana Silva"}
        assert delivered["body_html"] == "<p>Hi <strong>Ben</strong></p>"
        # Ana's own socket gets it too (her other tabs draw it the same way).
        assert ana_socket.expect("message.new", ignore=CHAT_BACKGROUND)["message"]["id"] == ack["id"]

        # And back the other way, Ben on the second process to Ana on the first.
        ben_socket.send(
            {"type": "message.send", "conversation": conversation, "body": "Hello!", "client_id": "ben-1"}
        )
        reply_ack = ben_socket.expect("ack", ignore=CHAT_BACKGROUND)
        reply = ana_socket.expect("message.new", ignore=CHAT_BACKGROUND)["message"]
        assert reply["id"] == reply_ack["id"]
        assert reply["body"] == "Hello!"

        # A resend after a lost ack, from a tab on the other process: the original ack, no new row.
        with cluster.socket(ana, 1) as ana_second_tab:
            ana_second_tab.send(
                {"type": "message.send", "conversation": conversation, "body": "Hi", "client_id": client_id}
            )
            assert ana_second_tab.expect("ack", ignore=CHAT_BACKGROUND)["id"] == ack["id"]
    stored = cluster.python(
        "from messaging.models import Message\n"
        f"print(Message.objects.filter(conversation={conversation}).count())\n"
    )
    assert stored.strip().splitlines()[-1] == "2"


# Feed ---------------------------------------------------------------------------------------
# Frames a socket may get besides the feed's own (its unread notification count, chat badges).
FEED_BACKGROUND = frozenset({"nav.badge", "notification.count", "presence"})

FEED_SETUP = """
from groups.models import Group
from groups.services import group_create, invitation_accept, invitation_create
from profiles.models import User
from profiles.services import follow_create
from rest_framework.authtoken.models import Token
ana, ben, cal = (User.objects.get(pk=pk) for pk in ({ana}, {ben}, {cal}))
follow_create(follower=ben, followed=ana)
group = group_create(actor=ana, name={group_name!r}, visibility=Group.Visibility.PRIVATE)
invitation_accept(actor=cal, invitation=invitation_create(actor=ana, group=group, invitee=cal))
print(group.slug, Token.objects.get_or_create(user=ana)[0].key)
"""


def _api_post(port: int, token: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create a post over HTTP on one daphne process, as an API client (token auth)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/posts/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=FRAME_TIMEOUT) as response:
        assert response.status == 201
        return json.loads(response.read())


def _subscribe_feed(live: LiveSocket, feed: str, key: str | None = None) -> None:
    frame: dict[str, Any] = {"type": "feed.subscribe", "feed": feed, "ref": feed}
    if key is not None:
        frame["key"] = key
    live.send(frame)
    assert live.expect("feed.subscribed", ignore=FEED_BACKGROUND) == {
        "type": "feed.subscribed",
        "feed": feed,
        "ref": feed,
    }


def test_post_created_through_one_process_reaches_allowed_feeds_on_another_and_nobody_else(cluster):
    ana = cluster.login(_unique_email("ana"), "Ana Silva")
    ben = cluster.login(_unique_email("ben"), "Ben Okafor")  # follows Ana
    cal = cluster.login(_unique_email("cal"), "Cal Diaz")  # in Ana's private group
    dee = cluster.login(_unique_email("dee"), "Dee Ng")  # neither: sees only what the company sees
    slug, token = (
        cluster.python(
            FEED_SETUP.format(
                ana=ana.user_id,
                ben=ben.user_id,
                cal=cal.user_id,
                group_name=f"Launch Room {uuid.uuid4().hex[:6]}",
            )
        )
        .strip()
        .splitlines()[-1]
        .split()
    )
    with (
        cluster.socket(ben, 1) as ben_home,
        cluster.socket(cal, 1) as cal_group,
        cluster.socket(dee, 1) as dee_company,
        cluster.socket(dee, 0) as dee_home_on_first,
    ):
        _subscribe_feed(ben_home, "home")
        _subscribe_feed(cal_group, "group", slug)
        _subscribe_feed(dee_company, "company")
        _subscribe_feed(dee_home_on_first, "home")

        # 1. A company post, created over HTTP on process 0: the follower's home feed and the
        # company feed on process 1 are told.
        public = _api_post(cluster.ports[0], token, {"body": "Launch is **on** for Friday."})
        assert ben_home.expect("feed.new_post", ignore=FEED_BACKGROUND) == {
            "type": "feed.new_post",
            "feed": "home",
            "post": public["id"],
        }
        assert dee_company.expect("feed.new_post", ignore=FEED_BACKGROUND)["post"] == public["id"]

        # 2. A post in the private group: only its member hears of it.
        secret = _api_post(cluster.ports[0], token, {"body": "Numbers for the board", "group": slug})
        assert cal_group.expect("feed.new_post", ignore=FEED_BACKGROUND) == {
            "type": "feed.new_post",
            "feed": "group",
            "post": secret["id"],
        }

        # 3. Another company post: for everyone else it is the next feed frame. Had the group's
        # post leaked to them, it would have arrived first.
        after = _api_post(cluster.ports[0], token, {"body": "Lunch is on me."})
        assert ben_home.expect("feed.new_post", ignore=FEED_BACKGROUND)["post"] == after["id"]
        assert dee_company.expect("feed.new_post", ignore=FEED_BACKGROUND)["post"] == after["id"]
        # Dee follows nobody and is in no group: her home feed has neither post.
        # Give process 0 the time to decide, then a round trip: any feed frame before the pong fails.
        time.sleep(1.0)
        ref = uuid.uuid4().hex
        dee_home_on_first.send({"type": "ping", "ref": ref})
        assert dee_home_on_first.expect("pong", ignore=FEED_BACKGROUND)["ref"] == ref
