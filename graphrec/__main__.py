"""`python -m graphrec` runs the CLI."""

import sys

from graphrec.cli import main

sys.exit(main())
