"""``python -m govlang``: the same command line as ``govlang``."""

import sys

try:
    from govlang.cli import main
except KeyboardInterrupt:  # Ctrl-C while the command line is still loading
    print("govlang: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
