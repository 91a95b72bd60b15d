"""``python -m trainer.cli``: the ``tesskit`` command (sweeps start their runs this way)."""

import sys

from trainer.cli import main

sys.exit(main())
