"""What every room of the window stands on: the theme's colours and fonts, and dock helpers."""
