"""NIX (HDF5) files for write_data("x.h5" or "x.nix").

PyNN 0.10.1 maps .h5 to neo's NeoHdf5IO, which neo removed, and Debian has
no nixio for neo.io.NixIO to write with; so the server writes the file and
the client saves the bytes it sends back.
"""

import numpy as np

from . import conversion, simulator
from .server_errors import translated

NIX_SUFFIXES = (".h5", ".nix")


def is_nix_file(target):
    return isinstance(target, str) and target.endswith(NIX_SUFFIXES)


def _plain(value):
    """Annotation values the protocol can carry (str, bool, int, float)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return str(value)


@translated
def write_nix(cells, filename, variables="all", annotations=None):
    """Writes the recorded data of a Population, view or Assembly to `filename`."""
    extra = dict(getattr(cells, "annotations", {}) or {})
    extra.update(annotations or {})
    payload = simulator.state.session.export_data(
        conversion.cell_parts(cells),
        variables=[] if variables in ("all", None) else
        ([variables] if isinstance(variables, str) else list(variables)),
        block_name=cells.label or "",
        block_annotations={k: _plain(v) for k, v in extra.items()},
        block_description=cells.describe())
    with open(filename, "wb") as handle:
        handle.write(payload)
