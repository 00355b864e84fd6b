"""Offline engine, where a click's object ends (issue 18): the geodesic distance matches an
exact shortest path, and one click gives a whole object whatever its size."""

from __future__ import annotations

import heapq

import cv2
import numpy as np

from segmentation.offline import OfflineTracker
from segmentation.offline.geodesic import geodesic_distance
from tests.segmentation.test_offline_tracker import H, W, background, iou


def _dijkstra(image: np.ndarray, seeds: np.ndarray, step: float) -> np.ndarray:
    h, w = seeds.shape
    dist = np.full((h, w), np.inf)
    heap = [(0.0, int(y), int(x)) for y, x in zip(*np.nonzero(seeds))]
    for _, y, x in heap:
        dist[y, x] = 0.0
    while heap:
        d, y, x = heapq.heappop(heap)
        if d > dist[y, x]:
            continue
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                yy, xx = y + dy, x + dx
                if (dy or dx) and 0 <= yy < h and 0 <= xx < w:
                    cost = step * (np.sqrt(2.0) if dy and dx else 1.0)
                    cost += float(np.linalg.norm(image[y, x] - image[yy, xx]))
                    if d + cost < dist[yy, xx] - 1e-9:
                        dist[yy, xx] = d + cost
                        heapq.heappush(heap, (d + cost, yy, xx))
    return dist


def test_geodesic_distance_matches_shortest_paths_and_stops_at_edges():
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.random((40, 50, 3)).astype(np.float32) * 40, (0, 0), 2)
    image[:, 25:] += 60  # a strong edge down the middle
    seeds = np.zeros((40, 50), bool)
    seeds[10, 5] = seeds[30, 12] = True
    ours = geodesic_distance(image, seeds, 0.5)
    exact = _dijkstra(image, seeds, 0.5)
    assert np.all(ours >= exact - 1e-3)  # sweeps never undercut a real path
    assert np.mean(np.abs(ours - exact)) < 0.02 * exact.mean()
    assert ours[:, 27:].min() > 55  # crossing the edge costs its height
    assert geodesic_distance(image, np.zeros((40, 50), bool), 0.5).min() >= 1e8


def _disc_on_texture(radius: int) -> tuple[np.ndarray, np.ndarray]:
    """A flat orange disc of ``radius`` px on a smooth green/blue texture (frame, mask)."""
    frame = cv2.GaussianBlur(background(4), (0, 0), 3)
    mask = np.zeros((H, W), np.uint8)
    cv2.circle(mask, (W // 2, H // 2), radius, 1, -1)
    frame[mask > 0] = (235, 140, 40)
    return frame, mask > 0


def test_one_click_gives_the_whole_object_small_or_large():
    for radius in (8, 25, 50):  # 1 % to 40 % of the frame
        frame, mask = _disc_on_texture(radius)
        got = OfflineTracker(frame[None]).add_prompt(
            0, 1, points=[[W // 2 + radius // 3, H // 2]], labels=[1]).mask(1)
        assert iou(got, mask) > 0.8, radius
