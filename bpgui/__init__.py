"""bpgui: a desktop canvas that makes backpropagation visible."""

__version__ = "0.1.0"
