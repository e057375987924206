"""`dse workload show` and `dse zoo list` as documents (for --json) and as rich tables."""

from __future__ import annotations

from typing import Any

from dse_workloads.loaded import Loaded


def workload_document(loaded: Loaded) -> dict[str, Any]:
    """Layers with shapes, MACs per step, synaptic operations per inference, footprint and density sources."""
    workload = loaded.workload
    layers = []
    for layer in workload.layers:
        src_in, src_out = loaded.resolved.sources[layer.name]
        state = layer.out_neurons * layer.activation_bits if layer.neuron.spiking else 0
        layers.append({
            "name": layer.name, "kind": layer.kind, "input_from": layer.input_from,
            "in_shape": list(layer.in_shape), "out_shape": list(layer.out_shape),
            "macs": layer.macs, "synops": layer.synops(workload.timesteps),
            "weights": layer.weights, "weight_density": layer.weight_density,
            "weight_bits": layer.weight_bits, "activation_bits": layer.activation_bits,
            "neuron": layer.neuron.model, "recurrent": getattr(layer, "recurrent", False),
            "footprint_bits": {"weights": layer.weight_footprint_bits, "neuron_state": state},
            "input_density": layer.input_density, "output_density": layer.resolved_output_density,
            "input_density_source": src_in, "output_density_source": src_out,
        })
    return {
        "workload": workload.name, "ref": loaded.ref, "timesteps": workload.timesteps,
        "timesteps_source": loaded.timesteps_source,
        "macs_per_step": workload.macs, "synops": workload.synops(),
        "footprint_bits": sum(sum(layer["footprint_bits"].values()) for layer in layers),
        "layers": layers, "warnings": loaded.warnings(),
    }


def print_workload(doc: dict[str, Any]) -> None:
    """A table of layers; density sources as numbered notes under it."""
    from rich.console import Console
    from rich.table import Table

    notes: dict[str, int] = {}

    def cite(value: float, source: str) -> str:
        number = notes.setdefault(source, len(notes) + 1)
        return f"{value:.3g} [{number}]"

    title = f"{doc['workload']} ({doc['ref']}), T={doc['timesteps']} ({doc['timesteps_source']})"
    table = Table(title=title)
    for column in ("layer", "kind", "in", "out", "MACs/step", "synops", "weights kbit", "w dens", "bits w/a",
                   "d in", "d out"):
        table.add_column(column, justify="left" if column in ("layer", "kind") else "right",
                         no_wrap=column in ("layer", "MACs/step"))
    for layer in doc["layers"]:
        kind = layer["kind"] + (" rec" if layer["recurrent"] else "") + \
            (f" {layer['neuron']}" if layer["neuron"] != "none" else "")
        table.add_row(
            layer["name"], kind, "x".join(map(str, layer["in_shape"])), "x".join(map(str, layer["out_shape"])),
            f"{layer['macs']:,}", f"{layer['synops']:,.0f}", f"{sum(layer['footprint_bits'].values()) / 1e3:,.1f}",
            f"{layer['weight_density']:.3g}", f"{layer['weight_bits']}/{layer['activation_bits']}",
            cite(layer["input_density"], layer["input_density_source"]),
            cite(layer["output_density"], layer["output_density_source"]),
        )
    console = Console()
    console.print(table)
    console.print(f"total: {doc['macs_per_step']:,} MACs per step, {doc['synops']:,.0f} synaptic operations per "
                  f"inference, footprint {doc['footprint_bits'] / 8e3:,.1f} kB (weights and neuron state)")
    console.print("densities (non-zero fraction per step) came from:")
    for source, number in notes.items():
        console.print(f"  [{number}] {source}", markup=False, highlight=False)
    for line in doc["warnings"]:
        console.print(f"warning: {line}", markup=False, highlight=False, style="yellow")


def zoo_rows() -> list[dict[str, Any]]:
    """One row per zoo entry: name, kind, layers, MACs per step, T, summary, source."""
    from dse_workloads.zoo import ENTRIES, build

    rows = []
    for name, entry in ENTRIES.items():
        workload = build(name, f"zoo:{name}").workload
        rows.append({"name": f"zoo:{name}", "kind": entry.kind, "layers": len(workload.layers),
                     "macs_per_step": workload.macs, "timesteps": workload.timesteps,
                     "summary": entry.summary, "source": entry.source})
    return rows


def print_zoo(rows: list[dict[str, Any]]) -> None:
    """Sizes in a table, then what each network is and where its shapes come from."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="dse zoo: use as zoo:NAME wherever a workload is asked for")
    for column in ("name", "kind", "layers", "MACs/step", "T"):
        table.add_column(column, justify="left" if column in ("name", "kind") else "right", no_wrap=True)
    for row in rows:
        table.add_row(row["name"], row["kind"], str(row["layers"]), f"{row['macs_per_step']:,}", str(row["timesteps"]))
    console = Console()
    console.print(table)
    for row in rows:
        console.print(f"{row['name']}: {row['summary']}; source: {row['source']}", markup=False, highlight=False)
