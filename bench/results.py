"""The shape of bench/results.json: every figure's key (documented in bench/README.md) and the
issue's targets, evaluated from the figures. `validate` refuses a results file missing a key."""

from __future__ import annotations

from dataclasses import dataclass

CHAT_CLIENTS = (10, 100, 500)
QUERY_PAGES = ("feed", "post", "questions_list", "question_30_answers", "directory", "chat_history")

FIGURE_KEYS: tuple[str, ...] = (
    "ceiling.rps",
    "ceiling.p50_ms",
    *(
        f"{page}.{m}"
        for page in ("feed_html", "api_posts")
        for m in ("rps", "p50_ms", "p99_ms", "ratio_to_ceiling")
    ),
    "scale.feed_p50_ms_100k",
    "scale.feed_p50_ms_1k",
    "scale.feed_ratio",
    "directory.search_p50_ms_10k_users",
    "directory.search_rps",
    "http.non_2xx",
    *(f"queries.{page}.{size}" for page in QUERY_PAGES for size in ("100k", "1k")),
    *(
        f"{kind}.{n}.{m}"
        for kind in ("echo", "chat")
        for n in CHAT_CLIENTS
        for m in ("p50_ms", "p99_ms", "deliveries_per_s", "lost")
    ),
    *(
        f"memory.cycles.{m}"
        for m in (
            "cycles",
            "failures",
            "seconds",
            "rss_start_mb",
            "rss_after_cycles_mb",
            "rss_end_mb",
            "rss_growth_ratio",
        )
    ),
    *(
        f"memory.stalled.{m}"
        for m in (
            "seconds",
            "messages_sent",
            "rss_start_mb",
            "rss_max_mb",
            "rss_at_half_time_mb",
            "rss_after_close_mb",
            "growth_second_half_mb",
        )
    ),
    "write.p50_ms_1000_followers",
    "write.p50_ms_10_followers",
    "write.ratio",
    "write.posts_each",
)
TOP_KEYS = ("schema", "command", "generated_at", "machine", "config", "figures", "targets")
MACHINE_KEYS = ("cpu_model", "cores", "ram_gb", "python", "django", "postgresql", "redis", "nginx", "wrk")


@dataclass(frozen=True)
class Target:
    name: str
    target: str
    value_of: object  # figures -> value
    met_if: object  # value -> bool


def _ratio(a: str, b: str):
    return lambda f: round(f[a] / f[b], 3) if isinstance(f.get(a), int | float) and f.get(b) else None


def _queries_equal(f: dict) -> str:
    pairs = [(f.get(f"queries.{p}.100k"), f.get(f"queries.{p}.1k")) for p in QUERY_PAGES]
    numeric = [(a, b) for a, b in pairs if isinstance(a, int)]
    return "equal" if numeric and all(a == b for a, b in numeric) else "different"


TARGETS: tuple[Target, ...] = (
    Target(
        "feed HTML req/s / ceiling",
        ">= 0.20",
        lambda f: f.get("feed_html.ratio_to_ceiling"),
        lambda v: v >= 0.20,
    ),
    Target(
        "posts API req/s / ceiling",
        ">= 0.25",
        lambda f: f.get("api_posts.ratio_to_ceiling"),
        lambda v: v >= 0.25,
    ),
    Target("feed p50 100k / 1k posts", "<= 1.2", lambda f: f.get("scale.feed_ratio"), lambda v: v <= 1.2),
    Target("queries per request, both sizes", "equal", _queries_equal, lambda v: v == "equal"),
    *(
        t
        for n in CHAT_CLIENTS
        for t in (
            Target(
                f"chat p50 / echo p50, {n} clients",
                "<= 1.5",
                _ratio(f"chat.{n}.p50_ms", f"echo.{n}.p50_ms"),
                lambda v: v <= 1.5,
            ),
            Target(
                f"chat p99 / echo p99, {n} clients",
                "<= 2.0",
                _ratio(f"chat.{n}.p99_ms", f"echo.{n}.p99_ms"),
                lambda v: v <= 2.0,
            ),
            Target(
                f"chat deliveries/s / echo, {n} clients",
                ">= 0.5",
                _ratio(f"chat.{n}.deliveries_per_s", f"echo.{n}.deliveries_per_s"),
                lambda v: v >= 0.5,
            ),
        )
    ),
    Target("chat p99 ms, 100 clients", "< 50", lambda f: f.get("chat.100.p99_ms"), lambda v: v < 50),
    Target(
        "post creation p50 1,000 / 10 followers", "<= 1.2", lambda f: f.get("write.ratio"), lambda v: v <= 1.2
    ),
    Target(
        "daphne RSS after 10k cycles / start",
        "<= 1.10",
        lambda f: f.get("memory.cycles.rss_growth_ratio"),
        lambda v: v <= 1.10,
    ),
    Target(
        "RSS growth in 2nd half of stalled reader (MB)",
        "< 10 (bounded)",
        lambda f: f.get("memory.stalled.growth_second_half_mb"),
        lambda v: v < 10,
    ),
)


def evaluate_targets(figures: dict) -> list[dict]:
    rows = []
    for target in TARGETS:
        value = target.value_of(figures)
        met = None if value is None else bool(target.met_if(value))
        rows.append({"name": target.name, "target": target.target, "value": value, "met": met})
    return rows


def validate(results: dict) -> None:
    """Raise ValueError naming what is missing from a results document."""
    missing = [k for k in TOP_KEYS if k not in results]
    missing += [f"figures.{k}" for k in FIGURE_KEYS if k not in results.get("figures", {})]
    missing += [f"machine.{k}" for k in MACHINE_KEYS if k not in results.get("machine", {})]
    if missing:
        raise ValueError(f"results.json lacks: {', '.join(missing)}")
