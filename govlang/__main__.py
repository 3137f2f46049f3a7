"""``python -m govlang``: the same command line as ``govlang``."""

import sys

from govlang.cli import main

sys.exit(main())
