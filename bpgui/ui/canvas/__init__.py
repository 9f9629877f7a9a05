"""The network canvas: scene, items and view."""
