"""Firing statistics that show whether two simulators ran the same network.

Every peer reduces its spikes to (cell index, time) arrays and calls
`summarise`, so the numbers are computed one way for all of them.
"""

import numpy as np

# Cells with fewer spikes give no meaningful interval statistics; the issue's
# reference figures (and the COBA demo) use the same cut.
MIN_SPIKES_FOR_CV = 3


def summarise(cells, times_ms, n_cells, duration_ms):
    """{'spikes', 'rate_hz', 'cv_isi'}: mean rate over all cells and mean CV of
    the inter-spike intervals over cells with at least MIN_SPIKES_FOR_CV spikes."""
    cells = np.asarray(cells, dtype=np.int64)
    times_ms = np.asarray(times_ms, dtype=float)
    order = np.lexsort((times_ms, cells))
    cells, times_ms = cells[order], times_ms[order]
    counts = np.bincount(cells, minlength=n_cells)
    intervals = np.diff(times_ms)
    same_cell = cells[1:] == cells[:-1]
    intervals, owner = intervals[same_cell], cells[1:][same_cell]
    # Per-cell mean and standard deviation of the intervals, without a Python loop.
    n = np.bincount(owner, minlength=n_cells).astype(float)
    total = np.bincount(owner, weights=intervals, minlength=n_cells)
    squares = np.bincount(owner, weights=intervals * intervals, minlength=n_cells)
    usable = counts >= MIN_SPIKES_FOR_CV
    mean = total[usable] / n[usable]
    std = np.sqrt(np.maximum(squares[usable] / n[usable] - mean * mean, 0.0))
    return {
        "spikes": int(counts.sum()),
        "rate_hz": float(counts.sum() / n_cells / (duration_ms / 1000.0)),
        "cv_isi": float(np.mean(std / mean)) if usable.any() else float("nan"),
    }
