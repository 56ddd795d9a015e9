"""Live data in pyNN.spikeserve: watch recorded data while the network runs.

    def show(update):                       # a spikeserve.live.LiveUpdate
        segment = update.to_neo().segments[0]
        print(update.t_ms, sum(len(st) for st in segment.spiketrains))

    exc.record("spikes")
    with sim.live_data(exc, ["spikes"], show, policy="drop_live"):
        sim.run(1000.0)

While the block is active every run (also the pieces of run(t, callbacks=...))
streams the data of the given Population, PopulationView or Assembly, which
must already record those variables. `show` is called at every progress
interval (`interval`, ms of biological time) and once at the end of each run
with everything that run has streamed so far. get_data() afterwards returns
everything as usual, whichever the policy.
"""

import contextlib

from spikeserve.live import LiveData

from . import conversion, simulator


@contextlib.contextmanager
def live_data(cells, variables=("spikes",), on_data=None, policy="pause", interval=None,
              window_bytes=0, dtype="float64", wall_interval=None):
    """Streams `variables` of `cells` to `on_data` during every run inside the block.

    `policy`: "pause" (the simulation waits for a slow callback) or
    "drop_live" (it never waits; what the client could not take in time is
    missing from the updates and listed in update.block.skipped).
    `interval`: ms of biological time between updates (default 100 ms);
    `wall_interval`: if given, ms of wall-clock time after which an update
    comes even if `interval` has not passed (for networks slower than real time).
    """
    if on_data is None:
        raise ValueError("live_data needs an on_data callback")
    state = simulator.state
    previous = state.live
    state.live = (LiveData(conversion.cell_parts(cells), tuple(variables), policy,
                           window_bytes=window_bytes, dtype=dtype), on_data, interval or 0.0,
                  wall_interval or 0.0)
    state.live[0].to_proto()  # a bad policy or dtype fails here, not at the first run
    try:
        yield
    finally:
        state.live = previous
