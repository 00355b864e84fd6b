"""Masklet entry point: ``python main.py`` opens the editor; sub-commands run headless jobs.

Arguments are parsed before anything heavy is imported: ``--help`` and ``info`` never import
torch or Qt. Each sub-command lives in ``editor/cli/<name>.py`` as ``run(args) -> int``.
Errors a user can fix (a missing file, a corrupt video, a bad prompt file) are exceptions whose
class sets ``user_error = True``: they print one line naming the file and the fix, exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback


def _add_range(p: argparse.ArgumentParser) -> None:
    p.add_argument("--start", type=int, default=None, metavar="N",
                   help="first frame index (default 0)")
    p.add_argument("--end", type=int, default=None, metavar="M",
                   help="end frame index, exclusive (default: the clip's length)")


def _add_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, metavar="NAME",
                   help="installed SAM 2 checkpoint by name (see `models list`)")
    p.add_argument("--checkpoint", default=None, metavar="PATH",
                   help="path to an official SAM 2 / SAM 2.1 checkpoint (.pt)")
    p.add_argument("--device", default=None, choices=["cpu", "cuda", "mps"],
                   help="inference device (default: cuda or mps when available, else cpu)")
    p.add_argument("--dtype", default="float32",
                   choices=["auto", "float32", "bfloat16", "float16"],
                   help="inference precision (default float32, reproducible; auto: bfloat16 "
                   "where the device runs it natively, about twice as fast)")


def _version() -> str:
    from editor.version import version  # reads pyproject.toml or package metadata: no Qt

    return version()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="masklet",
        description="Click an object in a video, track it with SAM 2, turn the tracked mask "
        "into an effect and export. Without a sub-command the editor opens.",
    )
    parser.usage = "%(prog)s [-h] [--version] [VIDEO | PROJECT.masklet | COMMAND ...]"
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--quit-after", type=float, default=None, metavar="SECONDS",
                        help="open the editor, close it after SECONDS (checks an install)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("info", help="print a video's properties as JSON")
    p.add_argument("video", help="video file, image folder or image")
    p.add_argument("--fps", default=None, help="frame rate for image folders (default 30)")

    p = sub.add_parser("track", help="track objects from a prompts file into mask PNGs")
    p.add_argument("video", help="video file or image folder")
    p.add_argument("--prompts", required=True, metavar="PROMPTS.json",
                   help="objects and their clicks/boxes/masks (see README)")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="writes DIR/<object_id>/<frame_index:05d>.png and DIR/summary.json")
    p.add_argument("--engine", default="sam2", choices=["sam2", "offline"],
                   help="sam2 (needs weights) or offline (classical, no weights)")
    _add_model(p)
    _add_range(p)
    p.add_argument("--soft", action="store_true", help="write soft 0-255 masks, not 0/255")
    p.add_argument("--overwrite", action="store_true",
                   help="write into a DIR that holds other files (only Masklet's own mask "
                   "folders and summary.json there are replaced)")
    p.add_argument("--fps", default=None, help="frame rate for image folders (default 30)")

    p = sub.add_parser("render", help="render a project (or a video plus masks) to a file")
    p.add_argument("input", nargs="?", help="PROJECT.masklet, or a video with --masks")
    p.add_argument("-o", "--output", metavar="OUT", help="output file or folder (required)")
    p.add_argument("--preset", default=None, help="export preset (see `render --list-presets`)")
    p.add_argument("--list-presets", action="store_true", help="list export presets and exit")
    p.add_argument("--masks", default=None, metavar="DIR",
                   help="mask folder written by `track` (DIR/<object_id>/<frame:05d>.png)")
    p.add_argument("--effect", default=None, metavar="NAME",
                   help="effect to apply with --masks (e.g. background-blur)")
    p.add_argument("--scale", type=float, default=None, help="resolution scale (e.g. 0.5)")
    p.add_argument("--crf", type=int, default=None, metavar="Q",
                   help="constant quality for h264/hevc (0-51) and vp9-alpha (0-63), lower = "
                   "better and bigger (default: the preset's)")
    p.add_argument("--no-audio", action="store_true", help="write the video without audio")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing OUT file Masklet did not write, or write into a "
                   "folder holding other files (only Masklet's own frame files are replaced)")
    _add_range(p)

    p = sub.add_parser("models", help="list, download and verify SAM 2 checkpoints")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    msub.add_parser("list", help="official checkpoints: size, installed or not, path")
    d = msub.add_parser("download", help="download an official checkpoint")
    d.add_argument("name", help="checkpoint name, e.g. sam2.1_hiera_tiny")
    d.add_argument("--force", action="store_true",
                   help="download again over an installed copy (kept until the new one "
                   "is complete and verified)")
    v = msub.add_parser("verify", help="check installed checkpoints against their recorded SHA-256")
    v.add_argument("name", nargs="?", default=None)
    return parser


COMMANDS = ("info", "track", "render", "models")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        args = parser.parse_args(argv[1:])  # open a file in the editor; options may follow
        if args.command is not None:
            parser.error(f"unexpected arguments after {argv[0]!r}")
        args.project = argv[0]
    else:
        args = parser.parse_args(argv)
        args.project = getattr(args, "project", None)
    module = "editor.launch" if args.command is None else f"editor.cli.{args.command}"
    try:
        return int(importlib.import_module(module).run(args) or 0)
    except KeyboardInterrupt:
        print("masklet: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # user errors get one line; anything else is a bug: full trace
        if getattr(type(exc), "user_error", False):
            print(f"masklet: error: {exc}", file=sys.stderr)
            return 2
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
