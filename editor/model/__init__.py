"""Qt-free document model: project, objects, prompt history, effect stacks, undo, masklet store."""
