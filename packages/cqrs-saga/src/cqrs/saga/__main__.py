"""`python -m cqrs.saga`: see `cqrs.saga.cli`."""

from __future__ import annotations

import sys

from cqrs.saga.cli import main

if __name__ == "__main__":
    sys.exit(main())
