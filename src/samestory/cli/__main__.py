"""``python -m samestory.cli``: the ``samestory`` command."""

from samestory.cli import app

app()
