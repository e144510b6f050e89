"""The ``--check`` verdict every fit script prints (fit_story_model, fit_thread_model,
fit_pair_model): whether the params file a script ships is the model it would write.

Each script lists what differs between the shipped file and this run's fit, in its own
terms (a weight, a split, a threshold) and within its own tolerance; this prints the
verdict the same way for all three, so one reading (or one ``grep SAME``) serves them::

    src/samestory/params/thread_model.json: SAME (this fit against the file)
    src/samestory/params/pair_model.json: DIFFERS (this fit against the file)
      bias: -4.4335 -> -4.4136

and gives the exit code: 0 if SAME, 1 if it DIFFERS.
"""

from __future__ import annotations

from pathlib import Path


def report_check(out: Path, differences: list[str]) -> int:
    """``--check``'s verdict on the file ``out`` (SAME, or DIFFERS and each difference);
    its exit code: 0 if SAME, 1 if it DIFFERS."""
    print(f"{out}: {'DIFFERS' if differences else 'SAME'} (this fit against the file)")
    for line in differences:
        print("  " + line)
    return 1 if differences else 0
