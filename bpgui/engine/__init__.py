"""The NumPy engine: compile a network, run it fast, or step through it one record at a time.

Nothing here imports Qt, so all of it runs and is tested without a display.
"""
