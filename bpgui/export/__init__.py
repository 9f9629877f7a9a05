"""Networks written out for other tools.

Exports are text: a module here writes a file that another framework reads or runs,
and never imports that framework itself, so the core stays free of it.

- ``bpgui.export.torch_script.torch_script``: one sample's pass as a standalone
  PyTorch script (``bpgui export-torch``).

The functions are not re-exported here, so that each module stays reachable by its
name (``bpgui.export.torch_script`` is the module, not the function).
"""
