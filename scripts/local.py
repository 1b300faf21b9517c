"""Run every process of the Procfile locally, as scripts/run does.

Starts the embedded Postgres when DATABASE_URL is unset, applies the
migrations with psql (and the sandbox's when BOT_TOKEN is unset), then hands
over to honcho with DATABASE_URL exported so all processes share one database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ["web", "messaging", "billing", "admin", "broadcast"]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from core.platform import embedded_postgres

    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    server = None
    if not env.get("DATABASE_URL"):
        data_dir = Path(env.get("DATA_DIR", ROOT / ".data"))
        server = embedded_postgres.start(data_dir / "pg")
        env = server.env(env)
        print(f"embedded Postgres running, data in {data_dir / 'pg'}", flush=True)
    # honcho gives each process its own PORT (base + 100 per process); the
    # workers must still find the web process, where the sandbox's fake Stripe lives.
    port = env.setdefault("PORT", "8080")
    env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{port}")
    if not env.get("BOT_TOKEN") and not env.get("STRIPE_API_KEY"):
        env.setdefault("STRIPE_API_BASE", f"http://127.0.0.1:{port}/fake-stripe")
    try:
        # Sandbox mode (no bot token) also needs the tables of the stand-ins for Telegram and Stripe.
        sandbox = [] if env.get("BOT_TOKEN") else ["--sandbox"]
        subprocess.run(["bash", str(ROOT / "sql" / "migrate.sh"), *sandbox], env=env, check=True)
        if sandbox:
            print(f"\n  Sandbox console: {env['PUBLIC_URL']}/  (open it in a browser: create a user,"
                  " pay, write, answer as the operator)\n", flush=True)
        honcho = Path(sys.executable).parent / "honcho"
        command = [str(honcho), "-f", str(ROOT / "Procfile"), "-d", str(ROOT), "start", *PROCESSES]
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
