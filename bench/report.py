"""Medians over repeats and the markdown table that run.py prints.

Ratios compare the subject (pyNN.spikeserve) with peers measured in the same
invocation, interleaved run by run, so machine load hits both alike.
"""

import statistics

SUBJECT = "spikeserve-pynn"
SIMULATION_REFERENCE = "brian2-standalone"  # the target: sim <= 0.6x this
SCRIPT_REFERENCE = "brian2-runtime"  # the target: whole script <= 0.5x its build+run

_MEDIAN_KEYS = ("synapses", "build_s", "compile_s", "sim_s", "sim_cpu_s", "fetch_s",
                "peak_rss_bytes", "build_rss_growth_bytes", "spikes", "rate_hz", "cv_isi")


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs):
    """One row per (model, neurons, peer): medians of the successful repeats,
    plus derived figures. `runs` are run.py's per-run records."""
    groups = {}
    for run in runs:
        groups.setdefault((run["model"], run["neurons"], run["peer"]), []).append(run)
    rows = []
    for (model, neurons, peer), group in groups.items():
        ok = [run for run in group if run["status"] == "ok"]
        row = {"model": model, "neurons": neurons, "peer": peer,
               "runs_ok": len(ok), "runs": len(group),
               "problems": sorted({run["status"] for run in group if run["status"] != "ok"})}
        for key in _MEDIAN_KEYS:
            row[key] = _median([run[key] for run in ok])
        row["script_s"] = _median([run["build_s"] + run["sim_s"] + run["fetch_s"] for run in ok])
        row["build_and_sim_s"] = _median([run["build_s"] + run["sim_s"] for run in ok])
        row["bytes_per_synapse"] = _median(
            [run["build_rss_growth_bytes"] / run["synapses"] for run in ok
             if run["build_rss_growth_bytes"] is not None and run["synapses"]])
        # Each spike of a cell reaches its out-degree; the mean out-degree is
        # synapses / neurons (the 20 kick sources' share is below 0.2 %).
        row["events_per_s"] = _median([run["spikes"] * run["synapses"] / neurons / run["sim_s"]
                                       for run in ok if run["sim_s"]])
        rows.append(row)
    _add_ratios(rows)
    return rows


def _add_ratios(rows):
    by_key = {(row["model"], row["neurons"], row["peer"]): row for row in rows}
    for row in rows:
        if row["peer"] != SUBJECT:
            continue
        standalone = by_key.get((row["model"], row["neurons"], SIMULATION_REFERENCE))
        runtime = by_key.get((row["model"], row["neurons"], SCRIPT_REFERENCE))
        row["sim_vs_brian2_standalone"] = _ratio(row["sim_s"], standalone and standalone["sim_s"])
        row["script_vs_brian2_runtime"] = _ratio(row["script_s"],
                                                 runtime and runtime["build_and_sim_s"])


def _ratio(numerator, denominator):
    return numerator / denominator if numerator is not None and denominator else None


def _number(value, digits=3):
    if value is None:
        return "-"
    return f"{value:.{digits}g}"


def _megabytes(value):
    return "-" if value is None else f"{value / 2**20:.0f}"


_COLUMNS = (
    ("model", lambda r: r["model"]),
    ("neurons", lambda r: f"{r['neurons']:,}"),
    ("peer", lambda r: r["peer"]),
    ("ok/runs", lambda r: f"{r['runs_ok']}/{r['runs']}"),
    ("synapses", lambda r: "-" if r["synapses"] is None else f"{r['synapses']:,.0f}"),
    ("build s", lambda r: _number(r["build_s"])),
    ("compile s", lambda r: _number(r["compile_s"])),
    ("sim s", lambda r: _number(r["sim_s"])),
    ("sim CPU s", lambda r: _number(r["sim_cpu_s"])),
    ("spikes to Python s", lambda r: _number(r["fetch_s"])),
    ("build+sim+fetch s", lambda r: _number(r["script_s"])),
    ("peak RSS MiB", lambda r: _megabytes(r["peak_rss_bytes"])),
    ("B/synapse", lambda r: _number(r["bytes_per_synapse"])),
    ("events/s", lambda r: _number(r["events_per_s"])),
    ("rate Hz", lambda r: _number(r["rate_hz"])),
    ("CV ISI", lambda r: _number(r["cv_isi"])),
    ("sim / B2 standalone", lambda r: _number(r.get("sim_vs_brian2_standalone"), 2)),
    ("script / B2 runtime build+sim", lambda r: _number(r.get("script_vs_brian2_runtime"), 2)),
)


def markdown(rows):
    lines = ["| " + " | ".join(name for name, _ in _COLUMNS) + " |",
             "|" + "---|" * len(_COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(cell(row) for _, cell in _COLUMNS) + " |")
    problems = [f"- {row['model']} {row['neurons']:,} {row['peer']}: " + "; ".join(row["problems"])
                for row in rows if row["problems"]]
    if problems:
        lines += ["", "Runs that did not finish (not in the medians):"] + problems
    return "\n".join(lines)
