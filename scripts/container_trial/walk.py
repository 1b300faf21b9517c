"""The container trial's walk (scripts/container-trial runs it once an engine runs).

Builds the image with ``docker compose build`` from a copy of the working tree
without what git ignores (a developer's ``.env`` with a real bot token stays
out: the stack runs in sandbox mode), starts the stack as the README says,
then checks what an operator relies on, and removes the stack and its volume
whatever happened:

- the image runs as a non-root user and carries no test or lint tools;
- ``/ready`` answers 200 once the migrations ran, 503 with the reason while
  Postgres is stopped, 200 again when it is back;
- a user who writes twice has both messages copied into their topic and is
  charged for each; an operator's answer in the topic reaches the user;
- ``paid-desk credits`` changes the balance, with a ledger row;
- ``paid-desk backup`` then ``restore`` into an empty database gives the same
  balances and ledger;
- a worker that crashes is started again by compose and relays what was
  written meanwhile;
- each process stops within 25 s of SIGTERM.

Standard library only: it runs before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import json
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent.parent
PROJECT = "paid-desk-trial"
#: The sandbox's admin group and its owner (core.platform.settings' sandbox defaults).
ADMIN_GROUP = -1001000000001
OWNER = 1000001
WORKERS = ("messaging", "billing", "admin", "broadcast")
#: What dyno managers and compose's stop_grace_period allow a process after SIGTERM.
STOP_WITHIN_SECONDS = 25.0
BALANCE = "SELECT credits FROM users WHERE telegram_id = :tg"

T = TypeVar("T")


class TrialFailed(Exception):
    pass


def say(text: str) -> None:
    print(f"container-trial: {text}", file=sys.stderr, flush=True)


class Stack:
    def __init__(self, workdir: Path, override: Path | None, port: int) -> None:
        self.workdir = workdir
        self.port = port
        files = ["-f", "docker-compose.yml"] + (["-f", str(override)] if override else [])
        self.base = ["docker", "compose", "-p", PROJECT, *files]
        self.env = {"WEB_PORT": str(port), "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}

    def compose(self, *args: str, check: bool = True, timeout: float = 600,
                stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run([*self.base, *args], cwd=self.workdir, env=self.env, input=stdin,
                              capture_output=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise TrialFailed(f"docker compose {shlex.join(args)} exited {done.returncode}:\n"
                              f"{done.stderr.decode(errors='replace')[-3000:]}")
        return done

    def out(self, *args: str) -> str:
        return self.compose(*args).stdout.decode().strip()

    def sql(self, query: str, db: str = "paid_desk", **params: int) -> str:
        """One query through psql in the postgres container; ``:name`` in it is ``params[name]``."""
        variables = [arg for name, value in params.items() for arg in ("-v", f"{name}={int(value)}")]
        done = self.compose("exec", "-T", "postgres", "psql", "-U", "paid_desk", "-d", db, "-At",
                            "-v", "ON_ERROR_STOP=1", *variables, stdin=query.encode())
        return done.stdout.decode().strip()

    def http(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (our own URL)
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        status, found = self.http("GET", f"/sandbox/messages?chat_id={chat_id}")
        check(status == 200 and isinstance(found, list), f"GET /sandbox/messages answered {status}")
        return list(found)

    def send(self, chat_id: int, text: str, **extra: int) -> None:
        status, answer = self.http("POST", "/sandbox/send", {"chat_id": chat_id, "text": text, **extra})
        check(status == 200, f"POST /sandbox/send answered {status}: {answer}")


def check(condition: bool, failure: str) -> None:
    if not condition:
        raise TrialFailed(failure)


def until(what: str, probe: Callable[[], T | None], timeout: float = 60.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = probe()
        except (OSError, urllib.error.URLError):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise TrialFailed(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def copy_tree(into: Path) -> None:
    """The working tree as git sees it (tracked and new files, nothing ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout
    files = [f for f in listed.decode().split("\0") if f and (ROOT / f).exists()]
    tar = subprocess.run(["tar", "-C", str(ROOT), "--null", "-T", "-", "-cf", "-"],
                         input="\0".join(files).encode(), capture_output=True, check=True).stdout
    subprocess.run(["tar", "-C", str(into), "-xf", "-"], input=tar, check=True)


def topic_texts(stack: Stack) -> dict[str, int | None]:
    return {str(m.get("text")): m.get("thread_id") for m in stack.messages(ADMIN_GROUP) if m.get("from_bot")}


def topics_of(stack: Stack, texts: Sequence[str]) -> dict[str, int | None] | None:
    """Where each of ``texts`` was copied in the admin group, once all of them were."""
    found = topic_texts(stack)
    return {t: found[t] for t in texts} if all(t in found for t in texts) else None


def restart_count(container: str) -> int:
    inspected = subprocess.run(["docker", "inspect", "-f", "{{.RestartCount}}", container],
                               capture_output=True, check=True)
    return int(inspected.stdout)


def walk(stack: Stack, workdir: Path) -> None:
    t0 = time.monotonic()
    stack.compose("build", timeout=1200)
    say(f"image built in {time.monotonic() - t0:.0f} s")
    t0 = time.monotonic()
    stack.compose("up", "-d", "--wait", "--wait-timeout", "300", timeout=420)
    say(f"stack up and healthy in {time.monotonic() - t0:.0f} s: "
        + ", ".join(line.split()[0] for line in stack.out("ps", "--format", "{{.Service}}").splitlines()))
    migrate = stack.out("ps", "-a", "--format", "{{.Service}} {{.State}} {{.ExitCode}}", "migrate")
    check(migrate.split()[1:] == ["exited", "0"], f"the migrate service: {migrate}")

    uid = stack.out("exec", "-T", "web", "id", "-u")
    check(uid != "0", "the web process runs as root")
    tools = stack.compose("exec", "-T", "web", "python", "-c", "import pytest", check=False)
    check(tools.returncode != 0, "the image carries pytest (dev tools belong outside it)")
    say(f"runs as uid {uid}, without the dev tools")

    status, ready = stack.http("GET", "/ready")
    check(status == 200 and ready.get("ready") is True, f"/ready answered {status}: {ready}")

    # A user writes twice; both messages reach their topic, each charged once.
    status, user = stack.http("POST", "/sandbox/users", {"first_name": "Trial", "language_code": "en"})
    check(status in (200, 201), f"POST /sandbox/users answered {status}: {user}")
    chat_id = int(user["chat_id"])
    stack.send(chat_id, "/start")
    until("the welcome", lambda: any(m.get("from_bot") for m in stack.messages(chat_id)))
    written = ("first from the trial", "second from the trial")
    for text in written:
        stack.send(chat_id, text)
    texts = until("both messages in the topic", lambda: topics_of(stack, written))
    topic = texts[written[0]]
    check(topic is not None and texts[written[1]] == topic, f"not in one topic: {texts}")
    assert topic is not None
    charged = stack.sql("SELECT count(*) FROM credit_ledger l JOIN users u ON u.id = l.user_id"
                        " WHERE u.telegram_id = :tg AND l.reason = 'message'", tg=chat_id)
    check(charged == "2", f"{charged} message charges, not 2")
    say(f"a user's two messages reached topic {topic}, charged once each")

    stack.send(ADMIN_GROUP, "answer from the operator", from_id=OWNER, thread_id=topic)
    until("the operator's answer in the user's chat", lambda: any(
        m.get("text") == "answer from the operator" for m in stack.messages(chat_id)))
    say("the operator's answer reached the user")

    before = int(stack.sql(BALANCE, tg=chat_id))
    stack.compose("exec", "-T", "web", "paid-desk", "credits", str(chat_id), "+5", "container trial")
    after = int(stack.sql(BALANCE, tg=chat_id))
    check(after == before + 5, f"paid-desk credits +5: {before} -> {after}")
    say(f"paid-desk credits: {before} -> {after}")

    # Backup, then restore into an empty database: the same balances and ledger.
    dump = stack.compose("exec", "-T", "web", "paid-desk", "backup", "-o", "-").stdout
    check(len(dump) > 1000, f"the backup is {len(dump)} bytes")
    (workdir / "trial.dump").write_bytes(dump)
    stack.compose("exec", "-T", "postgres", "createdb", "-U", "paid_desk", "restored")
    stack.compose("run", "--rm", "-T", "--no-deps", "-v", f"{workdir / 'trial.dump'}:/restore/trial.dump:ro",
                  "-e", "DATABASE_URL=postgresql://paid_desk:paid_desk@postgres:5432/restored",
                  "web", "paid-desk", "restore", "/restore/trial.dump")
    for query in ("SELECT telegram_id, credits FROM users ORDER BY 1",
                  "SELECT id, user_id, delta, reason, idempotency_key FROM credit_ledger ORDER BY id"):
        live, restored = stack.sql(query), stack.sql(query, db="restored")
        check(live == restored and live != "", f"restored differs for {query!r}:\n{live}\n---\n{restored}")
    say(f"backup of {len(dump)} bytes restored into an empty database: same balances and ledger")

    # /ready without the database, and back.
    stack.compose("stop", "postgres")
    status, ready = stack.http("GET", "/ready")
    check(status == 503 and ready.get("reasons"), f"/ready with Postgres stopped answered {status}: {ready}")
    say(f"/ready with Postgres stopped: 503 {ready['reasons']}")
    stack.compose("start", "postgres")
    until("/ready 200 again", lambda: stack.http("GET", "/ready")[0] == 200, timeout=90)
    say("/ready: 200 again once Postgres is back")

    # A worker crashes (its process dies, not a `docker kill`, which compose counts as a stop).
    container = stack.out("ps", "-q", "messaging")
    restarts = restart_count(container)
    stack.compose("exec", "-T", "messaging", "python", "-c", (
        "import os, signal\n"
        "for p in os.listdir('/proc'):\n"
        "    if p.isdigit() and int(p) not in (1, os.getpid()) and b'workers' in "
        "open(f'/proc/{p}/cmdline', 'rb').read():\n"
        "        os.kill(int(p), signal.SIGKILL)\n"), check=False)
    stack.send(chat_id, "written while the worker was down")
    until("compose starting the crashed worker again", lambda: restart_count(container) > restarts)
    until("the message written meanwhile in the topic",
          lambda: "written while the worker was down" in topic_texts(stack), timeout=90)
    say("a crashed worker was started again and relayed what was written meanwhile")

    # Each process stops within 25 s of SIGTERM.
    for service in ("web", *WORKERS):
        t0 = time.monotonic()
        stack.compose("stop", "-t", "30", service, timeout=60)
        took = time.monotonic() - t0
        check(took < STOP_WITHIN_SECONDS, f"{service} took {took:.1f} s to stop")
        say(f"{service} stopped in {took:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--override", type=Path, help="a compose file layered on docker-compose.yml")
    parser.add_argument("--keep", action="store_true", help="leave the stack running afterwards")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="paid-desk-trial-") as tmp:
        workdir = Path(tmp)
        copy_tree(workdir)
        stack = Stack(workdir, args.override, free_port())
        failed = False
        try:
            walk(stack, workdir)
        except (TrialFailed, subprocess.TimeoutExpired) as exc:
            failed = True
            say(f"FAILED: {exc}")
            logs = stack.compose("logs", "--no-color", "--tail", "40", check=False, timeout=60)
            print(logs.stdout.decode(errors="replace"), file=sys.stderr)
        finally:
            if not args.keep:
                stack.compose("down", "-v", "--remove-orphans", check=False, timeout=120)
    say("FAILED" if failed else "passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
