"""``python -m samestory.cli``: the ``samestory`` command."""

from samestory.cli.launch import main

main()
