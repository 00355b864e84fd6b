"""Offline engine: classical tracking (GrabCut + dense optical flow) that needs no weights."""

from segmentation.offline.flow_step import FlowParams
from segmentation.offline.tracker import OfflinePromptError, OfflineTracker

__all__ = ["FlowParams", "OfflinePromptError", "OfflineTracker"]
