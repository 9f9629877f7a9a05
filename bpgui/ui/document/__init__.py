"""The open network and its undo stack: the only way the window changes the model."""
