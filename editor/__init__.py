"""Masklet editor: the Qt application and its Qt-free document model (editor.model)."""
