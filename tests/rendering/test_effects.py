"""Each effect changes exactly the pixels it should; registry, metadata and JSON round trip."""

from __future__ import annotations

import dataclasses
import json

import cv2
import numpy as np
import pytest

from rendering.effects import EffectContext, make_effect, pixels, registry
from rendering.effects.stack import EffectInstance, ObjectStack, RenderStacks
from rendering.keyframes import Keyframe, KeyframeTrack

H, W = 72, 128


@pytest.fixture()
def frame() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(30, 220, (H, W, 3), dtype=np.uint8)


@pytest.fixture()
def mask() -> np.ndarray:
    m = np.zeros((H, W), np.float32)
    m[20:50, 40:90] = 1.0
    return m


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a[..., :3].astype(int) - b[..., :3].astype(int)).max(axis=2) > 0


# effect → (params, region that must stay exactly unchanged: "inside" or "outside" the mask)
CASES = {
    "background-blur": ({"radius_px": 8.0}, "inside"),
    "background-color": ({"colour": "#00ff00"}, "inside"),
    "background-desaturate": ({}, "inside"),
    "background-pixelate": ({"block_size_px": 8.0}, "inside"),
    "background-dim": ({}, "inside"),
    "object-blur": ({"radius_px": 8.0}, "outside"),
    "object-pixelate": ({"block_size_px": 8.0}, "outside"),
    "object-fill": ({"colour": "#ff00ff"}, "outside"),
    "object-highlight": ({}, "outside"),
    "object-remove": ({"margin_px": 0.0}, "outside"),
    "spotlight": ({}, "inside"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_effect_changes_only_its_region(name, frame, mask):
    params, unchanged = CASES[name]
    out = make_effect(name, params).apply(frame, mask, EffectContext())
    assert out.shape == frame.shape and out.dtype == np.uint8
    changed = _changed(out, frame)
    inside = mask > 0.5
    keep = inside if unchanged == "inside" else ~inside
    assert not changed[keep].any(), f"{name} changed pixels it must not touch"
    other = ~keep
    assert changed[other].mean() > 0.5, f"{name} left its region mostly unchanged"


def test_exact_values(frame, mask):
    inside = mask > 0.5
    out = make_effect("background-color", {"colour": "#00ff00"}).apply(frame, mask,
                                                                      EffectContext())
    assert (out[~inside] == (0, 255, 0)).all()
    out = make_effect("object-fill", {"colour": "#102030"}).apply(frame, mask, EffectContext())
    assert (out[inside] == (16, 32, 48)).all()
    out = make_effect("background-dim", {"amount": 1.0}).apply(frame, mask, EffectContext())
    assert (out[~inside] == 0).all()


def test_soft_mask_blends_proportionally(frame):
    half = np.full((H, W), 0.5, np.float32)
    out = make_effect("object-fill", {"colour": "#000000"}).apply(frame, half, EffectContext())
    np.testing.assert_allclose(out.astype(int), frame.astype(int) / 2, atol=1)


def test_outline_and_glow_only_outside(frame, mask):
    inside = mask > 0.5
    for name in ("object-outline", "object-glow"):
        out = make_effect(name, {"width_px": 3.0}).apply(frame, mask, EffectContext())
        changed = _changed(out, frame)
        assert not changed[inside].any()
        ring = cv2.dilate(inside.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        assert changed[ring & ~inside].mean() > 0.9
        assert not changed[~cv2.dilate(inside.astype(np.uint8),
                                       np.ones((41, 41), np.uint8)).astype(bool)].any()


def test_remove_and_cutout_make_alpha(frame, mask):
    out = make_effect("background-remove").apply(frame, mask, EffectContext())
    assert out.shape == (H, W, 4)
    assert (out[..., 3][mask > 0.5] == 255).all() and (out[..., 3][mask == 0] == 0).all()
    assert (out[..., :3] == frame).all()
    cut = make_effect("cutout").apply(frame, mask, EffectContext())
    assert (cut[..., 3] == out[..., 3]).all()


def test_background_image_and_replace(tmp_path, frame, mask):
    img = np.zeros((10, 20, 4), np.uint8)
    img[..., 2] = 255  # blue in RGB
    img[..., 3] = 255
    path = tmp_path / "sticker.png"
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA))
    out = make_effect("background-image", {"path": str(path), "fit": "stretch"}).apply(
        frame, mask, EffectContext())
    assert (out[mask == 0] == (0, 0, 255)).all() and (out[mask > 0.5] == frame[mask > 0.5]).all()
    # sticker 2:1 over the 50×30 box, keep aspect → 50×25 centred on the box
    out = make_effect("object-replace", {"path": str(path)}).apply(frame, mask, EffectContext())
    changed = _changed(out, frame)
    ys, xs = np.nonzero(changed)
    assert (xs.min(), xs.max() + 1) == (40, 90)
    assert ys.min() >= 20 and ys.max() < 50 and ys.max() + 1 - ys.min() == 25
    moved = make_effect("object-replace", {"path": str(path), "offset_x": 0.2}).apply(
        frame, mask, EffectContext())
    xs = np.nonzero(_changed(moved, frame))[1]
    assert (xs.min(), xs.max() + 1) == (50, 100)


def test_background_video_loops(frame, mask):
    class Clip:
        def __len__(self):
            return 3

        def read(self, i):
            return np.full((36, 64, 3), 10 * (i + 1), np.uint8)

    effect = make_effect("background-video", {"path": "x.mp4", "mode": "loop"})
    ctx = EffectContext(frame_index=4, open_media=lambda p: Clip())
    out = effect.apply(frame, mask, ctx)
    assert (out[mask == 0] == 20).all()  # frame 4 → background frame 1
    held = make_effect("background-video", {"path": "x.mp4", "mode": "hold"})
    assert (held.apply(frame, mask, ctx)[mask == 0] == 30).all()


def test_object_remove_uses_neighbouring_frames():
    """A square moving over a static background is erased with the true background."""
    bg = np.random.default_rng(1).integers(0, 255, (H, W, 3), dtype=np.uint8)
    masks = {}
    frames = {}
    for i in range(9):
        m = np.zeros((H, W), np.float32)
        m[20:40, 10 + 8 * i:30 + 8 * i] = 1.0
        f = bg.copy()
        f[m > 0] = (255, 0, 0)
        masks[i], frames[i] = m, f

    class Frames:
        def __len__(self):
            return 9

        def read(self, i):
            return frames[i]

    class Masks:
        def read(self, oid, i):
            return masks.get(i)

    ctx = EffectContext(frame_index=4, object_id=1, frames=Frames(), masks=Masks())
    out = make_effect("object-remove", {"temporal_frames": 4}).apply(frames[4], masks[4], ctx)
    assert np.array_equal(out, bg)


def test_registry_metadata_and_json_round_trip():
    names = set(registry())
    assert len(names) >= 18
    for name, cls in registry().items():
        effect = cls()
        for field_name, meta in cls.fields_metadata():
            assert meta.get("label"), f"{name}.{field_name} has no label"
            assert meta.get("kind") in ("float", "int", "colour", "file", "choice", "bool")
        first = next((f for f in dataclasses.fields(cls) if f.metadata["kind"] == "float"),
                     None)
        keys = {}
        if first is not None:
            keys[first.name] = KeyframeTrack((Keyframe(0, 1.0), Keyframe(10, 3.0, "hold")))
        inst = EffectInstance(effect, enabled=False, keyframes=tuple(keys.items()))
        text = json.dumps(inst.to_json())
        assert EffectInstance.from_json(json.loads(text)) == inst
    stacks = RenderStacks((ObjectStack(3, (EffectInstance(make_effect("object-blur")),)),),
                          (EffectInstance(make_effect("background-dim")),))
    assert RenderStacks.from_json(json.loads(json.dumps(stacks.to_json()))) == stacks


def test_unknown_effect_is_a_user_error():
    with pytest.raises(ValueError) as err:
        make_effect("background-blurr")
    assert getattr(type(err.value), "user_error", False)
    with pytest.raises(ValueError):
        make_effect("background-blur", {"radius": 3})


@pytest.mark.parametrize("name", sorted(CASES))
def test_effects_keep_alpha_of_rgba_frames(name, frame, mask):
    alpha = np.full((H, W), 77, np.uint8)
    rgba = np.dstack([frame, alpha])
    out = make_effect(name).apply(rgba, mask, EffectContext())
    assert out.shape == (H, W, 4) and (out[..., 3] == 77).all()
    rgb_out = make_effect(name).apply(frame, mask, EffectContext())
    np.testing.assert_array_equal(out[..., :3], rgb_out)


def test_object_remove_inpaints_a_large_hole_smoothly():
    """Without neighbours the hole is inpainted (downscaled for large holes): the fill matches
    the surrounding smooth gradient and nothing outside changes."""
    h, w = 240, 320
    yy, xx = np.mgrid[:h, :w]
    frame = np.dstack([xx * 255 // w, yy * 255 // h, np.full((h, w), 90)]).astype(np.uint8)
    painted = frame.copy()
    mask = np.zeros((h, w), np.float32)
    mask[60:180, 80:240] = 1.0
    painted[mask > 0] = (255, 0, 255)
    out = make_effect("object-remove", {"margin_px": 0.0}).apply(painted, mask,
                                                                  EffectContext())
    inside = mask > 0
    assert np.array_equal(out[~inside], frame[~inside])
    assert np.abs(out[inside].astype(int) - frame[inside].astype(int)).mean() < 30


def test_object_remove_median_is_nanmedian():
    """The neighbours' median (sorted with a sentinel) equals np.nanmedian, even counts
    included (mean of the two middle values)."""
    from rendering.effects.object_remove import _nan_median

    rng = np.random.default_rng(3)
    values = rng.integers(0, 256, (9, 500, 3), dtype=np.uint8)
    valid = rng.random((9, 500)) < 0.5
    valid[0, ~valid.any(axis=0)] = True
    with_nan = np.where(valid[..., None], values.astype(np.float32), np.nan)
    np.testing.assert_array_equal(_nan_median(values, valid), np.nanmedian(with_nan, axis=0))
    assert set(valid.sum(axis=0) % 2) == {0, 1}


@pytest.mark.parametrize("box", [(100, 130, 150, 190), (0, 40, 0, 50), (200, 240, 270, 320)])
def test_object_remove_inpaints_around_the_hole_as_full_frame_telea(box):
    """Inpainting a crop around a small hole (Telea reads only pixels within its radius)
    gives exactly what OpenCV gives on the whole frame."""
    from rendering.effects.object_remove import inpaint

    rng = np.random.default_rng(4)
    img = cv2.GaussianBlur(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8), (0, 0), 3)
    missing = np.zeros((240, 320), bool)
    y0, y1, x0, x1 = box
    missing[y0:y1, x0:x1] = True
    whole = cv2.inpaint(img, missing.astype(np.uint8) * 255, 5.0, cv2.INPAINT_TELEA)
    np.testing.assert_array_equal(inpaint(img, missing, 5.0), whole)


@pytest.mark.parametrize("radius_px,mean_tol,max_tol", [(6.0, 0.05, 1), (24.0, 0.7, 5)])
def test_blur_matches_a_full_resolution_gaussian(radius_px, mean_tol, max_tol):
    """Small radii: OpenCV's Gaussian within one level; large radii run on a downscaled copy
    and stay close to the full-resolution result (away from the frame's border)."""
    from rendering.effects.pixels import blur

    rng = np.random.default_rng(5)
    img = cv2.resize(rng.integers(0, 256, (45, 80, 3), dtype=np.uint8), (640, 360),
                     interpolation=cv2.INTER_CUBIC)
    want = cv2.GaussianBlur(img, (0, 0), radius_px / 2).astype(int)
    err = np.abs(blur(img, radius_px).astype(int) - want)
    assert err.mean() < mean_tol and err[16:-16, 16:-16].max() <= max_tol


@pytest.mark.parametrize("channels,reuse", [(3, True), (3, False), (4, False)])
def test_blend_is_the_weighted_mean(channels, reuse):
    """Soft weights within 1.5 levels of the float formula (8-bit weights, two roundings);
    weight 0 keeps ``base`` and weight 1 gives ``top`` exactly; ``base`` is only written
    when it may be reused."""
    from rendering.effects.pixels import blend

    rng = np.random.default_rng(6)
    base = rng.integers(0, 256, (60, 90, channels), dtype=np.uint8)
    top = rng.integers(0, 256, (60, 90, channels), dtype=np.uint8)
    weight = np.zeros((60, 90), np.float32)
    weight[10:50, 20:70] = rng.random((40, 50), dtype=np.float32)
    weight[20:30, 30:40] = 1.0
    before = base.copy()
    out = blend(base, top, weight, reuse_base=reuse)
    w = weight[..., None].astype(np.float64)
    exact = before * (1 - w) + top * w
    err = np.abs(out - exact)
    assert err.max() <= 1.5 and err[(weight > 0) & (weight < 1)].mean() < 0.4
    np.testing.assert_array_equal(out[weight == 0], before[weight == 0])
    np.testing.assert_array_equal(out[weight == 1], top[weight == 1])
    assert (out is base) == reuse
    if not reuse:
        np.testing.assert_array_equal(base, before)


@pytest.mark.parametrize("name", ["object-outline", "object-glow"])
def test_outline_and_glow_paint_over_transparency(name, frame, mask):
    """Around a cut-out object the paint raises alpha (a sticker outline survives export)."""
    cut = np.dstack([frame, (mask * 255).astype(np.uint8)])  # background-remove's output
    effect = make_effect(name)
    out = effect.apply(cut, mask, EffectContext())
    if name == "object-outline":  # a hard band 4 px wide: fully opaque
        r = int(effect.width_px)
        band = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
        coverage = band - mask
    else:  # the glow's documented weight: blurred mask (sigma width/2) × 2, × strength
        halo = np.clip(cv2.GaussianBlur(mask, (0, 0), effect.width_px / 2) * 2, 0, 1)
        coverage = halo * (1 - mask) * effect.strength
    np.testing.assert_array_equal(out[mask > 0], cut[mask > 0])  # the object is untouched
    outside = mask == 0  # alpha there was 0: now the paint's coverage
    assert np.abs(out[..., 3][outside] - np.round(coverage[outside] * 255)).max() <= 1
    seen = (out[..., 3] > 0) & (mask == 0)
    assert seen.sum() > 100
    colour = np.array(pixels.parse_colour(effect.colour))
    assert (out[..., :3][seen] == colour).all()  # on a transparent pixel: the paint's colour


def test_paint_composites_over_straight_alpha():
    base = np.zeros((1, 4, 4), np.uint8)
    base[0, :, :3] = (100, 50, 0)
    base[0, :, 3] = (255, 128, 0, 255)
    top = np.zeros((1, 4, 3), np.uint8)
    top[:] = (200, 250, 100)
    out = pixels.paint(base, top, np.array([[0.5, 0.5, 0.5, 0.0]], np.float32))
    # opaque: the plain blend; half-transparent: alpha 0.5+0.25, colour weighted 2:1;
    # transparent: the paint alone at half alpha; weight 0: unchanged
    assert out[0, 0].tolist() == [150, 150, 50, 255]
    assert out[0, 1].tolist() == [167, 184, 67, 192]  # weights in 1/255 steps
    assert out[0, 2].tolist() == [200, 250, 100, 128]
    assert out[0, 3].tolist() == base[0, 3].tolist()
    rgb = base[..., :3].copy()
    np.testing.assert_array_equal(pixels.paint(rgb, top, np.full((1, 4), 0.5, np.float32)),
                                  pixels.blend(rgb, top, np.full((1, 4), 0.5, np.float32)))
