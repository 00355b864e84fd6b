"""How sure the offline engine is of a tracked mask, from its own evidence.

Each propagation step measures a few things it can see without ground truth
(:class:`StepEvidence`): whether the graph cut agreed with the flow-warped mask, whether the
mask's area jumped, whether its pixels still look like the object's colours, whether its edge
sits on image edges. :class:`ConfidenceModel` maps them to a per-frame evidence in [0, 1]
(a logistic function) and carries it along in time (errors accumulate: a frame after a doubtful
one is doubtful too), giving the confidence ``c`` in [0, 1].

The editor shows SAM 2's object score through ``sigmoid(score)`` and reads ``score > 0`` as
"present", so a present object's confidence is reported as the score
``logit((1 + c) / 2)``: always > 0, and ``c = 2 · sigmoid(score) − 1``
(:func:`score_from_confidence`, :func:`confidence_from_score`).

The weights were fitted to per-frame J on the six shared DAVIS-2016 clips and checked by
leave-one-clip-out cross-validation (``benchmarks/bench_offline.py --confidence``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Below this confidence a frame is worth checking (the timeline marks it).
CHECK_BELOW: float = 0.5

_EPS = 0.01


@dataclass(frozen=True)
class StepEvidence:
    """What one propagation step measured (all floats; dimensionless).

    Attributes:
        agreement: IoU in [0, 1] between the flow-warped mask and the refined one.
        area_jump: ``|log(refined area / warped area)|`` (0 = same size).
        area_drift: ``|log(area / area on the prompted frame)|``.
        colour_fit: fraction in [0, 1] of the mask's pixels likelier under the object's
            colour model than under the background's (0.5 when no model was learned).
        edge_support: image gradient on the mask's edge over the region's mean gradient,
            mapped to [0, 1) by ``x / (1 + x)``.
    """

    agreement: float
    area_jump: float
    area_drift: float
    colour_fit: float
    edge_support: float

    def vector(self) -> np.ndarray:
        """The evidence as a (5,) float64 feature vector (the order of the weights)."""
        return np.array([self.agreement, self.area_jump, self.area_drift, self.colour_fit,
                         self.edge_support], np.float64)


@dataclass(frozen=True)
class ConfidenceModel:
    """Logistic map of :class:`StepEvidence` to [0, 1], smoothed in time.

    Attributes:
        weights: (5,) weights of :meth:`StepEvidence.vector`.
        bias: added before the logistic function.
        carry: share of the previous frame's confidence kept (0 = no memory); a prompted
            frame has confidence 1.
    """

    # What nested leave-one-clip-out over the six DAVIS clips chose (all five features,
    # carry 0.3), fitted on all six (benchmarks/bench_offline.py --confidence).
    weights: tuple[float, float, float, float, float] = (0.83, -1.37, -0.66, 2.64, -2.44)
    bias: float = 0.57
    carry: float = 0.3

    def evidence(self, ev: StepEvidence) -> float:
        """Per-frame evidence in [0, 1]."""
        z = self.bias + float(np.dot(np.asarray(self.weights), ev.vector()))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def update(self, previous: float, ev: StepEvidence) -> float:
        """Confidence in [0, 1] on a tracked frame from its neighbour's confidence."""
        return self.carry * previous + (1.0 - self.carry) * self.evidence(ev)


def score_from_confidence(confidence: float) -> float:
    """Object score (> 0, a logit) of a present object with ``confidence`` in [0, 1]."""
    c = min(1.0 - _EPS, max(_EPS, float(confidence)))
    p = 0.5 * (1.0 + c)
    return math.log(p / (1.0 - p))


def confidence_from_score(score: float) -> float:
    """Inverse of :func:`score_from_confidence`; 0 for an absent object (score ≤ 0)."""
    if not score > 0:
        return 0.0
    return 2.0 / (1.0 + math.exp(-min(30.0, float(score)))) - 1.0
