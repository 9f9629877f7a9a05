"""The classroom: presentation mode for a projector."""
