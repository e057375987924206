"""The provenance section of a report: versions, input hashes, the run and its space.

Versions and input hashes come from the Parquet key-value metadata every dse file carries
(:func:`dse.results.evaluation_table.provenance`: ``dse_version``, ``dse_plugins``, ``input_hash.NAME``);
the run's identity from ``run.json``; seeds, sampler, trials and the space from the
``dse.space`` metadata of a run's files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from dse.report.html import note, paragraph, preformatted, table
from dse.report.sources import Contents, ParquetFile
from dse.results.front_files import VERSION_MIX_KEY
from dse.schema.space import SearchSpace


def provenance_html(contents: Contents, files: Sequence[ParquetFile]) -> str:
    """Versions and hashes of every file read, then the run (if any) and its space."""
    from dse import __version__

    root = contents.directory
    parts = [paragraph(f"This page was written by dse {__version__} from the files below; it needs no network.")]
    parts.append(table(["file", "dse version", "plugins (distribution version)", "git commit", "Python",
                        "libraries", "written (UTC)"],
                       [[_name(f, root), f.metadata.get("dse_version"), _plugins(f.metadata.get("dse_plugins")),
                         f.metadata.get("dse_git_commit", "–"), f.metadata.get("dse_python", "–"),
                         _plugins(f.metadata.get("dse_libraries")), f.metadata.get("dse_created_utc", "–")]
                        for f in files], table_id="versions", caption="Versions that wrote each file"))
    architectures = [[_name(f, root), f.metadata[key]] for f in files for key in ("dse.architecture", "dse.compared")
                     if key in f.metadata]
    if architectures:
        parts.append(table(["file", "architecture(s) (JSON, as recorded)"], architectures, table_id="architectures",
                           caption="Architectures costed, with every parameter"))
    mixed = sorted({v for f in files for v in json.loads(f.metadata.get(VERSION_MIX_KEY) or "[]")})
    if mixed:
        parts.append(note("The trials of this run were costed by different plugin releases (resumed with "
                          "--allow-version-mix): " + " | ".join(_plugins(v) for v in mixed)
                          + ". Their front mixes two models."))
    hashes = [[_name(f, root), key.removeprefix("input_hash."), value]
              for f in files for key, value in sorted(f.metadata.items()) if key.startswith("input_hash.")]
    parts.append(table(["file", "input", "sha256 (16 hex)"], hashes, table_id="inputs",
                       caption="Input hashes (canonical JSON of each input, dse.results.evaluation_table.config_hash)"))
    if contents.run is not None:
        parts.append(_run_html(contents.run.identity, contents.run.space_json))
    if contents.comparison is not None and contents.comparison.summary is not None:
        parts.append(preformatted(json.dumps(contents.comparison.summary, indent=2), "breakeven.json"))
    return "".join(parts)


def _name(file: ParquetFile, root: Any) -> str:
    try:
        return str(file.path.relative_to(root))
    except ValueError:
        return str(file.path)


def _plugins(text: str | None) -> str:
    if not text:
        return "–"
    try:
        versions = json.loads(text)
    except json.JSONDecodeError:
        return text
    return ", ".join(f"{name}: {dist}" for name, dist in sorted(versions.items()))


def _run_html(identity: dict[str, Any], space_json: str | None) -> str:
    rows: list[list[Any]] = [[f"run.json: {key}", _text(value)] for key, value in sorted(identity.items())]
    if space_json is None:
        return table(["item", "value"], rows, table_id="run", caption="The run") + note(
            "The run's files carry no dse.space metadata: its space, sampler and seed are unknown.")
    try:
        space = SearchSpace.model_validate_json(space_json)
    except ValidationError as error:
        return (table(["item", "value"], rows, table_id="run", caption="The run")
                + note(f"The recorded space no longer validates ({error.error_count()} errors); shown as recorded.")
                + preformatted(space_json, "space (JSON, as recorded)"))
    rows += [
        ["space", space.name], ["description", space.description or "–"], ["workload", space.workload],
        ["technology", space.technology or "the installation's default"],
        ["objectives", ", ".join(f"{k} ({v})" for k, v in space.objectives.items())],
        ["constraints", ", ".join(space.constraints) or "none"],
        ["sampler", _text(space.sampler.model_dump(mode="json"))],
        ["trials", space.trials],
        ["seed", space.seed],
        ["accuracy model", _text(space.accuracy.model_dump(mode="json")) if space.accuracy else "none"],
    ]
    knobs = ", ".join(f"{name}: {_describe(spec)}" for name, spec in space.knobs.items()) or "none"
    rows.append(["knobs", knobs])
    backends = [[entry.backend, entry.technology or space.technology,
                 "; ".join(f"{name}: {_describe(spec)}" for name, spec in entry.params.items()) or "defaults",
                 "; ".join(f"{name}: {_describe(spec)}" for name, spec in entry.knobs.items()) or "–"]
                for entry in space.backends]
    return (table(["item", "value"], rows, table_id="run",
                  caption="The run (seed: the sampler seed; workers and backends are seeded apart from it)")
            + table(["backend", "technology", "parameters", "own knobs"], backends, table_id="space-backends",
                    caption="Backends searched")
            + preformatted(json.dumps(json.loads(space_json), indent=2), "space (JSON, as recorded)"))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _describe(spec: Any) -> str:
    """A distribution in a few words: ``int 50..400 log``, ``categorical 2 | 4``, ``fixed 100``."""
    data = spec.model_dump(mode="json")
    kind = data.pop("type")
    if kind == "fixed":
        return f"fixed {_text(data['value'])}"
    if kind == "knob":
        return f"= knob {data['knob']}"
    if kind == "categorical":
        return "categorical " + " | ".join(_text(c) for c in data["choices"])
    text = f"{kind} {data['low']}..{data['high']}"
    if data.get("step") is not None and not (kind == "int" and data["step"] == 1):
        text += f" step {data['step']}"
    return text + (" log" if data.get("log") else "")
