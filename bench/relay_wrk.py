"""The throughput load: every user writes at once, posted by wrk as fast as the ingress answers.

Request ``i`` is user ``i % users``'s message number ``i // users`` (all
users' first messages, then all second messages, ...), each with its own
update id and, per user, increasing message ids. After the last update wrk
sends only ``GET /`` until the last update is answered (then the script
stops wrk's thread); it counts the answers to the updates and prints them
when wrk ends.
"""

from __future__ import annotations

import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Body shaped like tests/builders.py private_text (and bench/relay_client.py).
LUA = r"""
local users, per, base_user, first_message, first_update = __USERS__, __PER__, __BASE_USER__,
  __FIRST_MESSAGE__, __FIRST_UPDATE__
local total = users * per
local issued = 0
local verified = false
local threads = {}
posts_ok = 0
posts_failed = 0
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Telegram-Bot-Api-Secret-Token"] = "__SECRET__"
local template = '{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,' ..
  '"first_name":"Maria","last_name":"Silva","username":"maria_s","language_code":"pt-br"},' ..
  '"chat":{"id":%d,"first_name":"Maria","last_name":"Silva","username":"maria_s","type":"private"},' ..
  '"date":1763900000,"text":"Hello, I need help with my order #1234, can you check it?"}}'
function setup(thread) table.insert(threads, thread) end
function request()
  -- wrk calls request() once to check the script and never sends that one.
  if not verified then verified = true; return wrk.format("GET", "/") end
  if issued >= total then return wrk.format("GET", "/") end
  local i = issued
  issued = issued + 1
  local user = base_user + (i % users)
  local message = first_message + math.floor(i / users)
  return wrk.format("POST", "/webhooks/telegram", nil,
    string.format(template, first_update + i, message, user, user))
end
function response(status, headers, body)
  if string.find(body, '"service"', 1, true) then return end
  if status == 200 then posts_ok = posts_ok + 1 else posts_failed = posts_failed + 1 end
  if posts_ok + posts_failed >= total then wrk.thread:stop() end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("POSTS ok=%d failed=%d\n", t:get("posts_ok"), t:get("posts_failed")))
  end
  io.write(string.format("ACK p50=%d p99=%d max=%d\n", latency:percentile(50), latency:percentile(99),
    latency.max))
end
"""


@dataclass(frozen=True)
class WrkPlan:
    users: int
    per_user: int
    base_user: int
    first_message: int
    first_update: int

    @property
    def total(self) -> int:
        return self.users * self.per_user

    def items(self) -> list[tuple[int, int, int]]:
        """(update_id, user_id, message_id) in the order wrk sends them."""
        return [
            (self.first_update + i, self.base_user + i % self.users, self.first_message + i // self.users)
            for i in range(self.total)
        ]


@dataclass(frozen=True)
class WrkResult:
    posts_ok: int
    posts_failed: int
    ack_p50_ms: float
    ack_p99_ms: float
    output: str


def write_script(plan: WrkPlan, path: Path, secret: str) -> None:
    script = LUA
    for key, value in {
        "__USERS__": plan.users, "__PER__": plan.per_user, "__BASE_USER__": plan.base_user,
        "__FIRST_MESSAGE__": plan.first_message, "__FIRST_UPDATE__": plan.first_update,
        "__SECRET__": secret,
    }.items():
        script = script.replace(key, str(value))
    path.write_text(script, encoding="utf-8")


def start(port: int, script: Path, connections: int, limit_seconds: int) -> subprocess.Popen[str]:
    """wrk sleeps its whole duration even when the script stopped it: stop it with :func:`finish`."""
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{limit_seconds}s", "--timeout", "30s", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def finish(proc: subprocess.Popen[str]) -> WrkResult:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # wrk prints its summary and exits
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    posts = re.search(r"POSTS ok=(\d+) failed=(\d+)", out)
    ack = re.search(r"ACK p50=(\d+) p99=(\d+)", out)
    return WrkResult(
        posts_ok=int(posts.group(1)) if posts else 0,
        posts_failed=int(posts.group(2)) if posts else 0,
        ack_p50_ms=int(ack.group(1)) / 1000 if ack else float("nan"),
        ack_p99_ms=int(ack.group(2)) / 1000 if ack else float("nan"),
        output=out,
    )
