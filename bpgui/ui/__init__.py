"""The Qt GUI. Only this package imports PySide6 or pyqtgraph."""
