"""``masklet models list|download|verify``: the official SAM 2 and EfficientTAM
checkpoints on this machine.

* ``list``: every official checkpoint with its approximate size, installed or not, and path.
* ``download NAME [--force]``: download (resuming a partial download), verify, record its
  SHA-256; progress on stderr. An installed file is kept unless ``--force``: then the new
  copy replaces it only once it is complete and verified (the old file stays until then).
* ``verify [NAME]``: check every installed checkpoint against its recorded SHA-256 (a file
  without a record is checked to load, then recorded) and name each bad one with the
  command that replaces it. Exit 1 when one is bad.
"""

from __future__ import annotations

import argparse
import sys
import time


def _fmt_bytes(n: float) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.0f} kB"


def _name_width() -> int:
    """Column width that fits every registry name (EfficientTAM's are 23 characters)."""
    from segmentation.weights import CHECKPOINTS

    return max(len(c.name) for c in CHECKPOINTS) + 2


def _list() -> int:
    from segmentation.weights import CHECKPOINTS, models_dir

    folder = models_dir()
    print(f"models folder: {folder}  (set MASKLET_MODELS_DIR to change it)")
    name_w, config_w = _name_width(), max(len(c.config) for c in CHECKPOINTS) + 2
    print(f"{'name':<{name_w}}{'config':<{config_w}}{'size':>10}  {'installed':<10} path")
    for ckpt in CHECKPOINTS:
        path = folder / ckpt.file_name
        installed = path.is_file()
        size = path.stat().st_size if installed else ckpt.approx_size_bytes
        print(f"{ckpt.name:<{name_w}}{ckpt.config:<{config_w}}{_fmt_bytes(size):>10}  "
              f"{'yes' if installed else 'no':<10} {path if installed else ''}".rstrip())
    return 0


class _ProgressLine:
    """Prints ``done / total  speed  ETA`` on one stderr line, at most 5 times a second."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.last = 0.0

    def __call__(self, p) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and p.done_bytes != p.total_bytes:
            return
        self.last = now
        total = _fmt_bytes(p.total_bytes) if p.total_bytes else "?"
        eta = f"  ETA {p.eta_s:4.0f} s" if p.eta_s is not None else ""
        sys.stderr.write(f"\r{self.name}: {_fmt_bytes(p.done_bytes)} / {total}  "
                         f"{p.speed_bps / 1e6:5.1f} MB/s{eta}   ")
        sys.stderr.flush()


def _replace_command(name: str) -> str:
    return f"python main.py models download {name} --force"


def _download(name: str, force: bool = False) -> int:
    import segmentation.weights as weights

    ckpt = weights.get_checkpoint(name)
    target = weights.models_dir() / ckpt.file_name
    if target.is_file() and not force:
        print(f"{ckpt.name} is already installed: {target} (check it with `python main.py "
              f"models verify {ckpt.name}`; replace it with `{_replace_command(ckpt.name)}`)")
        return 0
    print(f"downloading {ckpt.name} (about {_fmt_bytes(ckpt.approx_size_bytes)}) from {ckpt.url}",
          file=sys.stderr)
    try:
        path = weights.download_checkpoint(ckpt, progress=_ProgressLine(ckpt.name))
    finally:
        sys.stderr.write("\n")
    print(f"installed {ckpt.name}: {path}")
    return 0


def _verify(name: str | None) -> int:
    from segmentation.weights import CHECKPOINTS, get_checkpoint, models_dir, verify_installed

    folder = models_dir()
    targets = [get_checkpoint(name)] if name else list(CHECKPOINTS)
    failed = 0
    checked = 0
    for ckpt in targets:
        report = verify_installed(ckpt, folder)
        if report.status == "missing" and not name:
            continue
        checked += 1
        failed += (not report.ok) or report.status == "missing"
        print(f"{ckpt.name:<24}{report.status:<10}{report.detail}")
        if report.status in ("mismatch", "bad"):
            print(f"  {report.path} is corrupt or changed: replace it with "
                  f"`{_replace_command(ckpt.name)}`")
    if checked == 0:
        from editor.app import model_choice

        kind = model_choice.machine_kind()
        print(f"no checkpoint installed in {folder}; run `python main.py models download "
              f"{model_choice.recommended(kind).checkpoint(kind)}`")
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    action = args.models_command
    if action == "list":
        return _list()
    if action == "download":
        return _download(args.name, getattr(args, "force", False))
    if action == "verify":
        return _verify(args.name)
    raise ValueError(f"unknown models action {action!r}")
