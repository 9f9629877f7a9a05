"""Networks written out for other tools.

Exports are text: a module here writes a file that another framework reads or runs,
and never imports that framework itself, so the core stays free of it.

- ``bpgui.export.torch_script.torch_script``: one sample's pass as a standalone
  PyTorch script (``bpgui export-torch``), section by section; it takes each
  activation's and loss's torch code from :mod:`bpgui.network.functions`.
- ``bpgui.export.torch_operations``: the script's lines for operation nodes.
- ``bpgui.export.torch_names``: the script's Python name for each tensor.
- ``bpgui.export.python_text``: how the script's lines are laid out (literals,
  wrapping, comments, docstring text).

The functions are not re-exported here, so that each module stays reachable by its
name (``bpgui.export.torch_script`` is the module, not the function).
"""
