"""pyNN.spikeserve: run PyNN scripts on a spikeserve server.

    import pyNN.spikeserve as sim
    sim.setup(timestep=0.1, server="host:port")   # default: $SPIKESERVE_ADDRESS or localhost:50051

Everything else is PyNN's API. One Python process holds one server session,
opened by setup() and closed by end() or when the process exits.
"""

import logging

from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.connectors import *  # noqa: F401,F403  (PyNN's backends re-export them)
from pyNN.random import GSLRNG, NativeRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import *  # noqa: F401,F403
from pyNN.space import (Cuboid, Grid2D, Grid3D, Line, RandomStructure, Space,  # noqa: F401
                        Sphere)
from pyNN.standardmodels import StandardCellType

from . import simulator
from .live import live_data  # noqa: F401  (spikeserve's own: data while the network runs)
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .projections import Projection
from .server_errors import translated
from .standardmodels import *  # noqa: F401,F403

logger = logging.getLogger("PyNN")


def list_standard_models():
    """The StandardCellType classes of this backend."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType)
            and obj.__module__.startswith(__name__)]


@translated
def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Opens a new session on the server (closing any earlier one).

    Extra keyword arguments: `max_delay` (ms), `server` ("host:port"), `seed`
    (or `rng_seed`: the server's seed for connectivity and spike sources),
    `threads` (as NEST's; default: the server's, its --default_threads;
    results do not depend on it) and `label`. Other extras that scripts pass
    to other backends are ignored.
    """
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    simulator.state.clear()
    simulator.state.open(
        address=extra_params.get("server"),
        timestep=timestep,
        min_delay=0.0 if min_delay == "auto" else min_delay,
        max_delay=0.0 if max_delay == "auto" else max_delay,
        seed=int(extra_params.get("seed", extra_params.get("rng_seed", 0)) or 0),
        label=extra_params.get("label", ""),
        threads=int(extra_params.get("threads", 0) or 0))
    return rank()


def end(compatible_output=True):
    """Writes what record(..., to_file=) asked for, then closes the session."""
    for (population, variables, filename) in simulator.state.write_on_end:
        population.write_data(filename, variables)
    simulator.state.write_on_end = []
    if simulator.state.session is not None:
        for recorder in simulator.state.recorders:
            translated(recorder.keep_final_data)()
        for source in simulator.state.recorded_sources:
            source.keep_final_data()
    simulator.state.close()


run, run_until = common.build_run(simulator)
run_for = run

_reset = common.build_reset(simulator)


def reset(annotations=None):
    """PyNN's reset(); the annotations also go to the server's segment, so that
    files the server writes (write_data to .h5/.nix) carry them too."""
    simulator.state.reset_annotations = dict(annotations or {})
    _reset(annotations or {})

initialize = common.initialize

get_current_time, get_time_step, get_min_delay, get_max_delay, \
    num_processes, rank = common.build_state_queries(simulator)

create = common.build_create(Population)

connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)  # noqa: F405

set = common.set

record = common.build_record(simulator)


def record_v(source, filename):
    return record(["v"], source, filename)


def record_gsyn(source, filename):
    return record(["gsyn_exc", "gsyn_inh"], source, filename)
