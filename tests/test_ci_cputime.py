"""`.ci/cputime.py`: the CPU of a command's orphaned descendants is counted (the test run's
Spark JVMs and Chromium outlive the pytest worker that started them)."""

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
