"""Headless command implementations for main.py (each module exposes run(args) -> int)."""
