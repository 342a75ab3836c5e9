"""Benchmark: publishing, the e-mail digest to many subscribers and many Mastodon posts.

    .venv/bin/python bench/publish_bench.py                        # both benchmarks, defaults below
    .venv/bin/python bench/publish_bench.py email --subscribers 10000 50000 100000 --latency 0.15
    .venv/bin/python bench/publish_bench.py mastodon --papers 500 --latency 0 --profile

E-mail: the bundled example (26 NeurIPS 2024 papers, one file source) composed once into a
digest and sent by the real Publisher/SendGridChannel to ``tests/fakes`` FakeSendGrid (run in its
own process, ``--latency`` seconds per request). Subscribers are inserted straight into the store
(one executemany in one transaction). Each subscriber count is published twice, each time in a
fresh worker process on its own copy of the store: a timed pass (wall and CPU time, requests,
``ru_maxrss``) and a pass under tracemalloc (peak Python heap of the publish step). ru_maxrss is
the whole process (interpreter and libraries included); its value before publishing is shown too.

Mastodon: N synthetic papers in one YAML source, checked into the store before timing, then
``Publisher.publish(["mastodon"])`` against ``tests/fakes`` MastodonStub in its own process, so
``time.process_time()`` of the worker is paperbot's own CPU (compose + store + Mastodon.py/requests).
The CPU split comes from thin wrappers around App.compose, the channel's post() and the store's
outbox calls (no profiler overhead); ``--profile`` adds a cProfile pass. paperbot's own quota
(300 statuses per 3 h, like Mastodon's) would stop a single run at 300 posts, so the worker's
clock is simulated: it moves 60 s forward after every post (at most 180 posts per 3 h window).
``--history N`` first records N posts as sent long ago (a store in use for years).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `bot` and `tests.fakes` must import however the script is started
    sys.path.insert(0, str(ROOT))

EXAMPLE = ROOT / "examples" / "neurips-2024"
SG_KEY = "SG.bench-key.secret"
MASTO_TOKEN = "bench-token"
POST_STEP = 60.0  # simulated seconds per post (see the module docstring)

WORDS = (
    "model data learning neural training results method approach large language graph causal uncertainty "
    "benchmark robust efficient optimization inference representation transformer posterior sparse "
    "kernel estimator policy reward gradient diffusion calibration generalisation"
).split()


# --- helpers ---------------------------------------------------------------------------------


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def scratch(prefix: str, keep: bool) -> Iterator[Path]:
    """A temporary project folder, removed afterwards (also on failure) unless --keep."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield base
    finally:
        if keep:
            print(f"  (kept {base})")
        else:
            shutil.rmtree(base, ignore_errors=True)


