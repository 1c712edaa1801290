"""Kill a process at a chosen step of a write, as a power cut or ``kill -9`` would.

The code under test pauses where ``R2PKG_TEST_PAUSE=STEP:SECONDS`` names a step and says
"paused at STEP" on stderr; the tests of all-or-nothing writes kill it there and check
what a restart finds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def kill_when_paused(args: list[str], step: str, wait: float = 60) -> None:
    """Run ``python ARGS`` until it pauses at ``step``, then kill it with SIGKILL."""
    with subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "R2PKG_TEST_PAUSE": f"{step}:60"}) as proc:
        try:
            deadline = time.monotonic() + wait
            line = ""
            while "paused at" not in line and time.monotonic() < deadline:
                line = proc.stderr.readline()
                assert line or proc.poll() is None, proc.stdout.read()  # it ended without pausing
            assert f"paused at {step}" in line
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(30)
