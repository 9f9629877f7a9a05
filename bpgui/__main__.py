"""`python -m bpgui` runs the same entry point as the `bpgui` console script."""

import sys

from bpgui.cli import main

sys.exit(main())
