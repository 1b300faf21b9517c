"""Benchmark: durable acknowledged updates per second through the real ingress.

Runs the same load (wrk, a fixed number of connections, realistic update
bodies with distinct update ids) first against a bare aiohttp handler, then
against ``python -m webhooks`` backed by Postgres, and prints both with the
ratio. After the run it counts what the ingress wrote: every 200 must be one
distinct update id, in the messaging ``inbox`` (private messages go there) or
in a job of its own in ``procrastinate_jobs`` (the inbox's drain jobs, one per
shard, are not updates and are not counted).

    .venv/bin/python bench/ingress.py [--duration 10] [--connections 64]

Needs ``wrk`` on PATH (Debian: apt-get install wrk). Uses the embedded
Postgres unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LUA = r"""
local counter = 0
local id = 0
function setup(thread) id = id + 1; thread:set("tid", id) end
function init(args) counter = tonumber(tid) * 100000000 end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Telegram-Bot-Api-Secret-Token"] = "sandbox-secret"
local template = '{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,' ..
  '"first_name":"Maria","last_name":"Silva","username":"maria_s","language_code":"pt-br"},' ..
  '"chat":{"id":%d,"first_name":"Maria","last_name":"Silva","username":"maria_s","type":"private"},' ..
  '"date":1763900000,"text":"Hello, I need help with my order #1234, can you check it?"}}'
function request()
  counter = counter + 1
  local user = 100000 + (counter % 1000)
  return wrk.format(nil, "/webhooks/telegram", nil, string.format(template, counter, counter, user, user))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def run_wrk(port: int, script: Path, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout

    def latency(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        assert m, out
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": requests,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "p50": latency("50"),
        "p99": latency("99"),
        "socket_errors": 1 if errors else 0,
    }


#: Distinct update ids the ingress recorded, wherever it put them: the inbox, or
#: a job carrying the update (billing, admin). A drain job carries a shard, no
#: update, so it adds nothing.
RECORDED_SQL = """
SELECT count(DISTINCT update_id) FROM (
    SELECT update_id FROM inbox
    UNION ALL
    SELECT (args->'update'->>'update_id')::bigint FROM procrastinate_jobs
    WHERE args ? 'update'
) recorded
"""


async def count_recorded(url: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return {
            "updates": int(await conn.fetchval(RECORDED_SQL)),
            "inbox": int(await conn.fetchval("SELECT count(*) FROM inbox")),
            "jobs": int(await conn.fetchval("SELECT count(*) FROM procrastinate_jobs WHERE args ? 'update'")),
        }
    finally:
        await conn.close()


def serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(command, env=env, cwd=ROOT)
    wait_http(f"http://127.0.0.1:{port}/")
    return proc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed on PATH (Debian: apt-get install wrk)")

    from bench import relay_db
    from core.platform import embedded_postgres

    env = dict(os.environ, LOG_LEVEL="WARNING")
    server = None
    tmp = tempfile.TemporaryDirectory(prefix="bench-pg-")
    if env.get("DATABASE_URL"):
        base_url = env["DATABASE_URL"]
    else:
        server = embedded_postgres.start(Path(tmp.name) / "pg", keep_data=False)
        env = server.env(env)
        base_url = server.url
    try:
        url = asyncio.run(relay_db.create_database(base_url, f"bench_ingress_{os.getpid()}"))
        relay_db.migrate(env, url)
        script = Path(tmp.name) / "updates.lua"
        script.write_text(LUA)

        port = free_port()
        bare = serve([sys.executable, str(ROOT / "bench" / "bare_server.py"), str(port)], env, port)
        try:
            bare_result = run_wrk(port, script, args.duration, args.connections)
        finally:
            bare.terminate()
            bare.wait()

        port = free_port()
        web_env = dict(env, DATABASE_URL=url, PORT=str(port))
        web = serve([sys.executable, "-m", "webhooks"], web_env, port)
        try:
            ingress = run_wrk(port, script, args.duration, args.connections)
        finally:
            web.terminate()
            web.wait()
        recorded = asyncio.run(count_recorded(url))
    finally:
        if server is not None:
            server.stop()
        tmp.cleanup()

    acknowledged = int(ingress["requests"] - ingress["non2xx"])
    print(f"machine: {os.cpu_count()} cores; wrk 1 thread, {args.connections} connections, "
          f"{args.duration}s each")
    print(f"{'':22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, r in (("bare aiohttp handler", bare_result), ("ingress (durable)", ingress)):
        print(f"{name:22}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{int(r['non2xx']):>10}")
    print(f"ratio ingress/bare: {ingress['rps'] / bare_result['rps']:.2f}")
    print(f"acknowledged (200): {acknowledged}; distinct updates recorded in Postgres: "
          f"{recorded['updates']} (inbox rows {recorded['inbox']}, update jobs {recorded['jobs']})")
    verdict = check_recorded(acknowledged, recorded["updates"])
    if verdict:
        raise SystemExit(verdict)
    print("no update lost")


def check_recorded(acknowledged: int, recorded: int) -> str | None:
    """The failure to report, or None. wrk counts a request cut at the end of the run as
    not answered though the ingress may have committed it, so more recorded than
    acknowledged is fine; fewer is a lost update."""
    if recorded < acknowledged:
        return f"LOST UPDATES: {acknowledged - recorded} acknowledged updates not recorded"
    return None


if __name__ == "__main__":
    main()
