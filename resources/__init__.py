"""Package data: icons, stylesheets, desktop integration files."""
