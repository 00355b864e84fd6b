"""``masklet info VIDEO``: print a video's (or image folder's) properties as JSON.

Imports only the rendering media layer (PyAV, numpy): never torch or Qt.
"""

from __future__ import annotations

import argparse
import json
import sys


def run(args: argparse.Namespace) -> int:
    """Probe ``args.video`` and print ``MediaInfo.to_json()`` (indented) on stdout.

    User errors (missing, not a video, damaged, audio-only, no frames) propagate as
    ``MediaError`` (``user_error = True``): main.py prints one line and exits 2.
    """
    from rendering.media.probing import probe

    info = probe(args.video, fps=getattr(args, "fps", None))
    sys.stdout.write(json.dumps(info.to_json(), indent=2) + "\n")
    return 0
