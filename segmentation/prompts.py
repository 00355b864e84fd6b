"""PROMPTS.json: the objects to track and their clicks / boxes / masks, as a versioned file.

Qt-free and torch-free (numpy + OpenCV for mask PNGs), so the ``track`` CLI and the editor
share it.

Format (version 1)
------------------
::

    {
      "version": 1,
      "objects": [
        {"id": 1, "name": "dog",
         "prompts": [
           {"frame": 0, "points": [[412, 230], [300, 90]], "labels": [1, 0]},
           {"frame": 0, "box": [350, 120, 620, 400]},
           {"frame": 40, "mask": "masks/dog_40.png", "clear": true}
         ]}
      ]
    }

* ``version`` (required): 1. Files from a newer Masklet are refused with a clear message.
* ``objects`` (required, non-empty): each has
  ``id`` (required, integer ≥ 0, unique; it names the output folder ``DIR/<id>/``),
  ``name`` (optional string) and ``prompts`` (required, non-empty list).
* A prompt has ``frame`` (required: integer frame index ≥ 0 of the source clip) and at least
  one of:

  - ``points``: list of ``[x, y]`` pixel coordinates in the source frame (x to the right,
    y down, origin at the top-left corner of the top-left pixel);
  - ``labels``: one per point, 1 = include, 0 = exclude (default: all 1); only with points;
  - ``box``: ``[x0, y0, x1, y1]`` pixels, x1 > x0, y1 > y0;
  - ``mask``: path of a PNG the size of the frame, relative to the JSON file (absolute paths
    work too); nonzero inside (for an image with an alpha channel: alpha > 0).

  and optionally ``clear`` (boolean). Prompts are applied in file order, like a user's
  history: the first prompt of an object on a frame starts afresh; a later one on the same
  frame adds to it (SAM 2 refines with the previous mask), unless it sets ``"clear": true``.
* Unknown keys are errors (they are usually typos). Every error names the file, the object,
  the prompt (index and frame) and the key.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: Newest format version this code reads and writes.
PROMPTS_VERSION: int = 1

_TOP_KEYS = {"version", "objects"}
_OBJECT_KEYS = {"id", "name", "prompts"}
_PROMPT_KEYS = {"frame", "points", "labels", "box", "mask", "clear"}


class PromptsError(ValueError):
    """A prompts file the user must fix; the message names the file, object, frame and key."""

    user_error = True


@dataclass(frozen=True)
class PromptAction:
    """One prompt given to one object on one frame (pixel coordinates of the source frame).

    Attributes:
        frame_index: frame of the clip, 0-based.
        points: (x, y) clicks in pixels.
        labels: one per point, 1 = include, 0 = exclude.
        box: ``(x0, y0, x1, y1)`` in pixels, or None.
        mask_path: absolute path of the mask PNG, or None.
        clear: True to discard the object's earlier prompts on this frame.
    """

    frame_index: int
    points: tuple[tuple[float, float], ...] = ()
    labels: tuple[int, ...] = ()
    box: tuple[float, float, float, float] | None = None
    mask_path: Path | None = None
    clear: bool = False


@dataclass(frozen=True)
class ObjectPrompts:
    """An object to track: its id, display name and prompt history (in order)."""

    object_id: int
    name: str
    prompts: tuple[PromptAction, ...]


@dataclass(frozen=True)
class PromptsFile:
    """A whole PROMPTS.json; ``source`` is the file it came from (for messages)."""

    objects: tuple[ObjectPrompts, ...]
    version: int = PROMPTS_VERSION
    source: str = "PROMPTS.json"

    @property
    def frames(self) -> list[int]:
        """Sorted frame indices that carry at least one prompt."""
        return sorted({p.frame_index for o in self.objects for p in o.prompts})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


class _Checker:
    """Builds error messages that locate the problem in the file."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> PromptsError:
        return PromptsError(f"{self.source}: {where}{': ' if where else ''}{message}")

    def unknown(self, where: str, data: dict, allowed: set[str]) -> None:
        extra = sorted(set(data) - allowed)
        if extra:
            raise self.fail(where, f"unknown key {extra[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _parse_points(chk: _Checker, where: str, raw: dict) -> tuple[tuple, tuple]:
    points = raw.get("points", [])
    if not isinstance(points, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(_is_number(v) for v in p) for p in points
    ):
        raise chk.fail(where, "'points' must be a list of [x, y] numbers")
    if "labels" in raw and "points" not in raw:
        raise chk.fail(where, "'labels' given without 'points'")
    labels = raw.get("labels", [1] * len(points))
    if not isinstance(labels, list) or not all(_is_int(v) and v in (0, 1) for v in labels):
        raise chk.fail(where, "'labels' must be a list of 1 (include) / 0 (exclude)")
    if len(labels) != len(points):
        raise chk.fail(where, f"'labels' has {len(labels)} entries for {len(points)} points")
    return tuple((float(x), float(y)) for x, y in points), tuple(int(v) for v in labels)


def _parse_prompt(chk: _Checker, where: str, raw: Any, base_dir: Path) -> PromptAction:
    if not isinstance(raw, dict):
        raise chk.fail(where, "a prompt must be an object {\"frame\": ..., ...}")
    if "frame" in raw and _is_int(raw["frame"]):
        where = f"{where} (frame {raw['frame']})"
    chk.unknown(where, raw, _PROMPT_KEYS)
    frame = raw.get("frame")
    if not _is_int(frame) or frame < 0:
        raise chk.fail(where, "'frame' is required: an integer frame index >= 0")
    points, labels = _parse_points(chk, where, raw)
    box = raw.get("box")
    if box is not None:
        if not (isinstance(box, list) and len(box) == 4 and all(_is_number(v) for v in box)):
            raise chk.fail(where, "'box' must be [x0, y0, x1, y1] in pixels")
        if not (box[2] > box[0] and box[3] > box[1]):
            raise chk.fail(where, f"'box' {box} must have x1 > x0 and y1 > y0")
        box = tuple(float(v) for v in box)
    mask_path = raw.get("mask")
    if mask_path is not None:
        if not isinstance(mask_path, str) or not mask_path:
            raise chk.fail(where, "'mask' must be the path of a PNG (relative to the JSON file)")
        mask_path = (base_dir / mask_path).resolve()
        if not mask_path.is_file():
            raise chk.fail(where, f"'mask' file {mask_path} does not exist")
    clear = raw.get("clear", False)
    if not isinstance(clear, bool):
        raise chk.fail(where, "'clear' must be true or false")
    if not points and box is None and mask_path is None:
        raise chk.fail(where, "give at least one of 'points', 'box' or 'mask'")
    return PromptAction(frame, points, labels, box, mask_path, clear)


def _parse_object(chk: _Checker, index: int, raw: Any, base_dir: Path) -> ObjectPrompts:
    where = f"objects[{index}]"
    if not isinstance(raw, dict):
        raise chk.fail(where, "an object must be {\"id\": ..., \"prompts\": [...]}")
    if _is_int(raw.get("id")):
        where = f"object {raw['id']}"
    chk.unknown(where, raw, _OBJECT_KEYS)
    object_id = raw.get("id")
    if not _is_int(object_id) or object_id < 0:
        raise chk.fail(where, "'id' is required: an integer >= 0")
    name = raw.get("name", f"object {object_id}")
    if not isinstance(name, str):
        raise chk.fail(where, "'name' must be a string")
    prompts = raw.get("prompts")
    if not isinstance(prompts, list) or not prompts:
        raise chk.fail(where, "'prompts' is required: a non-empty list")
    actions = tuple(_parse_prompt(chk, f"{where}, prompt {k}", p, base_dir)
                    for k, p in enumerate(prompts))
    return ObjectPrompts(object_id, name, actions)


def parse_prompts(data: Any, base_dir: Path | str = ".", source: str = "PROMPTS.json"
                  ) -> PromptsFile:
    """Validate decoded JSON ``data``; mask paths are resolved against ``base_dir``."""
    chk = _Checker(source)
    if not isinstance(data, dict):
        raise chk.fail("", "the file must hold a JSON object {\"version\": 1, \"objects\": [...]}")
    chk.unknown("", data, _TOP_KEYS)
    version = data.get("version")
    if not _is_int(version):
        raise chk.fail("", "'version' is required (write \"version\": 1)")
    if version > PROMPTS_VERSION or version < 1:
        raise chk.fail("", f"version {version} is not supported (this Masklet reads version "
                           f"{PROMPTS_VERSION}; update Masklet)")
    objects = data.get("objects")
    if not isinstance(objects, list) or not objects:
        raise chk.fail("", "'objects' is required: a non-empty list")
    parsed = tuple(_parse_object(chk, i, o, Path(base_dir)) for i, o in enumerate(objects))
    seen: set[int] = set()
    for obj in parsed:
        if obj.object_id in seen:
            raise chk.fail(f"object {obj.object_id}", "'id' is used by two objects")
        seen.add(obj.object_id)
    return PromptsFile(parsed, version, source)


def load_prompts(path: str | os.PathLike) -> PromptsFile:
    """Read and validate a PROMPTS.json file (raises :class:`PromptsError`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptsError(f"{path}: cannot read the prompts file ({exc.strerror or exc})"
                           ) from None
    except UnicodeDecodeError as exc:
        raise PromptsError(f"{path}: not UTF-8 text (byte {exc.start}) — save the prompts "
                           "file as UTF-8 JSON") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PromptsError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg})") from None
    except RecursionError:
        raise PromptsError(f"{path}: JSON nested too deeply to be a prompts file — check "
                           "the file (see the format in the README)") from None
    return parse_prompts(data, path.parent, str(path))


def check_against_clip(prompts: PromptsFile, num_frames: int, width: int, height: int) -> None:
    """Check frames, points, boxes and mask sizes against a clip of ``num_frames`` frames of
    ``width``×``height`` pixels; raises :class:`PromptsError` naming the object and frame."""
    chk = _Checker(prompts.source)
    for obj in prompts.objects:
        for k, p in enumerate(obj.prompts):
            where = f"object {obj.object_id}, prompt {k} (frame {p.frame_index})"
            if p.frame_index >= num_frames:
                raise chk.fail(where, f"'frame' is past the clip's end (frames 0..{num_frames - 1})")
            for x, y in p.points:
                if not (0 <= x <= width and 0 <= y <= height):
                    raise chk.fail(where, f"point [{x:g}, {y:g}] is outside the "
                                          f"{width}x{height} frame")
            if p.box is not None:
                x0, y0, x1, y1 = p.box
                if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
                    raise chk.fail(where, f"'box' {list(p.box)} is outside the {width}x{height} frame")
            if p.mask_path is not None:
                load_mask(p.mask_path, width, height, chk.source, where)


def load_mask(path: Path, width: int, height: int, source: str = "PROMPTS.json",
              where: str = "") -> np.ndarray:
    """Read a mask PNG as an H×W bool array (nonzero inside; alpha > 0 when it has alpha)."""
    import cv2  # lazy: keep `import segmentation.prompts` light

    chk = _Checker(source)
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise chk.fail(where, f"'mask' {path} is not a readable image")
    if image.ndim == 3:
        image = image[..., 3] if image.shape[2] == 4 else image.max(axis=2)
    if image.shape != (height, width):
        raise chk.fail(where, f"'mask' {path} is {image.shape[1]}x{image.shape[0]}, the frames "
                              f"are {width}x{height}")
    return image > 0


def prompts_to_json(prompts: PromptsFile, base_dir: Path | str | None = None) -> dict:
    """The JSON form of ``prompts``; mask paths relative to ``base_dir`` when possible."""
    objects = []
    for obj in prompts.objects:
        items = []
        for p in obj.prompts:
            item: dict[str, Any] = {"frame": p.frame_index}
            if p.points:
                item["points"] = [list(pt) for pt in p.points]
                item["labels"] = list(p.labels)
            if p.box is not None:
                item["box"] = list(p.box)
            if p.mask_path is not None:
                item["mask"] = _relative(p.mask_path, base_dir)
            if p.clear:
                item["clear"] = True
            items.append(item)
        objects.append({"id": obj.object_id, "name": obj.name, "prompts": items})
    return {"version": PROMPTS_VERSION, "objects": objects}


def _relative(path: Path, base_dir: Path | str | None) -> str:
    if base_dir is None:
        return str(path)
    try:
        return os.path.relpath(path, base_dir)
    except ValueError:  # another drive on Windows
        return str(path)


def save_prompts(prompts: PromptsFile, path: str | os.PathLike) -> None:
    """Write ``prompts`` as JSON atomically (temporary file, then rename)."""
    path = Path(path)
    data = prompts_to_json(prompts, path.parent)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
