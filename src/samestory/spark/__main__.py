"""``python -m samestory.spark INPUT OUTPUT ...`` (see :mod:`samestory.spark`)."""

import sys

from samestory.spark import main

sys.exit(main())
