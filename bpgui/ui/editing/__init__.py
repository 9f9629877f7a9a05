"""Editing a network: the Inspector, the Dataset dock and its generators, the layered dialog."""
