"""Export: presets, the export job generator and its threaded pipeline.

Entry points::

    from rendering.export import ExportRequest, export_job, PRESETS
"""

from __future__ import annotations

from rendering.export.job import ExportCancelled, ExportProgress, ExportRequest, export_job
from rendering.export.presets import PRESETS, ExportPreset, preset

__all__ = ["PRESETS", "ExportCancelled", "ExportPreset", "ExportProgress", "ExportRequest",
           "export_job", "preset"]
