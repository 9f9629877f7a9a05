"""What every "New …" dialog that builds a network has in common: the network built
when OK was pressed, and asking for one modally."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from bpgui.network.model import Network


class NetworkDialog(QDialog):
    """A dialog whose OK builds :attr:`_network` (subclasses set it in ``accept``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._network: Network | None = None

    def network(self) -> Network:
        """The network built when OK was pressed."""
        if self._network is None:
            raise RuntimeError("network() is only available after the dialog was accepted")
        return self._network

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> Network | None:
        """Show the dialog modally; the new network, or None when cancelled."""
        dialog = cls(parent)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        return dialog.network() if accepted else None
