"""The worked-solution handout (issue 6): a printable page of one pass, step by step.

Pure Python, no Qt: the command line (``bpgui worksheet``) and the GUI's
``File ▸ Export worked solution…`` share it.
"""

from bpgui.handout.network_svg import network_svg
from bpgui.handout.worksheet import (
    format_for_path,
    worksheet,
    write_lesson_sheet,
    write_worksheet,
)

__all__ = ["format_for_path", "network_svg", "worksheet", "write_lesson_sheet",
           "write_worksheet"]
