"""Run every process of the Procfile locally, as scripts/run does.

Starts the embedded Postgres when DATABASE_URL is unset, applies the
migrations with psql (and the sandbox's when BOT_TOKEN is unset), then hands
over to scripts/supervisor.py with DATABASE_URL exported so all processes share
one database. The supervisor starts a process that died again, as a dyno
manager does.

SIGTERM stops it all as Ctrl-C does: the supervisor is told to stop (it passes
SIGTERM to every process and waits for them), then the embedded Postgres stops.
A signal must never end this process first: the supervisor, the processes and
Postgres would be left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ["web", "messaging", "billing", "admin", "broadcast"]


class Stopper:
    """Forwards SIGTERM, SIGINT and SIGHUP to the supervisor once, instead of dying of them."""

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        first = not self.requested
        self.requested = True
        if self.child is not None and self.child.poll() is None and first:
            # Ctrl-C reaches the supervisor from the terminal too; it ignores a second request.
            self.child.send_signal(signal.SIGTERM)

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from core.platform import embedded_postgres

    stopper = Stopper()
    stopper.install()
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    server = None
    try:
        if not env.get("DATABASE_URL"):
            data_dir = Path(env.get("DATA_DIR", ROOT / ".data"))
            server = embedded_postgres.start(data_dir / "pg")
            env = server.env(env)
            print(f"embedded Postgres running, data in {data_dir / 'pg'}", flush=True)
        # The workers must find the web process, where the sandbox's fake Stripe lives.
        port = env.setdefault("PORT", "8080")
        env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{port}")
        if not env.get("BOT_TOKEN") and not env.get("STRIPE_API_KEY"):
            env.setdefault("STRIPE_API_BASE", f"http://127.0.0.1:{port}/fake-stripe")
        # Sandbox mode (no bot token) also needs the tables of the stand-ins for Telegram and Stripe.
        sandbox = [] if env.get("BOT_TOKEN") else ["--sandbox"]
        subprocess.run(["bash", str(ROOT / "sql" / "migrate.sh"), *sandbox], env=env, check=True)
        if sandbox:
            print(f"\n  Sandbox console: {env['PUBLIC_URL']}/  (open it in a browser: create a user,"
                  " pay, write, answer as the operator)\n", flush=True)
        if stopper.requested:
            return 143
        command = [sys.executable, str(ROOT / "scripts" / "supervisor.py"), str(ROOT / "Procfile"),
                   *PROCESSES]
        stopper.child = subprocess.Popen(command, env=env, cwd=ROOT)
        if stopper.requested:  # a signal between the start and the line above
            stopper.child.send_signal(signal.SIGTERM)
        return stopper.child.wait()
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
