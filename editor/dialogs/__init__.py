"""Dialogs: export, model settings, weights download, missing weights."""