def _run_json(cmd: list[str]) -> dict:
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd[1:4])} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class Server:
    """A fake (FakeSendGrid or MastodonStub) in its own process; ``stats()`` asks it what it saw."""

    def __init__(self, kind: str, latency: float, max_characters: int = 500) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "_serve",
                kind,
                "--latency",
                str(latency),
                "--max-characters",
                str(max_characters),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("URL "):
            raise RuntimeError(f"the {kind} fake did not start: {line!r}")
        self.url = line[4:]

    def stats(self) -> dict:
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def reset(self) -> None:
        self.proc.stdin.write("reset\n")
        self.proc.stdin.flush()
        self.proc.stdout.readline()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def serve(kind: str, latency: float, max_characters: int) -> None:
    """Child process: run one fake until stdin closes; answer "stats" and "reset" lines."""
    if kind == "sendgrid":
        from tests.fakes.sendgrid_server import FakeSendGrid

        fake = FakeSendGrid(api_key=SG_KEY, latency=latency)
        counts: dict = {}

        def reset() -> None:
            counts.clear()
            counts.update(requests=0, accepted=0, recipients=0, max_per_request=0, addresses=set(), links=set())

        def record(rec) -> None:  # keep counts, not the 1,000-recipient payloads
            with fake._lock:
                counts["requests"] += 1
                if rec.accepted and rec.payload:
                    counts["accepted"] += 1
                    pers = rec.payload["personalizations"]
                    counts["recipients"] += len(pers)
                    counts["max_per_request"] = max(counts["max_per_request"], len(pers))
                    for p in pers:
                        counts["addresses"].add(p["to"][0]["email"])
                        counts["links"].add(p["headers"]["List-Unsubscribe"])
                rec.payload = None
                fake._requests.append(rec)

        def stats() -> dict:
            with fake._lock:
                return {
                    **{k: v for k, v in counts.items() if not isinstance(v, set)},
                    "unique_addresses": len(counts["addresses"]),
                    "unique_unsubscribe_links": len(counts["links"]),
                    "statuses": sorted({r.status for r in fake._requests}),
                }

        reset()
        fake._record = record
    else:
        from tests.fakes.mastodon_stub import MastodonStub

        # statuses_limit: the stub's own 300/3 h quota would count real time, paperbot's clock is simulated
        fake = MastodonStub(
            access_token=MASTO_TOKEN, latency=latency, max_characters=max_characters, statuses_limit=10**9
        )

        def reset() -> None:
            fake.reset()

        def stats() -> dict:
            with fake._lock:
                posts = [r for r in fake.requests if r["method"] == "POST"]
                return {
                    "requests": len(fake.requests),
                    "post_requests": len(posts),
                    "statuses": len(fake.statuses),
                    "unique_keys": len({r["headers"].get("Idempotency-Key") for r in posts}),
                }

    fake.start()
    print("URL", fake.url, flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "stats":
            print(json.dumps(stats()), flush=True)
        elif cmd == "reset":
            reset()
            print("{}", flush=True)
    fake.stop()


# --- project setup (in the parent process: its memory is not measured) ---------------------


def write_config(folder: Path, *, source: Path, email_url: str | None = None, masto_url: str | None = None) -> Path:
    parts = [
        '[group]\nname = "Bench Lab"\nurl = "https://lab.example"\n',
        '[store]\npath = "state/paperbot.db"\n',
        f'[roster]\npath = "{EXAMPLE / "roster.yaml"}"\n',
        f'[[sources]]\ntype = "file"\npath = "{source}"\nname = "lab-papers"\n',
        '[venues."NeurIPS 2024"]\nhashtags = ["#NeurIPS2024"]\n',
    ]
    if email_url:
        parts.append(
            "[channels.email]\n"
            'from = "news@lab.example"\nfrom_name = "Bench Lab Digest"\n'
            f'api_host = "{email_url}"\n'
            'unsubscribe_url = "https://x.example/u?token={token}"\n'
        )
    if masto_url:
        parts.append(
            "[channels.mastodon]\n"
            f'api_base_url = "{masto_url}"\nmax_characters = 500\nmin_interval = 0\n'
            'hashtags = ["#MachineLearning"]\nmentions = true\n'
        )
    path = folder / "paperbot.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def open_app(config: Path, env: dict[str, str], clock=None):
    from bot.app import App
    from bot.config import load_config
    from bot.store import utc_now

    return App(load_config(config), config, env, clock or utc_now)


def ingest(app) -> int:
    from bot.ingest import check

    report = check(app.sources(), app.roster, app.store, problems=app.roster_problems)
    assert not report.failed, [str(p) for p in report.problems[:5]]
    return len(report.new)


def add_subscribers(store, n: int) -> None:
    """n active subscribers, unique addresses and tokens, one transaction (setup only)."""
    now = store.now()
    rows = (
        (
            f"reader{i:07d}@mail{i % 97}.example.org",
            f"Reader {i}" if i % 3 == 0 else None,
            secrets.token_urlsafe(24),
            now,
            now,
        )
        for i in range(n)
    )
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO subscribers (email, name, token, status, created_at, updated_at)"
            " VALUES (?,?,?, 'active', ?, ?)",
            rows,
        )


def member_names() -> list[str]:
    import yaml

    return [m["name"] for m in yaml.safe_load((EXAMPLE / "roster.yaml").read_text(encoding="utf-8"))["members"]]


def synthetic_papers(n: int, abstract_words: int, seed: int = 7) -> str:
    """A YAML paper list like a lab's: roster members among other authors, mixed venues."""
    import yaml

    rng = random.Random(seed)
    members = member_names()
    venues = [
        {"venue": "NeurIPS 2024"},
        {"venue": "ICML 2024", "presentation": "oral"},
        {"venue": "ICLR 2025"},
        {
            "venue": "FITML @NeurIPS 2024",
            "track": "workshop",
            "workshop_name": "Workshop on Fine-Tuning in Modern Machine Learning: Principles and Scalability",
        },
    ]
    papers = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(abstract_words)]
        for j in range(0, abstract_words, 17):
            words[j] = words[j].capitalize()
            if j:
                words[j - 1] += "."
        authors = [f"Coauthor{k} Person{i}" for k in range(rng.randint(1, 8))]
        for m in rng.sample(members, rng.randint(1, 3)):
            authors.insert(rng.randrange(len(authors) + 1), m)
        rec = {
            "title": f"{' '.join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(4, 12)))} {i}",
            "authors": authors,
            **venues[i % len(venues)],
            "status": "accepted",
            "arxiv": f"2405.{i:05d}",
            "accepted_on": "2024-09-25",
            "abstract": " ".join(words) + ".",
        }
        if i % 2:
            rec["code"] = f"https://github.com/bench-lab/paper-{i}"
        papers.append(rec)
    return yaml.safe_dump({"papers": papers}, allow_unicode=True, sort_keys=False)


