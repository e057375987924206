"""The seed paper's figure: energy of the CNN layer against input sparsity, ours and published."""

from __future__ import annotations

import io
from pathlib import Path

from dse import Plugins, write_bytes_atomic
from dse_literature.reproduce import OTTATI_TABLE, _energy_split


def ottati_energy_figure(plugins: Plugins, path: Path) -> Path:
    """Lines: our SNN and ANN energy (nJ) for 90-99.5 % sparsity; dots: the published table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    sparsity = np.linspace(0.90, 0.995, 40)
    fig, ax = plt.subplots(figsize=(6, 4))
    for engine, scale, index in (("snn", 1.0, 0), ("ann", 255 / 256, 1)):
        ours = [_energy_split(plugins, f"ottati2023-{engine}", (1 - s) * scale)[0] for s in sparsity]
        ax.plot(sparsity * 100, ours, label=f"{engine.upper()} (dse)")
        published = [(s * 100, OTTATI_TABLE[s][index][0]) for s in sorted(OTTATI_TABLE)]
        ax.plot(*zip(*published, strict=True), "o", label=f"{engine.upper()} (Ottati et al. 2023)")
    ax.set_xlabel("input sparsity (%)")
    ax.set_ylabel("energy per inference (nJ)")
    ax.set_title("512x14x14 conv, 3x3, one output channel, T = 1", fontsize=10)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    plt.close(fig)
    return write_bytes_atomic(buffer.getvalue(), path)
