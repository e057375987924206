"""The layers of the ZigZag cross-check, as dse layers and as ZigZag 3.x layer dictionaries.

ResNet-18: every distinct convolution of benchmarks/resnet18_layers.py and its fc layer
(He et al., CVPR 2016, Table 1). MobileNetV2: the first convolution, the first two
bottlenecks' layers (a depthwise of stride 1 and of stride 2), the last bottleneck's and the
last 1x1 convolution (Sandler et al., CVPR 2018, Table 2, 224 x 224 input). GEMMs: BERT-base's
token-wise projections on 128 tokens (Devlin et al., NAACL 2019: hidden 768, FFN 3072).
Every layer is 8-bit weights and activations, as ZigZag's ONNX parser defaults them
(``zigzag/parser/onnx/onnx_operator_parser.py``: 8-bit weights and activations, partial sums
twice the activation width).
"""

from __future__ import annotations

from typing import Any

from resnet18_layers import resnet18

BITS = 8
PSUM_BITS = 2 * BITS


def _conv(name: str, c_in: int, c_out: int, size: int, kernel: int, stride: int, groups: int = 1) -> dict[str, Any]:
    return {"name": name, "kind": "conv2d", "in_channels": c_in, "out_channels": c_out, "in_height": size,
            "in_width": size, "kernel": kernel, "stride": stride, "padding": kernel // 2, "groups": groups}


def _gemm(name: str, tokens: int, k: int, m: int) -> dict[str, Any]:
    return {"name": name, "kind": "dense", "tokens": tokens, "in_features": k, "out_features": m}


MOBILENETV2 = (
    _conv("mbv2.conv1", 3, 32, 224, 3, 2),
    _conv("mbv2.b1.dw", 32, 32, 112, 3, 1, groups=32),
    _conv("mbv2.b1.project", 32, 16, 112, 1, 1),
    _conv("mbv2.b2.expand", 16, 96, 112, 1, 1),
    _conv("mbv2.b2.dw", 96, 96, 112, 3, 2, groups=96),
    _conv("mbv2.b2.project", 96, 24, 56, 1, 1),
    _conv("mbv2.b17.expand", 160, 960, 7, 1, 1),
    _conv("mbv2.b17.project", 960, 320, 7, 1, 1),
    _conv("mbv2.conv2", 320, 1280, 7, 1, 1),
)

GEMMS = (
    _gemm("bert.qkv", 128, 768, 768),
    _gemm("bert.ffn1", 128, 768, 3072),
    _gemm("bert.ffn2", 128, 3072, 768),
)


def resnet18_layers() -> tuple[dict[str, Any], ...]:
    """ResNet-18's distinct convolutions (the first of each shape) and its fc layer."""
    seen, layers = set(), []
    for layer in resnet18().layers:
        if layer.kind not in ("conv2d", "dense"):
            continue
        d = layer.model_dump(include={"name", "kind", "in_channels", "out_channels", "in_height", "in_width",
                                      "kernel", "stride", "padding", "groups", "in_features", "out_features"},
                             exclude_none=True)
        key = tuple(sorted((k, str(v)) for k, v in d.items() if k != "name"))
        if key not in seen:
            seen.add(key)
            layers.append({"name": f"resnet18.{d['name']}", **{k: v for k, v in d.items() if k != "name"}})
    return tuple(layers)


def layers() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(network, dse layer) of every layer compared."""
    return (tuple(("ResNet-18", layer) for layer in resnet18_layers())
            + tuple(("MobileNetV2", layer) for layer in MOBILENETV2)
            + tuple(("GEMM", layer) for layer in GEMMS))


def dse_layer(layer: dict[str, Any]) -> dict[str, Any]:
    """The layer at 8 bits and dense activations (ZigZag knows neither zeros nor padding skips)."""
    return {**layer, "weight_bits": BITS, "activation_bits": BITS, "input_density": 1.0}


def zigzag_layer(layer: dict[str, Any], ident: int) -> dict[str, Any]:
    """The layer in ZigZag's workload format (the one its ONNX parser builds:
    ``zigzag/parser/onnx/conv_parser.py`` and ``gemm_parser.py``)."""
    precision = {"W": BITS, "I": BITS, "O_final": BITS, "O": PSUM_BITS}
    base = {"id": ident, "name": layer["name"], "operand_precision": precision, "operand_source": {"I": ident}}
    if layer["kind"] == "dense":
        tokens = layer.get("tokens", 1)
        return {**base, "operator_type": "Gemm", "equation": "O[d][k]+=I[d][c]*W[c][k]", "dimension_relations": [],
                "loop_dims": ["C", "D", "K"], "loop_sizes": [layer["in_features"], tokens, layer["out_features"]]}
    kernel, stride, pad, groups = layer["kernel"], layer.get("stride", 1), layer.get("padding", 0), layer.get("groups", 1)
    size = layer["in_height"]
    out = (size + 2 * pad - kernel) // stride + 1
    return {**base, "operator_type": "Conv",
            "equation": "O[b][g][k][oy][ox]+=W[g][k][c][fy][fx]*I[b][g][c][iy][ix]",
            "dimension_relations": [f"ix={stride}*ox+1*fx", f"iy={stride}*oy+1*fy"],
            "loop_dims": ["B", "K", "G", "OX", "OY", "C", "FX", "FY"],
            "loop_sizes": [1, layer["out_channels"] // groups, groups, out, out, layer["in_channels"] // groups,
                           kernel, kernel],
            "pr_loop_dims": ["IX", "IY"], "pr_loop_sizes": [size, size], "padding": [[pad, pad], [pad, pad]]}
