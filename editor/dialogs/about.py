"""Help ▸ About: the version (from ``pyproject.toml``, see :mod:`editor.version`) and the
licences of the components a Masklet installation or bundle ships, as they really are.

The licence facts are data (:func:`components`), so the dialog and its test read one list.
Versions come from package metadata or from modules already imported: opening About never
imports torch.
"""

from __future__ import annotations

import html
import sys
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout

from editor.branding import app_icon
from editor.version import version

GPL_ENCODERS = ("libx264", "libx265")


@dataclass(frozen=True)
class Component:
    """One shipped component: display name, version ("" when unknown), SPDX-style licence,
    and a note on what the licence means for Masklet."""

    name: str
    version: str
    licence: str
    note: str = ""


def _version_of(dist: str, module: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        loaded = sys.modules.get(module)  # a bundle may lack metadata; never import here
        return str(getattr(loaded, "__version__", "")) if loaded else ""


def gpl_encoders_present() -> list[str]:
    """The GPL encoders (x264, x265) that the FFmpeg inside PyAV provides."""
    try:
        import av
    except ImportError:
        return []
    return [name for name in GPL_ENCODERS if name in av.codecs_available]


def ffmpeg_note() -> str:
    gpl = gpl_encoders_present()
    if gpl:
        return ("PyAV's wheels bundle FFmpeg (LGPL-2.1-or-later) built with the GPL encoders "
                f"{' and '.join(gpl)} (H.264/HEVC export). A copy that ships them is "
                "distributed as a whole under GPL-2.0-or-later.")
    return ("This FFmpeg has no GPL encoders: it is used under LGPL-2.1-or-later "
            "(H.264/HEVC export is not available; use ProRes, VP9, FFV1 or PNG).")


def components() -> list[Component]:
    """Masklet and every bundled component, with the licence each is used under."""
    from PySide6 import QtCore

    py = sys.version.split()[0]
    return [
        Component("Masklet", version(), "Apache-2.0"),
        Component("Python", py, "PSF-2.0"),
        Component("Qt", QtCore.qVersion(), "LGPL-3.0-only",
                  "Used under the LGPL: the bundle ships Qt as replaceable shared libraries."),
        Component("PySide6 (Qt for Python)", _version_of("PySide6", "PySide6"),
                  "LGPL-3.0-only"),
        Component("PyTorch", _version_of("torch", "torch"), "BSD-3-Clause",
                  "Includes third-party code under Apache-2.0, MIT, BSD-2-Clause and "
                  "BSL-1.0. CUDA builds also ship NVIDIA CUDA libraries under NVIDIA's "
                  "licence."),
        *model_components(),
        Component("PyAV", _version_of("av", "av"), "BSD-3-Clause"),
        Component("FFmpeg (inside PyAV)", _ffmpeg_version(),
                  "GPL-2.0-or-later" if gpl_encoders_present() else "LGPL-2.1-or-later",
                  ffmpeg_note()),
        Component("OpenCV (opencv-python-headless)",
                  _version_of("opencv-python-headless", "cv2"), "Apache-2.0",
                  "Its wheel bundles an LGPL build of FFmpeg."),
        Component("NumPy", _version_of("numpy", "numpy"), "BSD-3-Clause"),
        Component("QtAwesome", _version_of("qtawesome", "qtawesome"), "MIT",
                  "Its icon fonts keep their own free licences."),
    ]


#: Display name and what Masklet ships of each model family in the weights registry.
MODEL_FAMILIES = {
    "SAM 2": ("SAM 2 / SAM 2.1 (Meta)", "Masklet's own implementation of the SAM 2 model"),
    "EfficientTAM": ("EfficientTAM (yformer)",
                     "Masklet's own implementation of the EfficientTAM model (a ViT image "
                     "encoder in SAM 2's tracker)"),
}


def model_components() -> list[Component]:
    """One row per model family, its licence the registry's ``licence`` of its checkpoints."""
    from segmentation.weights import CHECKPOINTS

    licences: dict[str, list[str]] = {}
    for ckpt in CHECKPOINTS:
        family = licences.setdefault(ckpt.family, [])
        if ckpt.licence not in family:
            family.append(ckpt.licence)
    rows = []
    for family, found in licences.items():
        name, note = MODEL_FAMILIES.get(family, (family, f"Masklet's {family} model"))
        licence = " / ".join(found)
        rows.append(Component(name, "", licence,
                              f"{note}; the official checkpoints it downloads are {licence}."))
    return rows


def _ffmpeg_version() -> str:
    try:
        import av
    except ImportError:
        return ""
    libavcodec = av.library_versions.get("libavcodec")
    return f"libavcodec {'.'.join(map(str, libavcodec))}" if libavcodec else ""


def licence_lines() -> list[str]:
    """One plain-text line per component: ``name version — licence. note``."""
    return [f"{c.name} {c.version} — {c.licence}. {c.note}".replace("  ", " ").strip()
            for c in components()]


def about_html() -> str:
    rows = "".join(
        f"<tr><td><b>{html.escape(c.name)}</b></td><td>{html.escape(c.version)}</td>"
        f"<td>{html.escape(c.licence)}</td><td>{html.escape(c.note)}</td></tr>"
        for c in components())
    return ("<table cellspacing='0' cellpadding='4'>"
            "<tr><th align='left'>Component</th><th align='left'>Version</th>"
            f"<th align='left'>Licence</th><th align='left'>Notes</th></tr>{rows}</table>")


class AboutDialog(QDialog):
    """Version, one-line description and the licence table. ``header`` and ``details``
    are public so tests can read what the user sees."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Masklet")
        self.setMinimumSize(720, 520)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(96, 96))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.header = QLabel(
            f"<div style='font-size:22px; font-weight:600'>Masklet {html.escape(version())}"
            "</div><div>Click an object in a video, track it with SAM 2 or EfficientTAM, turn "
            "the mask into "
            "an effect, export.</div><div>Masklet is licensed under the Apache License 2.0. "
            "It ships the components below under their own licences.</div>")
        self.header.setWordWrap(True)
        self.header.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.details = QTextBrowser()
        self.details.setOpenExternalLinks(True)
        self.details.setHtml(about_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(logo)
        lay.addWidget(self.header)
        lay.addWidget(self.details, 1)
        lay.addWidget(buttons)
