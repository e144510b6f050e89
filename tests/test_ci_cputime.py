"""`.ci/cputime.py`: the CPU of a command's orphaned descendants is counted (the test run's
Spark JVMs and Chromium outlive the pytest worker that started them), and that of the
children of a process that ignores ``SIGCHLD`` (PySpark's daemon and its Python workers),
which no ``wait`` counts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

CPUTIME = Path(__file__).resolve().parents[1] / ".ci" / "cputime.py"

# The command's child starts a grandchild and exits at once: the grandchild is an orphan
# that burns 0.5 s of CPU after its parent is gone, then exits with the status it is given.
ORPHAN = """
import os, subprocess, sys, time
if len(sys.argv) > 1:
    while time.process_time() < 0.5:
        pass
else:
    subprocess.Popen([sys.executable, "-c", __doc__ or "", "burn"])
"""


def cputime(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CPUTIME), "--linger", "30", *command],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl subreaper is Linux's")
def test_an_orphaned_descendants_cpu_is_counted(tmp_path: Path) -> None:
    script = tmp_path / "orphan.py"
    script.write_text(f'"""{ORPHAN}"""\nexec(__doc__)\n', encoding="utf-8")
    done = cputime(sys.executable, str(script))
    line = done.stderr.strip().splitlines()[-1]
    found = re.fullmatch(r"cputime: wall [\d.]+ s, CPU ([\d.]+) s \(user .*\), exit 0", line)
    assert found, line
    assert float(found.group(1)) >= 0.5  # the orphan's 0.5 s, after its parent exited


def test_the_commands_exit_status_is_kept() -> None:
    done = cputime(sys.executable, "-c", "raise SystemExit(3)")
    assert done.returncode == 3
    assert done.stderr.strip().splitlines()[-1].endswith("exit 3")


# The command ignores SIGCHLD (as PySpark's daemon does), starts a child that burns 1 s of
# CPU and waits for it to be gone: the kernel reaps it, and its CPU is in no rusage.
IGNORING = """
import os, signal, sys, time
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
pid = os.fork()
if pid == 0:
    while time.process_time() < 1.0:
        pass
    os._exit(0)
while True:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        break
    time.sleep(0.05)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_the_cpu_of_a_child_reaped_by_the_kernel_is_counted() -> None:
    done = cputime("--sample", "0.1", sys.executable, "-c", IGNORING)
    line = done.stderr.strip().splitlines()[-1]
    found = re.fullmatch(
        r"cputime: wall [\d.]+ s, CPU ([\d.]+) s \(user .*, not waited for ([\d.]+) s\), exit 0",
        line,
    )
    assert found, line
    # The child's 1 s, less up to one 0.1 s interval missed after its last reading.
    assert float(found.group(2)) >= 0.8 and float(found.group(1)) >= 0.8
