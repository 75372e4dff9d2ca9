"""``python -m saasmetrics``: the command line (see :mod:`saasmetrics.cli`)."""

from __future__ import annotations

import sys

from saasmetrics.cli import main

if __name__ == "__main__":
    sys.exit(main())
