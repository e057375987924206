"""Moving a technology table to another process node (Stillmaker & Baas, Integration 2017).

Stillmaker & Baas fit energy, delay and area of CMOS devices from 180 nm to 7 nm. The
factors below are their published per-node values normalised to 45 nm (see _FACTORS's
source note). Energy entries (pJ) scale with the energy factor, areas with the area factor,
leakage density (mW/mm²) with energy/area over delay, which keeps static power per
function consistent with the same fit. Nodes between table points interpolate log-log.
"""

from __future__ import annotations

import bisect
import math

from dse.errors import DseInputError
from dse.schema.technology import Technology

# node (nm): (energy, delay, area) relative to 45 nm, high-performance (HP) devices at each
# node's PTM nominal supply (45 nm 1.0 V, 32 nm 0.9 V, 20 nm 0.9 V, 16 nm 0.85 V, 14 nm 0.8 V,
# 10 nm 0.75 V, 7 nm 0.7 V; 180-65 nm 1.8/1.3/1.2/1.1 V). Energy and delay are the paper's
# fitted polynomials (Table 5 coefficients, as embedded in UCLA NanoCAD's nodeScale.py and
# cross-checked with the authors' corrigendum and EPFL-LAP/fpga21-scaled-tech) evaluated at
# those voltages; area is nodeScale's area table from the same paper. The paper has no
# 22 nm row: 22 nm interpolates between 32 and 20 nm.
_FACTORS: dict[float, tuple[float, float, float]] = {
    7.0: (0.056, 0.259, 0.059),
    10.0: (0.082, 0.307, 0.10),
    14.0: (0.112, 0.361, 0.17),
    16.0: (0.161, 0.512, 0.19),
    20.0: (0.233, 0.757, 0.21),
    32.0: (0.531, 0.669, 0.46),
    45.0: (1.0, 1.0, 1.0),
    65.0: (1.95, 1.53, 1.5),
    90.0: (3.73, 1.89, 2.8),
    130.0: (7.32, 2.56, 6.4),
    180.0: (30.6, 6.32, 19.0),
}
_SOURCE = "Stillmaker & Baas, Integration 58:74-81 (2017), HP devices at nominal Vdd, normalised to 45 nm"


def factors(node_nm: float) -> tuple[float, float, float]:
    """(energy, delay, area) of ``node_nm`` relative to 45 nm."""
    nodes = sorted(_FACTORS)
    if not nodes[0] <= node_nm <= nodes[-1]:
        raise DseInputError(
            f"technology node {node_nm:g} nm is outside the scaling table ({nodes[0]:g} to {nodes[-1]:g} nm)"
        )
    if node_nm in _FACTORS:
        return _FACTORS[node_nm]
    i = bisect.bisect_left(nodes, node_nm)
    n0, n1 = nodes[i - 1], nodes[i]
    t = math.log(node_nm / n0) / math.log(n1 / n0)
    return tuple(  # type: ignore[return-value]
        math.exp(math.log(a) + t * (math.log(b) - math.log(a)))
        for a, b in zip(_FACTORS[n0], _FACTORS[n1], strict=True)
    )


def scale_technology(base: Technology, node_nm: float) -> Technology:
    """``base`` moved from its node to ``node_nm``."""
    e0, d0, a0 = factors(base.node_nm)
    e1, d1, a1 = factors(node_nm)
    e, a = e1 / e0, a1 / a0
    leak = e / a / (d1 / d0)
    return base.model_copy(update={
        "name": f"{base.name}@{node_nm:g}nm",
        "node_nm": node_nm,
        "add_pj": {k: v * e for k, v in base.add_pj.items()},
        "mul_pj": {k: v * e for k, v in base.mul_pj.items()},
        "sram_read_pj_per_bit": {k: v * e for k, v in base.sram_read_pj_per_bit.items()},
        "dram_pj_per_bit": base.dram_pj_per_bit,  # off-chip: the DRAM interface does not follow the logic node
        "register_pj_per_bit": base.register_pj_per_bit * e,
        "leakage_mw_per_mm2": base.leakage_mw_per_mm2 * leak,
        "sram_um2_per_bit": base.sram_um2_per_bit * a,
        "add_um2": {k: v * a for k, v in base.add_um2.items()},
        "mul_um2": {k: v * a for k, v in base.mul_um2.items()},
        "register_um2_per_bit": base.register_um2_per_bit * a,
        "sources": {**base.sources, "scaling": f"{_SOURCE}; {base.node_nm:g} nm -> {node_nm:g} nm"},
    })
