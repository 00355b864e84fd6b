"""The command line's errors: the user can fix them (``main.py`` prints the one-line message
and exits with status 2)."""

from __future__ import annotations


class CliError(Exception):
    """Base class of the errors the ``editor.cli`` commands raise themselves."""

    user_error = True
