"""``python main.py [VIDEO|PROJECT]``: start the editor."""

from __future__ import annotations


def run(args) -> int:
    from editor.app import run_app  # Qt is imported only here

    return run_app(args.project, quit_after_s=getattr(args, "quit_after", None))