def add_history(store, n: int) -> None:
    """n Mastodon posts sent long ago (a store in use for years); they never count toward quota."""
    if not n:
        return
    old = datetime(2020, 1, 1, tzinfo=UTC)
    rows = (
        (
            f"hist-{i}",
            f"arxiv:1901.{i:05d}",
            "NeurIPS 2019",
            f"hist-{i}",
            "an old post",
            (old + timedelta(minutes=i)).isoformat(timespec="microseconds"),
        )
        for i in range(n)
    )
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO outbox (key, channel, kind, paper_id, venue_key, thread_key, text, state,"
            " remote_id, created_at, updated_at, first_attempt_at, sent_at)"
            " VALUES (?1, 'mastodon', 'post', ?2, ?3, ?4, ?5, 'sent', ?1, ?6, ?6, ?6, ?6)",
            rows,
        )


# --- workers (fresh processes: what they measure is the publish step alone) -----------------


def worker_email(folder: Path, trace: bool) -> dict:
    from bot.publish import Pacing, Publisher

    config = folder / "paperbot.toml"
    app = open_app(config, {"SENDGRID_API_KEY": SG_KEY})
    publisher = Publisher(app, app.store, sleep=time.sleep)
    build = publisher._factory
    sent = {"requests": 0, "recipients": 0, "max_batch": 0, "send_s": 0.0, "send_cpu_s": 0.0}

    def factory(name: str):
        channel = build(name)
        inner = channel.send_batch

        def send_batch(digest, recipients, *, batch_key, delivered=None):
            t, c = time.perf_counter(), time.process_time()
            outcome = inner(digest, recipients, batch_key=batch_key, delivered=delivered)
            sent["send_s"] += time.perf_counter() - t
            sent["send_cpu_s"] += time.process_time() - c
            sent["requests"] += 1
            sent["recipients"] += len(recipients)
            sent["max_batch"] = max(sent["max_batch"], len(recipients))
            return outcome

        channel.send_batch = send_batch
        return channel

    publisher._factory = factory
    subscribers = app.store.db.execute("SELECT count(*) FROM subscribers WHERE status='active'").fetchone()[0]
    rss_before = rss_mb()
    if trace:
        tracemalloc.start()
    w0, c0 = time.perf_counter(), time.process_time()
    summary = publisher.publish(["email"], Pacing())
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    app.close()
    return {
        "subscribers": subscribers,
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_mb(),
        "heap_peak_mb": heap_peak,
        "summary": summary.as_json(),
        **sent,
    }


