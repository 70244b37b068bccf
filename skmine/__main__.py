"""``python -m skmine``: the command line (see :mod:`skmine.cli.main`)."""

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main())
