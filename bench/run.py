"""`make bench`: build the datasets, start the production stack on loopback, measure, print a
table and write bench/results.json. bench/README.md explains every figure and key.

Bounded and self-stopping: every load phase has a fixed duration or count, every wait a
timeout, and the stack (plus the extra gunicorn for the small dataset) is stopped in a
`finally`, also on Ctrl+C. Only loopback ports 8180-8189, PostgreSQL 55480 and Redis 56480
(each overridable: BENCH_HTTP_PORT, BENCH_GUNICORN_PORT, BENCH_DAPHNE_PORTS,
BENCH_SMALL_GUNICORN_PORT, BENCH_PG_PORT, BENCH_REDIS_PORT).
"""

# A local tool that starts our own programs on loopback: subprocess calls, loopback HTTP and a
# broad except in the load loop (a failed cycle is counted, not fatal) are what it is for.
# ruff: noqa: S603, S607, S310, S324, BLE001

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path

from bench.results import evaluate_targets, validate

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("BENCH_STATE_DIR", ROOT / "var" / "bench"))
VENV = Path(os.environ.get("VENV", ROOT / ".venv"))
PY = str(VENV / "bin" / "python")
# Ports can be moved (e.g. to run a second bench beside this one); the defaults are the documented ones.
HTTP_PORT = int(os.environ.get("BENCH_HTTP_PORT", "8180"))
GUNICORN_PORT = int(os.environ.get("BENCH_GUNICORN_PORT", "8181"))
DAPHNE_PORTS = tuple(int(p) for p in os.environ.get("BENCH_DAPHNE_PORTS", "8182 8183").split())
SMALL_GUNICORN_PORT = int(os.environ.get("BENCH_SMALL_GUNICORN_PORT", "8186"))
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "55480"))
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "56480"))
# BENCH_ONLY=chat (or `python -m bench.run --only chat`): only the chat/echo phase, printed and
# written to var/bench/results-chat.json (bench/results.json is left alone).
ONLY = os.environ.get("BENCH_ONLY", "")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CONCURRENCY = 2 * WORKERS
DURATION = int(os.environ.get("BENCH_DURATION", "10"))  # seconds per HTTP load phase
QUICK = os.environ.get("BENCH_QUICK") == "1"  # shorter chat/memory phases, for trying the harness
SERVER_CPU, CLIENT_CPU = 0, 1
DATASETS = {"large": ("socialco", 100_000), "small": ("socialco_small", 1_000)}
RESULTS = ROOT / "bench" / "results.json"
BASE = f"http://127.0.0.1:{HTTP_PORT}"

STACK_ENV = {
    "PROD_STATE_DIR": str(STATE),
    "PROD_HTTP_PORT": str(HTTP_PORT),
    "PROD_GUNICORN_PORT": str(GUNICORN_PORT),
    "PROD_DAPHNE_PORTS": " ".join(map(str, DAPHNE_PORTS)),
    "PROD_PG_PORT": str(PG_PORT),
    "PROD_REDIS_PORT": str(REDIS_PORT),
    "PROD_GUNICORN_WORKERS": str(WORKERS),
    "PROD_SEED_DEMO": "0",
    "PROD_PG_OPTIONS": "-c fsync=off",
    "VENV": str(VENV),
    # Inherited by gunicorn and daphne: the bench-only ceiling view and echo socket, and a user
    # API throttle high enough not to answer 429 under load (the throttle still runs).
    "SOCIALCO_BENCH": "1",
    "API_THROTTLE_USER": "1000000/minute",
}


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- The stack ------------------------------------------------------------------------------
def stack(command: str) -> None:
    env = {**os.environ, **STACK_ENV}
    subprocess.run(["bash", str(ROOT / "deploy/local/prod-stack.sh"), command], env=env, check=True, cwd=ROOT)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key] = value
    return values


