"""PROMPTS.json: parsing, defaults, round trip, and errors that name object, frame and key."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from segmentation.prompts import (
    PromptsError,
    check_against_clip,
    load_mask,
    load_prompts,
    parse_prompts,
    save_prompts,
)


def write(tmp_path, data, name="P.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_full_example_parses_with_defaults(tmp_path):
    mask = np.zeros((40, 60), np.uint8)
    mask[10:20, 5:15] = 1  # nonzero inside (a DAVIS-style 0/1 PNG)
    (tmp_path / "m").mkdir()
    cv2.imwrite(str(tmp_path / "m" / "first.png"), mask)
    data = {"version": 1, "objects": [
        {"id": 1, "name": "dog", "prompts": [
            {"frame": 0, "points": [[10, 12], [30, 5]], "labels": [1, 0], "box": [2, 3, 40, 30],
             "mask": "m/first.png"},
            {"frame": 3, "points": [[7.5, 8]]}]},
        {"id": 4, "prompts": [{"frame": 2, "box": [0, 0, 10, 10], "clear": True}]}]}
    prompts = load_prompts(write(tmp_path, data))
    dog, other = prompts.objects
    assert dog.name == "dog" and other.name == "object 4"
    assert dog.prompts[0].points == ((10.0, 12.0), (30.0, 5.0)) and dog.prompts[0].labels == (1, 0)
    assert dog.prompts[1].labels == (1,)  # labels default to include
    assert dog.prompts[0].mask_path == (tmp_path / "m" / "first.png").resolve()
    assert other.prompts[0].clear and prompts.frames == [0, 2, 3]
    check_against_clip(prompts, num_frames=5, width=60, height=40)
    assert np.array_equal(load_mask(dog.prompts[0].mask_path, 60, 40), mask > 0)


def test_round_trip_keeps_everything(tmp_path):
    (tmp_path / "a.png").write_bytes(cv2.imencode(".png", np.ones((4, 4), np.uint8))[1].tobytes())
    data = {"version": 1, "objects": [{"id": 2, "name": "cat", "prompts": [
        {"frame": 5, "points": [[1, 2]], "labels": [0], "box": [0, 0, 3, 3], "mask": "a.png",
         "clear": True}]}]}
    first = load_prompts(write(tmp_path, data))
    save_prompts(first, tmp_path / "copy.json")
    assert load_prompts(tmp_path / "copy.json") == parse_prompts(data, tmp_path, str(tmp_path / "copy.json"))
    assert json.loads((tmp_path / "copy.json").read_text())["objects"][0]["prompts"][0]["mask"] == "a.png"


@pytest.mark.parametrize("data, message", [
    ({"objects": []}, "'version' is required"),
    ({"version": 2, "objects": []}, "version 2 is not supported"),
    ({"version": 1, "objects": []}, "'objects' is required"),
    ({"version": 1, "objets": []}, "unknown key 'objets'"),
    ({"version": 1, "objects": [{"name": "x", "prompts": [{"frame": 0, "box": [0, 0, 1, 1]}]}]},
     r"objects\[0\]: 'id' is required"),
    ({"version": 1, "objects": [{"id": 3, "prompts": []}]}, "object 3: 'prompts' is required"),
    ({"version": 1, "objects": [{"id": 3, "prompts": [{"points": [[1, 2]]}]}]},
     "object 3, prompt 0: 'frame' is required"),
    ({"version": 1, "objects": [{"id": 3, "prompts": [{"frame": 7}]}]},
     r"object 3, prompt 0 \(frame 7\): give at least one"),
    ({"version": 1, "objects": [{"id": 3, "prompts": [{"frame": 7, "points": [[1, 2]],
                                                        "labels": [1, 0]}]}]},
     r"prompt 0 \(frame 7\): 'labels' has 2 entries for 1 points"),
    ({"version": 1, "objects": [{"id": 3, "prompts": [{"frame": 1, "box": [5, 5, 2, 9]}]}]},
     "'box' .* must have x1 > x0"),
    ({"version": 1, "objects": [{"id": 3, "prompts": [{"frame": 1, "points": [[1, "a"]]}]}]},
     "'points' must be a list of"),
    ({"version": 1, "objects": [{"id": 3, "prompts": [{"frame": 1, "labels": [2],
                                                        "points": [[1, 1]]}]}]},
     "'labels' must be a list of 1"),
    ({"version": 1, "objects": [{"id": 3, "prompts": [{"frame": 1, "mask": "nope.png"}]}]},
     "'mask' file .*nope.png does not exist"),
    ({"version": 1, "objects": [{"id": 3, "prompts": [{"frame": 1, "box": [0, 0, 1, 1],
                                                        "bx": 1}]}]},
     "object 3, prompt 0 \\(frame 1\\): unknown key 'bx'"),
    ({"version": 1, "objects": [{"id": 1, "prompts": [{"frame": 0, "box": [0, 0, 1, 1]}]},
                                {"id": 1, "prompts": [{"frame": 0, "box": [0, 0, 1, 1]}]}]},
     "object 1: 'id' is used by two objects"),
])
def test_errors_name_the_object_frame_and_key(tmp_path, data, message):
    path = write(tmp_path, data)
    with pytest.raises(PromptsError, match=message) as info:
        load_prompts(path)
    assert str(path) in str(info.value) and PromptsError.user_error is True


def test_invalid_json_and_missing_file(tmp_path):
    with pytest.raises(PromptsError, match="line 1, column"):
        load_prompts(write(tmp_path, "{version: 1"))
    with pytest.raises(PromptsError, match="cannot read"):
        load_prompts(tmp_path / "absent.json")


def test_checks_against_the_clip(tmp_path):
    cv2.imwrite(str(tmp_path / "small.png"), np.ones((10, 10), np.uint8))

    def prompts(prompt):
        return parse_prompts({"version": 1, "objects": [{"id": 9, "prompts": [prompt]}]}, tmp_path)

    with pytest.raises(PromptsError, match=r"object 9, prompt 0 \(frame 8\): 'frame' is past"):
        check_against_clip(prompts({"frame": 8, "box": [0, 0, 5, 5]}), 8, 64, 48)
    with pytest.raises(PromptsError, match=r"point \[70, 3\] is outside the 64x48 frame"):
        check_against_clip(prompts({"frame": 0, "points": [[70, 3]]}), 8, 64, 48)
    with pytest.raises(PromptsError, match="'box' .* is outside"):
        check_against_clip(prompts({"frame": 0, "box": [100, 0, 120, 5]}), 8, 64, 48)
    with pytest.raises(PromptsError, match="is 10x10, the frames are 64x48"):
        check_against_clip(prompts({"frame": 0, "mask": "small.png"}), 8, 64, 48)
