"""Errors caused by what the user gave us: a file, a value, an option.

Each carries a location (a JSON path such as ``edges[3].target`` or a
``line:column``) so the one-line message can say *where* as well as *what*.
"""

from __future__ import annotations


class BpguiError(Exception):
    """A problem with user input. The CLI prints it as one ``bpgui: error:`` line."""


class NetworkError(BpguiError):
    """A network (from a file or an edit) breaks a rule of the v1 format."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class TrainingDiverged(BpguiError):
    """The loss became NaN or infinite; training stopped at ``iteration``."""

    def __init__(self, iteration: int, loss: float, learning_rate: float) -> None:
        self.iteration = iteration
        self.loss = loss
        self.learning_rate = learning_rate
        if iteration == 0:
            message = (f"the loss is already {loss} at iteration 0, before any update: the "
                       "weights or inputs are too large for double precision")
        else:
            message = (f"the loss became {loss} at iteration {iteration} "
                       f"(learning rate {learning_rate:g}); try a smaller learning rate")
        super().__init__(message)
