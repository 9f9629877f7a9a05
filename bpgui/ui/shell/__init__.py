"""The window shell: the main window, starting the app, actions and menus, files and exports."""
