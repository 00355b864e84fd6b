"""SAM prompt encoder: points (random-Fourier features + label embeddings) and mask prompts.

Point coordinates are (x, y) in model-input pixels; labels 1 positive, 0 negative,
2/3 box corners, -1 padding. Masks are B×1×(4h)×(4w) logits, h×w the image-embedding size.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from segmentation.sam2.common import LayerNorm2d


class RandomFourierEncoding(nn.Module):
    """Positional encoding of normalised (x, y) in [0, 1] with a fixed Gaussian matrix."""

    def __init__(self, num_pos_feats: int) -> None:
        super().__init__()
        self.register_buffer("positional_encoding_gaussian_matrix",
                             torch.randn((2, num_pos_feats)))

    def encode(self, coords: Tensor) -> Tensor:
        """(…, 2) in [0, 1] → (…, 2·num_pos_feats) [sin, cos]."""
        matrix = self.positional_encoding_gaussian_matrix
        coords = (2 * coords - 1).to(matrix.dtype) @ matrix
        coords = 2 * math.pi * coords
        return torch.cat([torch.sin(coords), torch.cos(coords)], dim=-1)

    def grid(self, h: int, w: int) -> Tensor:
        """Dense encoding of an h×w grid of pixel centres: C×h×w."""
        device = self.positional_encoding_gaussian_matrix.device
        ys = (torch.arange(h, device=device, dtype=torch.float32) + 0.5) / h
        xs = (torch.arange(w, device=device, dtype=torch.float32) + 0.5) / w
        coords = torch.stack([xs[None, :].expand(h, w), ys[:, None].expand(h, w)], dim=-1)
        return self.encode(coords).permute(2, 0, 1)


class PromptEncoder(nn.Module):
    """Keys match the official ``sam_prompt_encoder``."""

    def __init__(self, embed_dim: int, embedding_size: tuple[int, int],
                 input_size: tuple[int, int], mask_in_chans: int = 16) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.image_embedding_size = embedding_size
        self.input_image_size = input_size
        self.mask_input_size = (4 * embedding_size[0], 4 * embedding_size[1])
        self.pe_layer = RandomFourierEncoding(embed_dim // 2)
        self.point_embeddings = nn.ModuleList(nn.Embedding(1, embed_dim) for _ in range(4))
        self.not_a_point_embed = nn.Embedding(1, embed_dim)
        quarter = mask_in_chans // 4
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, quarter, kernel_size=2, stride=2), LayerNorm2d(quarter), nn.GELU(),
            nn.Conv2d(quarter, mask_in_chans, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans), nn.GELU(),
            nn.Conv2d(mask_in_chans, embed_dim, kernel_size=1),
        )
        self.no_mask_embed = nn.Embedding(1, embed_dim)

    def get_dense_pe(self) -> Tensor:
        """1×C×h×w positional encoding of the image embedding grid."""
        return self.pe_layer.grid(*self.image_embedding_size).unsqueeze(0)

    def embed_points(self, coords: Tensor, labels: Tensor, pad: bool) -> Tensor:
        """coords B×P×2 (model pixels), labels B×P → B×(P+pad)×C sparse embeddings."""
        coords = coords + 0.5
        if pad:
            b = coords.shape[0]
            coords = torch.cat([coords, coords.new_zeros(b, 1, 2)], dim=1)
            labels = torch.cat([labels, -labels.new_ones(b, 1)], dim=1)
        h, w = self.input_image_size
        norm = torch.stack([coords[..., 0] / w, coords[..., 1] / h], dim=-1)
        emb = self.pe_layer.encode(norm)
        lab = labels[..., None]
        emb = torch.where(lab == -1, torch.zeros_like(emb), emb)
        emb = emb + (lab == -1) * self.not_a_point_embed.weight
        for value, table in enumerate(self.point_embeddings):
            emb = emb + (lab == value) * table.weight
        return emb

    def forward(self, coords: Tensor | None, labels: Tensor | None,
                masks: Tensor | None, batch: int = 1) -> tuple[Tensor, Tensor]:
        """Returns sparse B×N×C and dense B×C×h×w embeddings (padding point appended)."""
        weight = self.no_mask_embed.weight
        if coords is not None and labels is not None:
            sparse = self.embed_points(coords, labels, pad=True)
            batch = coords.shape[0]
        else:
            sparse = weight.new_zeros(batch, 0, self.embed_dim)
        if masks is not None:
            dense = self.mask_downscaling(masks.to(weight.dtype))
        else:
            h, w = self.image_embedding_size
            dense = weight.reshape(1, -1, 1, 1).expand(batch, -1, h, w)
        return sparse, dense
