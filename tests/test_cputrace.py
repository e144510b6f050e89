"""tests/cputrace.py, the opt-in plugin that writes each test's CPU with its worker's
whole process tree (the Spark JVMs included): what it counts and what it writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import cputrace

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# Burns 0.4 s of CPU (/proc counts in ticks: 0.35 is asked), says so, then waits for
# its stdin to close: a running descendant whose CPU only /proc shows (none reaped it).
BURNER = (
    "import sys, time\n"
    "while time.process_time() < 0.4:\n"
    "    pass\n"
    "print('burnt', flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_running_descendants_cpu_is_counted() -> None:
    before = cputrace.tree_cpu()
    child = subprocess.Popen(
        [sys.executable, "-c", BURNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "burnt\n"
        after = cputrace.tree_cpu()
    finally:
        child.communicate("")
    # The worker may already have running descendants (a Spark JVM an earlier test of
    # this worker started, still running): the burner's CPU is what they grew by.
    others_before = sum(v for k, v in before.items() if k != "self")
    others_after = sum(v for k, v in after.items() if k != "self")
    assert others_after - others_before >= 0.35
    assert after["self"] >= before["self"]


# Ignores SIGCHLD (as PySpark's daemon does) and forks a child that burns 0.4 s, says so,
# and exits on a line of stdin; the kernel reaps it, so no process's CPU holds its 0.4 s
# any more. The parent says when it is gone, then waits for its stdin to close.
IGNORING = (
    "import os, signal, sys, time\n"
    "signal.signal(signal.SIGCHLD, signal.SIG_IGN)\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    while time.process_time() < 0.4:\n"
    "        pass\n"
    "    print('burnt', flush=True)\n"
    "    sys.stdin.readline()\n"
    "    os._exit(0)\n"
    "while True:\n"
    "    try:\n"
    "        os.kill(pid, 0)\n"
    "    except ProcessLookupError:\n"
    "        break\n"
    "    time.sleep(0.02)\n"
    "print('gone', flush=True)\n"
    "sys.stdin.read()\n"
)


def _others(by_name: dict[str, float]) -> float:
    return sum(v for k, v in by_name.items() if k != "self")


def test_a_descendant_reaped_by_the_kernel_keeps_its_last_reading() -> None:
    """A Spark Python worker that exits mid-test took its CPU with it (the test's figure
    went below 0): with the sampler, the tree keeps its last reading."""
    sampler = cputrace.Sampler(every=0.05)
    child = subprocess.Popen(
        [sys.executable, "-c", IGNORING], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdin is not None and child.stdout is not None
        assert child.stdout.readline() == "burnt\n"
        time.sleep(0.3)  # several samples after the burn
        before = cputrace.tree_cpu(sampler)
        child.stdin.write("exit\n")
        child.stdin.flush()
        assert child.stdout.readline() == "gone\n"
        after, unsampled = cputrace.tree_cpu(sampler), cputrace.tree_cpu()
    finally:
        child.communicate("")
        sampler.stop()
    # Other running descendants (an earlier test's Spark JVM) only grow meanwhile.
    assert _others(after) >= _others(before) - 0.02
    assert _others(after) - _others(unsampled) >= 0.35  # without it, the 0.4 s is lost


def test_one_line_a_test_and_the_report(tmp_path: Path) -> None:
    (tmp_path / "test_two.py").write_text(
        "import time\n"
        "def test_busy():\n"
        "    start = time.process_time()\n"
        "    while time.process_time() - start < 0.3:\n"
        "        pass\n"
        "def test_idle():\n"
        "    time.sleep(0.2)\n",
        encoding="utf-8",
    )
    log = tmp_path / "cpu"
    # Not the xdist worker's name (PYTEST_XDIST_WORKER) for the inner run: one process.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env |= {"SAMESTORY_CPU_LOG": str(log), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.cputrace",
            "-p",
            "no:cacheprovider",
            "test_two.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {r["test"]: r for r in map(json.loads, (log / "main.jsonl").read_text().splitlines())}
    assert set(rows) == {"test_two.py::test_busy", "test_two.py::test_idle"}
    busy, idle = rows["test_two.py::test_busy"], rows["test_two.py::test_idle"]
    assert busy["cpu"] >= 0.25 and idle["end"] - idle["start"] >= 0.2 > idle["cpu"]
    text = cputrace.report(cputrace.read_rows(log))
    assert text.splitlines()[1].startswith("main         2")
    assert "test_two.py::test_busy" in text.split("CPU s  wall s  worker")[1].splitlines()[1]
