"""Where a tracked mask may grow: only onto pixels that move like the object.

The propagation step lets the graph cut add pixels in a ring around the flow-warped mask (room
for flow errors, parts coming into view, parts missed before). When a neighbour touching the
object has similar colours (a mug against a kettle) the colour models cannot tell them apart,
and since the ring moves outward with the mask every frame, the mask creeps onto the neighbour
frame after frame until an edge stronger than the contact stops it.

Motion can tell them apart: the object's pixels move together, the neighbour moves as the
background around it does. A ring pixel beyond a thin band of flow error may join the mask
only when its flow is closer to the flow of the object's pixels near it (the warped mask's
core) than to the flow of the background's pixels near it (outside the ring), and those two
differ by a measurable amount. Where object and surroundings move alike (both still), motion
gives no evidence and the mask may only grow by the thin band: it keeps its previous extent
instead of drifting. Pixels whose colours the prompted frame's models call object are left
to the graph cut (a limb's motion-blurred flow can look like the background's); the
previous mask moved rigidly by the object's median motion is gated the same way (pushed
against a still neighbour it would move the contact line onto it on every frame).

Arrays are at the step's work resolution; flows are h×w×2 float32 pixels.
"""

from __future__ import annotations

import cv2
import numpy as np


def local_mean_flow(flow: np.ndarray, support: np.ndarray, radius_px: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Mean flow (h×w×2) of the ``support`` pixels (h×w bool) near each pixel (two box
    filters of side ``2·radius_px + 1``: a tent of that radius), and where any support is
    near (h×w bool). Far from any support the mean of all support pixels is used."""
    h, w = support.shape
    stack = np.empty((h, w, 3), np.float32)  # (flow·weight, weight), filtered together
    stack[..., 2] = support
    np.multiply(flow, stack[..., 2:3], out=stack[..., :2])
    size = (2 * radius_px + 1, 2 * radius_px + 1)
    for _ in range(2):
        stack = cv2.blur(stack, size, borderType=cv2.BORDER_CONSTANT)
    weight = stack[..., 2]
    near = weight > 1e-3
    # where near, weight > 1e-3 and the maximum is the weight itself (no masked gathers)
    mean = stack[..., :2] / np.maximum(weight, 1e-3)[..., None]
    if not near.all():
        fallback = flow[support].mean(axis=0) if support.any() else np.zeros(2, np.float32)
        mean[~near] = fallback
    return mean, near


def moves_with_object(flow: np.ndarray, object_px: np.ndarray, background_px: np.ndarray,
                      radius_px: int, min_difference_px: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Pixels (h×w bool) whose flow is nearer the object's local flow than the background's,
    and where motion can tell (h×w bool: the two local flows differ by at least
    ``min_difference_px``).

    Args:
        flow: h×w×2 float32 optical flow (any one direction, pixels).
        object_px: h×w bool, pixels surely on the object (the warped mask's core).
        background_px: h×w bool, pixels surely not on it (beyond the ring).
        radius_px: how far the local flows reach (about the ring's width).
        min_difference_px: smallest difference of motion the flow can measure.
    """
    if not object_px.any() or not background_px.any():
        yes = np.ones(flow.shape[:2], bool)
        return yes, ~yes
    obj, _ = local_mean_flow(flow, object_px, radius_px)
    bg, _ = local_mean_flow(flow, background_px, radius_px)
    d_obj = np.linalg.norm(flow - obj, axis=2)
    d_bg = np.linalg.norm(flow - bg, axis=2)
    apart = np.linalg.norm(obj - bg, axis=2) >= min_difference_px
    return d_obj < d_bg, apart
