"""Benchmark: `paperbot daemon` idling, its resident memory and CPU (issue 11, "Tests and evidence").

    .venv/bin/python bench/daemon_idle_bench.py                 # 600 s (the issue's 10 minutes)
    .venv/bin/python bench/daemon_idle_bench.py --seconds 120   # a quicker run

Starts `paperbot daemon` as a real process on a config in a temporary folder: the bundled example's
lab file and roster (26 papers), a page channel only (no network), and every job on `every 30s`
(`pages` by default "after check", the shipped default: pages are written after a check that
found something; `--pages "every 30s"` rewrites them every 30 s too, ~31 ms of CPU each).
Once the first check and pages ran (the daemon idles from then on, re-checking the unchanged file
every 30 s), it samples the process once a second for the given time:

- RSS: VmRSS from /proc/PID/status (peak and at the end);
- CPU: utime + stime from /proc/PID/stat over the window, as a percent of one core.

Targets: RSS < 60 MB, CPU < 0.1 % of a core. Exit 1 when a target is missed. Linux only.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "neurips-2024"
RSS_TARGET_MB = 60.0
CPU_TARGET_PCT = 0.1
CONFIG = """\
[group]
name = "Bench Lab"
url = "https://lab.example"

[store]
path = "state/paperbot.db"

[schedule]
timezone = "UTC"
check = "every 30s"
posts = "every 30s"
pages = "{pages}"
digest = "every 30s"

[roster]
path = "{roster}"

[[sources]]
type = "file"
path = "{papers}"
name = "lab"

[channels.page]
dir = "public"
"""


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=600.0, help="measuring window after warm-up (default 600)")
    ap.add_argument("--pages", default="after check", help='[schedule] pages (default "after check")')
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="paperbot-idle-") as tmp:
        root = Path(tmp)
        config = root / "paperbot.toml"
        config.write_text(
            CONFIG.format(roster=EXAMPLE / "roster.yaml", papers=EXAMPLE / "papers.yaml", pages=args.pages),
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERBOT_", "MASTODON_", "SENDGRID_"))}
        log = (root / "daemon.log").open("w")
        exe = [sys.executable, "-m", "bot", "daemon", "--config", str(config)]
        proc = subprocess.Popen(exe, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            started = time.monotonic()
            # warm-up: the first check and pages have run (their lines are in the log)
            while time.monotonic() - started < 60:
                text = (root / "daemon.log").read_text()
                if "check: ok" in text and "pages: ok" in text:
                    break
                if proc.poll() is not None:
                    raise SystemExit(f"the daemon exited ({proc.returncode}):\n{text}")
                time.sleep(0.2)
            else:
                raise SystemExit("the daemon did not finish its first check within 60 s")
            time.sleep(2)
            warmup = time.monotonic() - started
            peak = 0
            cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
            while time.monotonic() - t0 < args.seconds:
                if proc.poll() is not None:
                    raise SystemExit(f"the daemon exited ({proc.returncode}) while measured")
                peak = max(peak, rss_kb(proc.pid))
                time.sleep(1.0)
            end = rss_kb(proc.pid)
            peak = max(peak, end)
            cpu, wall = cpu_seconds(proc.pid) - cpu0, time.monotonic() - t0
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            log.close()
        text = (root / "daemon.log").read_text()
        checks = text.count("check: ok")

    result = {
        "pages": args.pages,
        "window_s": round(wall, 1),
        "warmup_s": round(warmup, 1),
        "rss_peak_mb": round(peak / 1024, 1),
        "rss_end_mb": round(end / 1024, 1),
        "cpu_s": round(cpu, 3),
        "cpu_pct_of_core": round(100 * cpu / wall, 4),
        "checks_ok": checks,
        "unchanged_checks": text.count("'unchanged': True"),
        "sigterm_exit": code,
    }
    ok = result["rss_peak_mb"] < RSS_TARGET_MB and result["cpu_pct_of_core"] < CPU_TARGET_PCT and code == 0
    if args.json:
        print(json.dumps({**result, "ok": ok}, indent=2))
    else:
        print(
            f"paperbot daemon idle over {result['window_s']} s (after {result['warmup_s']} s warm-up;"
            f" pages {args.pages!r}):\n"
            f"  RSS peak {result['rss_peak_mb']} MB, at the end {result['rss_end_mb']} MB"
            f" (target < {RSS_TARGET_MB:g} MB)\n"
            f"  CPU {result['cpu_s']} s = {result['cpu_pct_of_core']} % of one core (target < {CPU_TARGET_PCT} %)\n"
            f"  {checks} checks ok ({result['unchanged_checks']} skipped as unchanged), SIGTERM exit {code}\n"
            f"  {'OK' if ok else 'MISSED A TARGET'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