def app_env(database: str, cache_prefix: str = "socialco") -> dict[str, str]:
    """The same environment prod-stack.sh gives the app (socialco.env), for another database."""
    services = read_env_file(STATE / "services.env")
    return {
        **os.environ,
        **STACK_ENV,
        "DJANGO_SETTINGS_MODULE": "socialco.settings",
        "SOCIALCO_VAR_DIR": str(STATE / "app"),
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{HTTP_PORT}",
        "DATABASE_URL": f"{services['PROD_DATABASE_BASE_URL']}/{database}",
        "REDIS_URL": f"{services['PROD_REDIS_BASE_URL']}/0",
        "CACHE_KEY_PREFIX": cache_prefix,
        "MEDIA_ACCEL_REDIRECT_PREFIX": "/protected-media/",
        "EMAIL_FILE_PATH": str(STATE / "mail"),
        "LOG_LEVEL": "WARNING",
    }


def django_json(module: str, args: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run(
        [PY, "-m", module, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def dataset_fingerprint(posts: int) -> str:
    """The generator's source, the size and the names of every migration: a database built
    before a merge renumbered migrations cannot be migrated forward, so it is rebuilt."""
    import hashlib

    source = (ROOT / "bench" / "dataset.py").read_bytes()
    migrations = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/migrations/0*.py"))
    migrations += sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/*/migrations/0*.py"))
    return hashlib.sha1(source + str(posts).encode() + "\n".join(migrations).encode()).hexdigest()[:16]


def ensure_datasets(datasets: dict[str, tuple[str, int]] = DATASETS) -> dict[str, dict]:
    """Build each dataset unless the same generator already built it (marker file)."""
    import psycopg

    services = read_env_file(STATE / "services.env")
    found = {}
    for size, (database, posts) in datasets.items():
        marker = STATE / f"dataset-{size}.json"
        fingerprint = dataset_fingerprint(posts)
        if marker.exists() and json.loads(marker.read_text()).get("fingerprint") == fingerprint:
            say(f"dataset {size} ({posts} posts) is up to date in database {database}")
        else:
            say(f"building dataset {size}: {posts} posts in database {database}")
            started = time.monotonic()
            with psycopg.connect(f"{services['PROD_DATABASE_BASE_URL']}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{database}"')
            env = app_env(database)
            subprocess.run([PY, "manage.py", "migrate", "--no-input", "-v0"], env=env, cwd=ROOT, check=True)
            out = STATE / f"dataset-{size}.tmp"
            subprocess.run(
                [PY, "-m", "bench.dataset", "--posts", str(posts), "--out", str(out)],
                env=env,
                cwd=ROOT,
                check=True,
            )
            data = json.loads(out.read_text())
            data["fingerprint"] = fingerprint
            data["build_seconds"] = round(time.monotonic() - started, 1)
            marker.write_text(json.dumps(data))
            out.unlink()
        subprocess.run(
            [PY, "manage.py", "migrate", "--no-input", "-v0"], env=app_env(database), cwd=ROOT, check=True
        )
        with psycopg.connect(f"{services['PROD_DATABASE_BASE_URL']}/{database}", autocommit=True) as conn:
            conn.execute("ANALYZE")  # planner statistics for the bulk-loaded tables, every run
        found[size] = json.loads(marker.read_text())
    return found


def flush_cache() -> None:
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), "FLUSHALL"], check=True, capture_output=True
    )


def start_small_gunicorn() -> subprocess.Popen:
    """The same gunicorn configuration and worker count, on the 1,000-post database."""
    env = app_env("socialco_small", cache_prefix="socialco-small")
    env.update(GUNICORN_BIND=f"127.0.0.1:{SMALL_GUNICORN_PORT}", GUNICORN_WORKERS=str(WORKERS))
    env.update(GUNICORN_ACCESS_LOG=str(STATE / "log" / "gunicorn-small-access.log"))
    env.update(GUNICORN_ERROR_LOG=str(STATE / "log" / "gunicorn-small.log"))
    process = subprocess.Popen(
        [
            str(VENV / "bin" / "gunicorn"),
            "--config",
            str(ROOT / "deploy/gunicorn.conf.py"),
            "--chdir",
            str(ROOT),
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    wait_http(f"http://127.0.0.1:{SMALL_GUNICORN_PORT}/healthz")
    return process


def wait_http(url: str, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout}s")
        time.sleep(0.3)


# --- CPU pinning -------------------------------------------------------------------------------
def listening_pids(port: int) -> set[int]:
    out = subprocess.run(["ss", "-Htlnp", f"sport = :{port}"], capture_output=True, text=True).stdout
    return {int(p) for p in re.findall(r"pid=(\d+)", out)}


def descendants(pids: set[int]) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = set(pids), set(pids)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def pin_servers(ports: list[int]) -> list[int]:
    """Every server process (and thread, and future child) on SERVER_CPU."""
    roots: set[int] = set()
    for port in ports:
        roots |= listening_pids(port)
    pinned = []
    for pid in sorted(descendants(roots)):
        with suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                with suppress(OSError):
                    os.sched_setaffinity(int(task.name), {SERVER_CPU})
            pinned.append(pid)
    return pinned


# --- HTTP load (wrk) ---------------------------------------------------------------------------
def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(
    url: str, *, cookie: str = "", header: str = "", duration: int = DURATION, connections: int = CONCURRENCY
) -> dict:
    command = [
        "taskset",
        "-c",
        str(CLIENT_CPU),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
    ]
    if cookie:
        command += ["-H", f"Cookie: sessionid={cookie}"]
    if header:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": round(rps, 1),
        "p50_ms": round(_ms(latency["50"]), 2),
        "p99_ms": round(_ms(latency["99"]), 2),
        "requests": total,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def check_page(url: str, cookie: str = "", header: str = "", expect: str = "") -> None:
    import urllib.request

    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", f"sessionid={cookie}")
    if header:
        name, _, value = header.partition(": ")
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read().decode()
        if response.status != 200 or response.url.rstrip("/") != url.rstrip("/") or expect not in body:
            raise RuntimeError(f"{url} did not answer the logged-in page ({response.status} {response.url})")


def load(name: str, url: str, **kwargs) -> dict:
    check_page(url, kwargs.get("cookie", ""), kwargs.get("header", ""), kwargs.pop("expect", ""))
    wrk(url, duration=3, **kwargs)  # warm-up: caches, connections, lazy imports
    result = wrk(url, **kwargs)
    say(f"{name}: {result['rps']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms")
    return result


# --- WebSockets --------------------------------------------------------------------------------
def ws_headers(session: str) -> dict:
    return {"Cookie": f"sessionid={session}"}


async def open_sockets(urls_and_sessions: list[tuple[str, str]], batch: int = 50) -> list:
    from websockets.asyncio.client import connect

    sockets = []
    for start in range(0, len(urls_and_sessions), batch):
        chunk = urls_and_sessions[start : start + batch]
        sockets += await asyncio.gather(
            *(
                connect(url, additional_headers=ws_headers(s), origin=BASE, open_timeout=30, max_size=2**22)
                for url, s in chunk
            )
        )
    return sockets


async def broadcast_round(
    *,
    sockets: list,
    members: int,
    messages: int,
    window: int,
    make_frame,
    token_of,
    timeout: float = 10,
    pause: float = 0.0,
) -> dict:
    """Send `messages` frames (at most `window` in flight), each from the next socket in turn;
    a frame counts as delivered at a socket when `token_of(text)` returns its token there.
    Latency per delivery: receive time - send time (one clock: the same process). With
    `pause`, a sender waits that long after its frame reached every member before the next."""
    sent_at: dict[str, float] = {}
    remaining: dict[str, int] = {}
    done: dict[str, asyncio.Event] = {}
    latencies: list[float] = []

    errors: list[str] = []

    async def reader(ws) -> None:
        with suppress(Exception):
            async for text in ws:
                if '"error"' in text and len(errors) < 3:
                    errors.append(text[:300])
                token = token_of(text)
                if token in sent_at:
                    latencies.append((time.perf_counter() - sent_at[token]) * 1000)
                    remaining[token] -= 1
                    if remaining[token] == 0:
                        done[token].set()

    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    gate = asyncio.Semaphore(window)
    lost = 0

    async def one(k: int) -> None:
        nonlocal lost
        async with gate:
            token = uuid.uuid4().hex
            remaining[token], done[token] = members, asyncio.Event()
            sent_at[token] = time.perf_counter()
            try:
                await sockets[k % len(sockets)].send(make_frame(token))
            except Exception:  # a socket the server closed: its deliveries count as lost
                lost += members
                return
            try:
                await asyncio.wait_for(done[token].wait(), timeout)
            except TimeoutError:
                lost += remaining[token]
            if pause:
                await asyncio.sleep(pause)

    started = time.perf_counter()
    await asyncio.gather(*(one(k) for k in range(messages)))
    elapsed = time.perf_counter() - started
    for task in readers:
        task.cancel()
    latencies.sort()
    return {
        "clients": members,
        "messages": messages,
        "deliveries": len(latencies),
        "lost": lost,
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 2) if latencies else None,
        "deliveries_per_s": round(len(latencies) / elapsed, 1),
        "error_frames": errors,
    }


def chat_token(text: str) -> str | None:
    if '"message.new"' not in text:
        return None
    match = re.search(r"bench-([0-9a-f]{32})", text)
    return match.group(1) if match else None


# Chat method (bench/README.md): latency and throughput are measured in separate rounds, the
# same way for the echo and the chat. Latency: one message at a time, the next 50 ms after the
# previous one reached every member (a paced rate far below saturation, so the figures are
# delivery time, not queueing). Throughput: 8 messages in flight (saturation), deliveries/s.
LATENCY_MESSAGES = {10: 100, 100: 60, 500: 20}
THROUGHPUT_MESSAGES = {10: 200, 100: 60, 500: 16}
LATENCY_PAUSE_S = 0.05
THROUGHPUT_WINDOW = 8


async def chat_bench(people: dict, sessions: dict[str, str]) -> dict:
    """Real chat (/ws/, message.send) and the bare echo consumer, 10/100/500 clients in one room,
    the sockets alternating between the two daphne processes through nginx."""
    results: dict = {}
    for n, conversation in sorted(people["chats"].items(), key=lambda item: int(item[0])):
        n_int = int(n)
        members = people["chat_members"][:n_int]
        divisor = 2 if QUICK else 1
        for kind in ("echo", "chat"):
            if kind == "chat":
                url = f"ws://127.0.0.1:{HTTP_PORT}/ws/"

                def frame(token: str, conversation=conversation) -> str:
                    return json.dumps(
                        {
                            "type": "message.send",
                            "conversation": conversation,
                            "body": f"bench-{token}",
                            "client_id": token,
                        }
                    )

                token_of = chat_token
            else:
                url = f"ws://127.0.0.1:{HTTP_PORT}/ws/bench/echo/?room=r{n}"

                def frame(token: str) -> str:
                    return f"bench-{token}"

                def token_of(text: str) -> str | None:
                    return text[6:] if text.startswith("bench-") else None

            sockets = await open_sockets([(url, sessions[str(m)]) for m in members])
            await asyncio.sleep(1 if n_int < 500 else 3)  # on_connect work settles
            common = {"sockets": sockets, "members": n_int, "make_frame": frame, "token_of": token_of}
            await broadcast_round(**common, messages=3, window=1)  # warm-up, not counted
            latency = await broadcast_round(
                **common, messages=LATENCY_MESSAGES[n_int] // divisor, window=1, pause=LATENCY_PAUSE_S
            )
            await asyncio.sleep(0.5)
            throughput = await broadcast_round(
                **common, messages=THROUGHPUT_MESSAGES[n_int] // divisor, window=THROUGHPUT_WINDOW
            )
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
            result = {
                "clients": n_int,
                "p50_ms": latency["p50_ms"],
                "p99_ms": latency["p99_ms"],
                "deliveries_per_s": throughput["deliveries_per_s"],
                "lost": latency["lost"] + throughput["lost"],
                "latency_round": latency,
                "throughput_round": throughput,
            }
            results[f"{kind}_{n}"] = result
            say(
                f"{kind} {n} clients: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms (paced), "
                f"{result['deliveries_per_s']} deliveries/s (saturated; its p50 "
                f"{throughput['p50_ms']} ms), lost {result['lost']}"
            )
            await asyncio.sleep(1)
    return results


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def memory_cycles(pid: int, port: int, sessions: list[str], cycles: int) -> dict:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/ws/"
    start = rss_kb(pid)
    counter = iter(range(cycles))
    failures = 0

    async def worker(w: int) -> None:
        nonlocal failures
        for k in counter:
            try:
                ws = await connect(
                    url,
                    additional_headers=ws_headers(sessions[(k + w) % len(sessions)]),
                    origin=BASE,
                    open_timeout=30,
                )
                await ws.close()
            except Exception:
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(20)))
    elapsed = time.perf_counter() - started
    peak = rss_kb(pid)
    await asyncio.sleep(15)  # the presence grace (10 s) and closing handshakes finish
    end = rss_kb(pid)
    return {
        "cycles": cycles,
        "failures": failures,
        "seconds": round(elapsed, 1),
        "rss_start_mb": round(start / 1024, 1),
        "rss_after_cycles_mb": round(peak / 1024, 1),
        "rss_end_mb": round(end / 1024, 1),
        "rss_growth_ratio": round(end / start, 3),
    }


async def stalled_reader(pid: int, people: dict, sessions: dict[str, str], seconds: int) -> dict:
    """In the 10-person chat: one socket on the measured daphne never reads; the 9 others
    (on the other daphne) keep sending 2,000-character messages for `seconds`."""
    from websockets.asyncio.client import connect

    members = people["chat_members"][:10]
    conversation = people["chats"]["10"]
    stalled = await connect(
        f"ws://127.0.0.1:{DAPHNE_PORTS[0]}/ws/",
        additional_headers=ws_headers(sessions[str(members[0])]),
        origin=BASE,
        max_queue=1,
    )
    stalled.transport.pause_reading()  # stop reading from the kernel: the server's writes back up
    senders = await open_sockets(
        [(f"ws://127.0.0.1:{DAPHNE_PORTS[1]}/ws/", sessions[str(m)]) for m in members[1:]]
    )

    async def drain(ws) -> None:
        with suppress(Exception):
            async for _ in ws:
                pass

    drains = [asyncio.create_task(drain(ws)) for ws in senders]
    start = rss_kb(pid)
    peak, samples, sent = start, [], 0
    body = "x" * 2000
    deadline = time.monotonic() + seconds
    next_sample = time.monotonic()
    while time.monotonic() < deadline:
        for ws in senders:
            frame = {
                "type": "message.send",
                "conversation": conversation,
                "body": f"{body} {sent}",
                "client_id": uuid.uuid4().hex,
            }
            await ws.send(json.dumps(frame))
            sent += 1
        await asyncio.sleep(0.2)  # 9 senders x 5/s = 45 messages/s, each delivered to 10 sockets
        if time.monotonic() >= next_sample:
            value = rss_kb(pid)
            samples.append(value)
            peak = max(peak, value)
            next_sample += 1
    for task in drains:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in senders), return_exceptions=True)
    stalled.transport.abort()
    await asyncio.sleep(5)
    end = rss_kb(pid)
    half = samples[len(samples) // 2] if samples else start
    return {
        "seconds": seconds,
        "messages_sent": sent,
        "rss_start_mb": round(start / 1024, 1),
        "rss_max_mb": round(peak / 1024, 1),
        "rss_at_half_time_mb": round(half / 1024, 1),
        "rss_after_close_mb": round(end / 1024, 1),
        "growth_second_half_mb": round((peak - half) / 1024, 1),
    }


# --- Writing -----------------------------------------------------------------------------------
def write_bench(tokens: dict[str, str], popular: int, quiet: int, rounds: int) -> dict:
    import urllib.request

    def post(token: str) -> float:
        data = json.dumps({"body": f"Bench post {uuid.uuid4().hex} with some words #topic1"}).encode()
        request = urllib.request.Request(
            f"{BASE}/api/v1/posts/",
            data=data,
            method="POST",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            if response.status != 201:
                raise RuntimeError(f"post creation answered {response.status}")
        return (time.perf_counter() - started) * 1000

    times: dict[str, list[float]] = {"popular": [], "quiet": []}
    for _ in range(3):  # warm-up
        post(tokens[str(popular)])
        post(tokens[str(quiet)])
    for k in range(rounds):  # alternate so that noise hits both alike
        order = ("popular", "quiet") if k % 2 == 0 else ("quiet", "popular")
        for who in order:
            times[who].append(post(tokens[str(popular if who == "popular" else quiet)]))
    p50 = {who: statistics.median(values) for who, values in times.items()}
    return {
        "p50_ms_1000_followers": round(p50["popular"], 2),
        "p50_ms_10_followers": round(p50["quiet"], 2),
        "ratio": round(p50["popular"] / p50["quiet"], 3),
        "posts_each": rounds,
    }


# --- Machine facts -----------------------------------------------------------------------------
def machine_facts() -> dict:
    def first(cmd: list[str]) -> str:
        with suppress(Exception):
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        return "unknown"

    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
    versions = subprocess.run(
        [
            PY,
            "-c",
            "import django, gunicorn, daphne, channels, channels_redis, websockets, psycopg; "
            "print(django.get_version(), gunicorn.__version__, daphne.__version__, channels.__version__, "
            "channels_redis.__version__, websockets.__version__, psycopg.__version__)",
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    names = ("django", "gunicorn", "daphne", "channels", "channels_redis", "websockets", "psycopg")
    pg = (
        sorted(Path("/usr/lib/postgresql").iterdir())[-1].name
        if Path("/usr/lib/postgresql").exists()
        else "?"
    )
    return {
        "cpu_model": cpu.group(1) if cpu else platform.processor(),
        "cores": os.cpu_count(),
        "ram_gb": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        **dict(zip(names, versions, strict=False)),
        "postgresql": pg,
        "redis": first(["redis-server", "--version"]),
        "nginx": first(["nginx", "-v"]),
        "wrk": first(["wrk", "--version"]),
        "load_average_at_start": os.getloadavg(),
    }


# --- Main --------------------------------------------------------------------------------------
def print_table(results: dict) -> None:
    print("\n  figure".ljust(58) + "value")
    for key, value in results["figures"].items():
        print(f"  {key:<55} {value}")
    print("\n  target".ljust(58) + "value / target   met")
    for target in results["targets"]:
        verdict = {True: "MET", False: "MISSED", None: "n/a"}[target["met"]]
        print(f"  {target['name']:<55} {target['value']} / {target['target']}   {verdict}")
    print(f"\n  written to {RESULTS.relative_to(ROOT)}\n")


def chat_only() -> None:
    """Only the chat/echo phase (5), on the same stack and pinning: for iterating on chat.

    The stack serves the `socialco` database, built here with 1,000 posts (chat reads no posts;
    the 10,000 people and the 10/100/500-person chats are the same as in the full run). A later
    full run rebuilds it with 100,000 posts (the marker's fingerprint differs)."""
    started = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        say(f"chat only; state in {STATE}; stopping anything a previous run left")
        stack("stop")
        stack("services")
        datasets = ensure_datasets({"large": ("socialco", 1_000)})
        flush_cache()
        stack("start")
        pinned = pin_servers([PG_PORT, REDIS_PORT, HTTP_PORT, GUNICORN_PORT, *DAPHNE_PORTS])
        os.sched_setaffinity(0, {CLIENT_CPU})
        say(f"{len(pinned)} server processes pinned to CPU {SERVER_CPU}; load generators on CPU {CLIENT_CPU}")
        load_start = os.getloadavg()
        people = datasets["large"]["people"]
        login = django_json("bench.sessions", [str(i) for i in people["chat_members"]], app_env("socialco"))
        raw = asyncio.run(chat_bench(people, login["sessions"]))
        figures = {}
        for key, result in raw.items():
            for measure in ("p50_ms", "p99_ms", "deliveries_per_s", "lost"):
                figures[f"{key.split('_')[0]}.{key.split('_')[1]}.{measure}"] = result[measure]
        targets = [t for t in evaluate_targets(figures) if t["name"].startswith("chat")]
        out = {
            "command": "python -m bench.run --only chat",
            "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "load_average_at_start": load_start,
            "load_average_at_end": os.getloadavg(),
            "figures": figures,
            "targets": targets,
            "raw": raw,
        }
        (STATE / "results-chat.json").write_text(json.dumps(out, indent=2) + "\n")
        for key, value in figures.items():
            print(f"  {key:<55} {value}")
        for target in targets:
            verdict = {True: "MET", False: "MISSED", None: "n/a"}[target["met"]]
            print(f"  {target['name']:<55} {target['value']} / {target['target']}   {verdict}")
        print(f"  load average {load_start} -> {out['load_average_at_end']}")
    finally:
        with suppress(Exception):
            stack("stop")
    say(f"done in {time.monotonic() - started:.0f} s")


def main() -> None:
    if ONLY == "chat" or sys.argv[1:3] == ["--only", "chat"]:
        chat_only()
        return
    started = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    figures: dict = {}
    raw: dict = {}
    small: subprocess.Popen | None = None
    try:
        say(f"state in {STATE}; stopping anything a previous run left")
        stack("stop")
        stack("services")
        datasets = ensure_datasets()
        flush_cache()
        say("starting the production stack (nginx, gunicorn, 2 x daphne, PostgreSQL, Redis)")
        stack("start")
        small = start_small_gunicorn()
        pinned = pin_servers(
            [PG_PORT, REDIS_PORT, HTTP_PORT, GUNICORN_PORT, *DAPHNE_PORTS, SMALL_GUNICORN_PORT]
        )
        os.sched_setaffinity(0, {CLIENT_CPU})
        say(f"{len(pinned)} server processes pinned to CPU {SERVER_CPU}; load generators on CPU {CLIENT_CPU}")
        machine = machine_facts()

        large, tiny = datasets["large"]["people"], datasets["small"]["people"]
        chat_ids = large["chat_members"]
        login = django_json(
            "bench.sessions",
            [str(i) for i in chat_ids]
            + ["--tokens", str(large["popular_author"]), str(large["quiet_author"])],
            app_env("socialco"),
        )
        sessions, tokens = login["sessions"], login["tokens"]
        small_login = django_json(
            "bench.sessions", [str(tiny["viewer"])], app_env("socialco_small", "socialco-small")
        )
        viewer = sessions[str(large["viewer"])]

        # 1-2: ceiling, feed, API (through nginx); 3: scale (each gunicorn directly) and directory.
        raw["ceiling"] = load("ceiling", f"{BASE}/bench/ceiling/", cookie=viewer, expect="ok")
        raw["feed_html"] = load("feed HTML", f"{BASE}/", cookie=viewer, expect="<article")
        raw["api_posts"] = load("posts API", f"{BASE}/api/v1/posts/", cookie=viewer, expect='"results"')
        raw["directory"] = load("directory search", f"{BASE}/people/?q=silva", cookie=viewer, expect="Silva")
        raw["feed_100k"] = load(
            "feed 100k (gunicorn)", f"http://127.0.0.1:{GUNICORN_PORT}/", cookie=viewer, expect="<article"
        )
        raw["feed_1k"] = load(
            "feed 1k (gunicorn)",
            f"http://127.0.0.1:{SMALL_GUNICORN_PORT}/",
            cookie=small_login["sessions"][str(tiny["viewer"])],
            expect="<article",
        )
        ceiling = raw["ceiling"]["rps"]
        figures["ceiling.rps"] = ceiling
        figures["ceiling.p50_ms"] = raw["ceiling"]["p50_ms"]
        for name in ("feed_html", "api_posts"):
            for measure in ("rps", "p50_ms", "p99_ms"):
                figures[f"{name}.{measure}"] = raw[name][measure]
            figures[f"{name}.ratio_to_ceiling"] = round(raw[name]["rps"] / ceiling, 3)
        figures["scale.feed_p50_ms_100k"] = raw["feed_100k"]["p50_ms"]
        figures["scale.feed_p50_ms_1k"] = raw["feed_1k"]["p50_ms"]
        figures["scale.feed_ratio"] = round(raw["feed_100k"]["p50_ms"] / raw["feed_1k"]["p50_ms"], 3)
        figures["directory.search_p50_ms_10k_users"] = raw["directory"]["p50_ms"]
        figures["directory.search_rps"] = raw["directory"]["rps"]
        figures["http.non_2xx"] = sum(r["non_2xx"] for r in raw.values())

        # 4: queries per request, in-process, at both sizes.
        for size, env in (("100k", app_env("socialco")), ("1k", app_env("socialco_small", "socialco-small"))):
            people_file = STATE / f"dataset-{'large' if size == '100k' else 'small'}.json"
            counts = django_json("bench.queries", [str(people_file)], env)
            for page, value in counts.items():
                figures[f"queries.{page}.{size}"] = value
        say("queries per request counted at both sizes")

        # 5: chat and echo latency.
        raw["chat"] = asyncio.run(chat_bench(large, sessions))
        for key, result in raw["chat"].items():
            for measure in ("p50_ms", "p99_ms", "deliveries_per_s", "lost"):
                figures[f"{key.split('_')[0]}.{key.split('_')[1]}.{measure}"] = result[measure]

        # 7: memory.
        daphne_pid = int((STATE / "run" / f"daphne-{DAPHNE_PORTS[0]}.pid").read_text())
        member_sessions = [sessions[str(i)] for i in chat_ids[200:500]]
        cycles = 2000 if QUICK else 10_000
        raw["memory_cycles"] = asyncio.run(
            memory_cycles(daphne_pid, DAPHNE_PORTS[0], member_sessions, cycles)
        )
        say(f"memory after {cycles} connect/disconnect cycles: {raw['memory_cycles']}")
        for key, value in raw["memory_cycles"].items():
            figures[f"memory.cycles.{key}"] = value
        raw["stalled"] = asyncio.run(stalled_reader(daphne_pid, large, sessions, 20 if QUICK else 60))
        say(f"stalled reader: {raw['stalled']}")
        for key, value in raw["stalled"].items():
            figures[f"memory.stalled.{key}"] = value

        # 6: writing (last: it adds posts to the large dataset).
        raw["write"] = write_bench(
            tokens, large["popular_author"], large["quiet_author"], 15 if QUICK else 40
        )
        for key, value in raw["write"].items():
            figures[f"write.{key}"] = value
        say(f"writing: {raw['write']}")

        machine["load_average_at_end"] = os.getloadavg()
        results = {
            "schema": 1,
            "command": "make bench" + (" BENCH_QUICK=1" if QUICK else ""),
            "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "duration_s": round(time.monotonic() - started),
            "machine": machine,
            "config": {
                "gunicorn_workers": WORKERS,
                "http_concurrency": CONCURRENCY,
                "http_seconds_per_phase": DURATION,
                "daphne_processes": len(DAPHNE_PORTS),
                "server_cpu": SERVER_CPU,
                "client_cpu": CLIENT_CPU,
                "load_generator": "wrk -t1 (HTTP), websockets asyncio client (sockets)",
                "dataset_build_seconds": {k: v.get("build_seconds") for k, v in datasets.items()},
                "quick": QUICK,
            },
            "figures": figures,
            "raw": raw,
        }
        results["targets"] = evaluate_targets(figures)
        validate(results)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print_table(results)
    finally:
        if small is not None:
            with suppress(ProcessLookupError):
                os.killpg(small.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                small.wait(timeout=30)
        with suppress(Exception):
            stack("stop")
    say(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
