"""Segmentation: our SAM 2 in PyTorch, image predictor, video tracker, offline engine, weights."""
