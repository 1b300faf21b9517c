"""scripts/supervisor.py, the process manager of scripts/run, on a Procfile of its own."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

SUPERVISOR = ROOT / "scripts" / "supervisor.py"


def _run(tmp_path: Path, procfile: str, names: list[str], seconds: float) -> tuple[int, str]:
    (tmp_path / "Procfile").write_text(procfile)
    proc = subprocess.Popen([sys.executable, str(SUPERVISOR), str(tmp_path / "Procfile"), *names],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    time.sleep(seconds)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=40)
    return proc.returncode, out.decode()


def test_a_process_that_keeps_exiting_is_started_again_later_and_later_the_others_run_on(
    tmp_path: Path
) -> None:
    procfile = ("# a comment\n"
                "crash: sh -c 'echo going; exit 3'\n"
                "steady: sh -c 'echo up; exec sleep 60'\n"
                "unused: sleep 60\n")
    code, out = _run(tmp_path, procfile, ["crash", "steady"], seconds=4.5)
    assert code == 0
    # 1 s, then 2 s: three starts in 4.5 s, each exit printed with its status.
    assert out.count("crash started with pid") == 3, out
    assert "starting it again in 1 s" in out
    assert "starting it again in 2 s" in out
    assert out.count("crash      | going") == 3
    assert out.count("steady started with pid") == 1
    assert "steady     | up" in out
    assert "SIGTERM received: stopping every process" in out
    assert "steady stopped (exit status -15)" in out
    assert "unused" not in out


def test_a_name_the_procfile_lacks_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_text("web: sleep 1\n")
    done = subprocess.run([sys.executable, str(SUPERVISOR), str(tmp_path / "Procfile"), "web", "nope"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "not in" in done.stderr
    assert "nope" in done.stderr
