"""Object proposals ("segment everything"): a grid of point prompts on one image embedding,
filtered by predicted IoU and stability, de-duplicated by box NMS and cleaned of specks/holes.

Entry point: :func:`propose_objects`. Qt-free; torch, numpy and OpenCV only.
"""

from segmentation.proposals.decoder import DecodedBatch, PointPromptDecoder, as_point_decoder
from segmentation.proposals.engine import ProposalsCancelled, propose_objects
from segmentation.proposals.types import Proposal, ProposalSettings

__all__ = [
    "DecodedBatch",
    "PointPromptDecoder",
    "Proposal",
    "ProposalSettings",
    "ProposalsCancelled",
    "as_point_decoder",
    "propose_objects",
]
