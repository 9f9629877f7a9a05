"""`python -m bpgui` runs the same entry point as the `bpgui` console script."""

import sys

from bpgui.cli import main

if __name__ == "__main__":       # (not when the training process imports it)
    sys.exit(main())
