"""Where the application's icon and user guide live, in a checkout and in a bundle.

Both are data files beside the packages: ``resources/icons/hicolor/…/masklet.{svg,png}`` and
``docs/user-guide.md`` under the project root (a PyInstaller bundle keeps the same layout
under its ``_internal`` folder, see ``packaging/masklet.spec``; a wheel installs ``docs/``
beside the packages, see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

APP_ID = "io.github.masklet.Masklet"  # reverse-DNS id shared by the .desktop and metainfo files
ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "resources" / "icons" / "hicolor"
ICON_SIZES_PX = (16, 24, 32, 48, 64, 128, 256, 512)


def icon_paths() -> list[Path]:
    """The icon files that exist: the SVG first, then PNGs from small to large."""
    paths = [ICON_DIR / "scalable" / "apps" / "masklet.svg"]
    paths += [ICON_DIR / f"{s}x{s}" / "apps" / "masklet.png" for s in ICON_SIZES_PX]
    return [p for p in paths if p.is_file()]


def app_icon():
    """QIcon with every size we ship (empty when the files are missing)."""
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for path in icon_paths():
        icon.addFile(str(path))
    return icon


def user_guide_path() -> Path | None:
    """``docs/user-guide.md`` (its screenshots beside it), or None when this installation
    lacks it."""
    path = ROOT / "docs" / "user-guide.md"
    return path if path.is_file() else None
