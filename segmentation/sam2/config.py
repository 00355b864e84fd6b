"""Typed model configuration: a name plus manifest-schema hyper-parameters.

``resolve_config`` accepts an official name (see ``configs.CONFIG_NAMES``), a path to a JSON
file in the manifest schema (``{"hyperparameters": {...}}`` or the bare hyper-parameters),
a dict of either form, or a :class:`SAM2Config`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segmentation.errors import ConfigError
from segmentation.sam2.configs import CONFIG_NAMES, official_hyperparameters

#: What the official image/video builders add on top of the YAML (decoder options).
INFERENCE_DEFAULTS: dict[str, Any] = dict(
    dynamic_multimask_via_stability=True,
    dynamic_multimask_stability_delta=0.05,
    dynamic_multimask_stability_thresh=0.98,
)


@dataclass(frozen=True)
class SAM2Config:
    """Hyper-parameters of one SAM 2 model.

    Attributes:
        name: official name (e.g. ``"sam2.1_hiera_t"``) or a label for custom configs.
        hyperparameters: nested dict in the reference-manifest schema (treat as read-only).
        decoder_options: dynamic multimask settings of the mask decoder.
    """

    name: str
    hyperparameters: dict[str, Any]
    decoder_options: dict[str, Any] = field(default_factory=lambda: dict(INFERENCE_DEFAULTS))

    @property
    def image_size(self) -> int:
        """Square model-input side S in pixels."""
        return int(self.hyperparameters["image_size"])

    @property
    def hidden_dim(self) -> int:
        """Channels of the image embedding / prompt tokens (neck d_model)."""
        return int(self.hyperparameters["image_encoder"]["neck"]["d_model"])

    @property
    def mem_dim(self) -> int:
        """Channels of the spatial memory (memory encoder out_dim)."""
        return int(self.hyperparameters["memory_encoder"]["out_dim"])

    @property
    def embedding_size(self) -> int:
        """Side of the image embedding: S / backbone_stride."""
        return self.image_size // int(self.hyperparameters["backbone_stride"])

    def flag(self, key: str) -> Any:
        """A top-level hyper-parameter (``pred_obj_scores``, ``num_maskmem``, ...)."""
        return self.hyperparameters[key]


def _from_mapping(data: dict[str, Any], name: str) -> SAM2Config:
    hp = data.get("hyperparameters", data)
    if not isinstance(hp, dict) or "image_encoder" not in hp or "image_size" not in hp:
        raise ConfigError(f"{name}: not a SAM 2 config (no image_encoder/image_size); "
                          "give an official name or a manifest-schema JSON file")
    return SAM2Config(name=str(data.get("config", name)), hyperparameters=copy.deepcopy(hp))


def resolve_config(config: str | Path | dict[str, Any] | SAM2Config) -> SAM2Config:
    """Turn a name, JSON path, dict or config into a :class:`SAM2Config`."""
    if isinstance(config, SAM2Config):
        return config
    if isinstance(config, dict):
        return _from_mapping(config, "config dict")
    if isinstance(config, str) and config in CONFIG_NAMES:
        return SAM2Config(name=config, hyperparameters=official_hyperparameters(config))
    path = Path(config)
    if not path.is_file():
        raise ConfigError(f"unknown SAM 2 config {str(config)!r}: use one of "
                          f"{', '.join(CONFIG_NAMES)} or a path to a JSON config file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the config JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not a SAM 2 config JSON object")
    return _from_mapping(data, path.stem)
