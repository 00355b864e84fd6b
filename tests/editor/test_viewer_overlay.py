"""Mask overlay pixels: fill opacity, coloured edge and the contrasting halo around it."""

import numpy as np
import pytest

from editor.viewer import OverlayStyle, halo_rgb, overlay_image


def rgba(image) -> np.ndarray:
    h, w = image.height(), image.width()
    return np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())[
        :, : 4 * w].reshape(h, w, 4).copy()


def square(size: int, lo: int, hi: int) -> np.ndarray:
    alpha = np.zeros((size, size), np.uint8)
    alpha[lo:hi, lo:hi] = 255
    return alpha


def test_fill_edge_and_halo_pixels():
    red = (230, 25, 75)
    px = rgba(overlay_image(square(40, 10, 30), OverlayStyle(red, 0.5)))
    assert tuple(px[20, 20]) == (*red, 127)  # inside: the colour at the object's opacity
    assert tuple(px[20, 10]) == (*red, 255) and tuple(px[20, 29]) == (*red, 255)  # edge
    assert tuple(px[20, 9]) == (*red, 255)  # the edge is two pixels: one each side
    assert tuple(px[20, 8]) == (255, 255, 255, 200)  # halo: white around a dark colour
    assert tuple(px[20, 30]) == (*red, 255) and tuple(px[20, 31]) == (255, 255, 255, 200)
    assert px[20, 7, 3] == 0 and px[20, 32, 3] == 0 and px[0, 0, 3] == 0  # outside: clear


def test_halo_contrasts_with_the_colour():
    assert halo_rgb((255, 225, 25)) == (0, 0, 0)
    assert halo_rgb((0, 0, 117)) == (255, 255, 255)
    yellow = rgba(overlay_image(square(40, 10, 30), OverlayStyle((255, 225, 25), 0.4)))
    assert tuple(yellow[20, 8]) == (0, 0, 0, 200)


@pytest.mark.parametrize("size, ring", [(1920, 2), (3840, 4)])
def test_outline_scales_with_the_frame(size, ring):
    alpha = np.zeros((64, size), np.uint8)
    alpha[:, size // 2:] = 255
    px = rgba(overlay_image(alpha, OverlayStyle((60, 180, 75), 0.5)))
    x = size // 2
    edge = px[32, x - 2 * ring : x + 2 * ring + 1]
    assert (edge[:, 3] == 255).sum() == 2 * ring  # edge: ring px each side of the boundary
    assert (edge[:, 3] == 200).sum() == ring  # halo outside only
    assert tuple(px[32, x - ring - 1, :3]) == (0, 0, 0)