class SimClock:
    """Real time plus a simulated offset that the benchmark moves forward after each post."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)


def worker_mastodon(folder: Path, profile: bool) -> dict:
    from bot.publish import Pacing, Publisher

    clock = SimClock()
    app = open_app(folder / "paperbot.toml", {"MASTODON_ACCESS_TOKEN": MASTO_TOKEN}, clock)
    store = app.store
    publisher = Publisher(app, store, sleep=time.sleep)
    acc: dict[str, list[float]] = {}  # name -> [cpu, wall, calls]

    def timed(name: str, fn):
        slot = acc.setdefault(name, [0.0, 0.0, 0])

        def wrapper(*a, **kw):
            c, w = time.process_time(), time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                slot[0] += time.process_time() - c
                slot[1] += time.perf_counter() - w
                slot[2] += 1

        return wrapper

    app.compose = timed("compose (App.compose: due, templates, fit)", app.compose)
    for name in ("enqueue_posts", "outbox", "mark_sending", "mark_sent", "sent_since"):
        setattr(store, name, timed(f"store.{name}", getattr(store, name)))
    build = publisher._factory

    def factory(name: str):
        channel = timed("channel construction", build)(name)
        channel.instance_limits = timed("GET /api/v2/instance", channel.instance_limits)
        post = timed("channel.post (Mastodon.py + requests + HTTP)", channel.post)

        def post_and_tick(*a, **kw):
            try:
                return post(*a, **kw)
            finally:
                clock.offset += POST_STEP

        channel.post = post_and_tick
        return channel

    publisher._factory = factory
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile(time.process_time)  # CPU time, like the rest of the report
        prof.enable()
    w0, c0 = time.perf_counter(), time.process_time()
    summary = publisher.publish(["mastodon"], Pacing())
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    top: list = []
    if prof:
        import pstats

        prof.disable()
        st = pstats.Stats(prof)
        rows = []
        for (file, line, fn), (_cc, nc, tt, ct, _callers) in st.stats.items():
            rows.append((ct, tt, nc, f"{Path(file).name}:{line}({fn})"))
        top = sorted(rows, reverse=True)[:40]
    app.close()
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "parts": {k: {"cpu_s": v[0], "wall_s": v[1], "calls": v[2]} for k, v in acc.items()},
        "summary": summary.as_json(),
        "profile_top": top,
    }


# --- drivers -----------------------------------------------------------------------------


def bench_email(counts: list[int], latency: float, keep: bool) -> list[dict]:
    server = Server("sendgrid", latency)
    results = []
    try:
        for n in counts:
            with scratch(f"paperbot-email-{n}-", keep) as base:
                results.append(email_one(server, base, n))
    finally:
        server.close()
    return results


def email_one(server: Server, base: Path, n: int) -> dict:
    timed, traced = base / "timed", base / "traced"
    timed.mkdir()
    config = write_config(timed, source=EXAMPLE / "papers.yaml", email_url=server.url)
    t = time.perf_counter()
    app = open_app(config, {"SENDGRID_API_KEY": SG_KEY})
    papers = ingest(app)
    add_subscribers(app.store, n)
    app.close()
    setup_s = time.perf_counter() - t
    shutil.copytree(timed, traced)
    row = {"papers": papers, "setup_s": setup_s}
    for folder, trace in ((timed, False), (traced, True)):
        server.reset()
        r = _run_json([sys.executable, __file__, "_worker", "email", str(folder)] + (["--trace"] if trace else []))
        s = server.stats()
        assert r["summary"]["sent"] == r["requests"] and not r["summary"]["failed"], r["summary"]
        assert s["unique_addresses"] == s["recipients"] == n == s["unique_unsubscribe_links"], s
        if trace:
            row["heap_peak_mb"] = r["heap_peak_mb"]
            row["traced_wall_s"] = r["wall_s"]
        else:
            row.update({k: v for k, v in r.items() if k != "heap_peak_mb"})
            row["server"] = s
    print(
        f"  {n:>7,} subscribers: {row['requests']} requests (max {row['max_batch']} recipients), "
        f"wall {row['wall_s']:.2f} s (in send_batch {row['send_s']:.2f} s), "
        f"CPU {row['cpu_s']:.2f} s (in send_batch {row['send_cpu_s']:.2f} s, "
        f"{1e6 * row['cpu_s'] / n:.0f} us/subscriber), "
        f"ru_maxrss {row['rss_before_mb']:.0f} -> {row['rss_peak_mb']:.0f} MB, "
        f"tracemalloc peak {row['heap_peak_mb']:.1f} MB",
        flush=True,
    )
    return row


def bench_mastodon(
    papers: int, words: int, latency: float, history: int, profile: bool, keep: bool, max_characters: int = 500
) -> dict:
    server = Server("mastodon", latency, max_characters)
    try:
        with scratch(f"paperbot-mastodon-{papers}-", keep) as base:
            return mastodon_one(server, base, papers, words, latency, history, profile)
    finally:
        server.close()


def mastodon_one(
    server: Server, base: Path, papers: int, words: int, latency: float, history: int, profile: bool
) -> dict:
    timed = base / "timed"
    timed.mkdir()
    source = timed / "papers.yaml"
    source.write_text(synthetic_papers(papers, words), encoding="utf-8")
    config = write_config(timed, source=source, masto_url=server.url)
    app = open_app(config, {"MASTODON_ACCESS_TOKEN": MASTO_TOKEN})
    due = ingest(app)
    add_history(app.store, history)
    app.close()
    if profile:
        shutil.copytree(timed, base / "profiled")
        (base / "profiled" / "paperbot.toml").write_text(
            config.read_text(encoding="utf-8").replace(str(source), str(base / "profiled" / "papers.yaml")),
            encoding="utf-8",
        )
    r = _run_json([sys.executable, __file__, "_worker", "mastodon", str(timed)])
    s = server.stats()
    assert r["summary"]["sent"] == papers == s["statuses"] == s["unique_keys"], (r["summary"], s)
    r.update(papers=papers, due=due, words=words, history=history, latency=latency, server=s)
    client = ("channel.post (Mastodon.py + requests + HTTP)", "channel construction", "GET /api/v2/instance")
    r["paperbot_cpu_s"] = r["cpu_s"] - sum(r["parts"][k]["cpu_s"] for k in client)
    if profile:
        server.reset()
        p = _run_json([sys.executable, __file__, "_worker", "mastodon", str(base / "profiled"), "--profile"])
        r["profile_top"] = p["profile_top"]
        r["profiled_cpu_s"] = p["cpu_s"]
    return r


def print_mastodon(r: dict) -> None:
    n = r["papers"]
    print(
        f"  {n} papers ({r['words']}-word abstracts, history {r['history']:,} sent posts, latency {r['latency']:g} s): "
        f"{r['summary']['sent']} posts, wall {r['wall_s']:.2f} s ({1000 * r['wall_s'] / n:.2f} ms/post), "
        f"CPU {r['cpu_s']:.2f} s = {1000 * r['cpu_s'] / n:.2f} ms/post"
    )
    print(f"    {'part':<50} {'calls':>6} {'CPU s':>7} {'ms/post':>8} {'wall s':>7}")
    parts = sorted(r["parts"].items(), key=lambda kv: -kv[1]["cpu_s"])
    for name, p in parts:
        print(f"    {name:<50} {p['calls']:>6} {p['cpu_s']:>7.3f} {1000 * p['cpu_s'] / n:>8.3f} {p['wall_s']:>7.2f}")
    covered = sum(p["cpu_s"] for p in r["parts"].values())  # the wrapped calls do not nest
    other = r["cpu_s"] - covered
    print(
        f"    {'rest of Publisher._mastodon (quota, loop, logging)':<50} {'':>6} {other:>7.3f} {1000 * other / n:>8.3f}"
    )
    own = r["paperbot_cpu_s"]
    print(f"    => without the Mastodon.py client (post, construction, instance): {1000 * own / n:.2f} ms/post CPU")
    if r.get("profile_top"):
        print(f"\n  cProfile (CPU under the profiler {r['profiled_cpu_s']:.2f} s), top cumulative:")
        print(f"    {'cumulative s':>12} {'own s':>7} {'calls':>7}  function")
        for ct, tt, nc, name in r["profile_top"][:30]:
            print(f"    {ct:>12.3f} {tt:>7.3f} {nc:>7}  {name}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_serve":
        ap = argparse.ArgumentParser()
        ap.add_argument("kind")
        ap.add_argument("--latency", type=float, default=0.0)
        ap.add_argument("--max-characters", type=int, default=500)
        a = ap.parse_args(sys.argv[2:])
        return serve(a.kind, a.latency, a.max_characters)
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        ap = argparse.ArgumentParser()
        ap.add_argument("kind")
        ap.add_argument("folder", type=Path)
        ap.add_argument("--trace", action="store_true")
        ap.add_argument("--profile", action="store_true")
        a = ap.parse_args(sys.argv[2:])
        r = worker_email(a.folder, a.trace) if a.kind == "email" else worker_mastodon(a.folder, a.profile)
        print(json.dumps(r))
        return None

    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent("\n".join(__doc__.splitlines()[1:])),
    )
    ap.add_argument("which", nargs="?", choices=("email", "mastodon", "all"), default="all")
    ap.add_argument("--subscribers", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    ap.add_argument(
        "--latency",
        type=float,
        default=None,
        help="seconds per request at the fake (default: 0.15 for SendGrid, 0 for Mastodon)",
    )
    ap.add_argument("--papers", type=int, nargs="+", default=[500])
    ap.add_argument("--abstract-words", type=int, default=180)
    ap.add_argument("--max-characters", type=int, default=500, help="the Mastodon stub's status length limit")
    ap.add_argument("--history", type=int, default=0, help="Mastodon posts already sent, long ago")
    ap.add_argument("--profile", action="store_true", help="also run the Mastodon benchmark under cProfile")
    ap.add_argument("--json", dest="json_out", type=Path, help="write all results to this file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary project folders")
    args = ap.parse_args()
    out: dict = {}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    if args.which in ("email", "all"):
        latency = 0.15 if args.latency is None else args.latency
        print(f"\nE-mail digest via FakeSendGrid (latency {latency:g} s/request, batch size 1,000):")
        out["email"] = bench_email(args.subscribers, latency, args.keep)
    if args.which in ("mastodon", "all"):
        latency = 0.0 if args.latency is None else args.latency
        print(f"\nMastodon posts via MastodonStub (max_characters {args.max_characters}, min_interval 0):")
        out["mastodon"] = []
        for n in args.papers:
            r = bench_mastodon(
                n, args.abstract_words, latency, args.history, args.profile, args.keep, args.max_characters
            )
            out["mastodon"].append(r)
            print_mastodon(r)
    if args.json_out:
        args.json_out.write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
