"""ResNet-18 (He et al., CVPR 2016; torchvision's layout) at 224 x 224 as a dse workload.

Residual joins are ``add`` layers whose ``skip_from`` names the block input (or the 1x1
stride-2 downsample conv); ``input_from`` sends the downsample conv the block's input.
"""

from __future__ import annotations

from typing import Any

from dse import Workload


def _conv(name: str, c_in: int, c_out: int, size: int, kernel: int, stride: int, padding: int,
          **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "conv2d", "in_channels": c_in, "out_channels": c_out, "in_height": size,
            "in_width": size, "kernel": kernel, "stride": stride, "padding": padding, **extra}


def resnet18() -> Workload:
    """ResNet-18's 20 convolutions, 1 dense layer, 2 pools, 8 residual adds and a flatten."""
    layers: list[dict[str, Any]] = [
        _conv("conv1", 3, 64, 224, 7, 2, 3),
        {"name": "maxpool", "kind": "pool", "mode": "max", "kernel": 3, "stride": 2, "padding": 1},
    ]
    block_input, channels, size = "maxpool", 64, 56
    for stage, width in enumerate((64, 128, 256, 512), start=1):
        for block in (1, 2):
            stride = 2 if stage > 1 and block == 1 else 1
            prefix = f"layer{stage}.{block}"
            layers.append(_conv(f"{prefix}.conv1", channels, width, size, 3, stride, 1))
            out = size // stride
            layers.append(_conv(f"{prefix}.conv2", width, width, out, 3, 1, 1))
            skip = block_input
            if stride == 2:
                layers.append(_conv(f"{prefix}.downsample", channels, width, size, 1, 2, 0, input_from=block_input))
                skip = f"{prefix}.downsample"
                layers.append({"name": f"{prefix}.add", "kind": "add", "skip_from": skip,
                               "input_from": f"{prefix}.conv2"})
            else:
                layers.append({"name": f"{prefix}.add", "kind": "add", "skip_from": skip})
            block_input, channels, size = f"{prefix}.add", width, out
    layers += [
        {"name": "avgpool", "kind": "pool", "mode": "avg", "kernel": 7},
        {"name": "flatten", "kind": "flatten"},
        {"name": "fc", "kind": "dense", "in_features": 512, "out_features": 1000},
    ]
    return Workload.model_validate({"name": "resnet18", "layers": layers})
