"""Live data during a run: what the server records, streamed while it runs.

    live = LiveData([Cells(exc.population_id)], variables=["spikes", "v"], policy="pause")
    session.run_until(1000.0, live=live, on_data=lambda update: print(update.t_ms))

or, to iterate (and cancel) yourself:

    run = session.run_live(1000.0, live)
    for update in run:
        if enough(update.block):
            run.cancel()   # the server stops at the next epoch boundary

Each update comes with a RunProgress: `update.block` is a spikeserve.data.Block
holding everything this run has streamed so far (arrays are views that grow;
copy what you keep). The chunks are assembled by spikeserve.data.Assembler,
the same code that assembles GetData.
"""

from dataclasses import dataclass

import grpc

from spikeserve import data, values
from spikeserve.errors import from_rpc_error
from spikeserve.v1 import data_pb2, simulator_pb2

POLICIES = {"pause": simulator_pb2.PAUSE, "drop_live": simulator_pb2.DROP_LIVE}
_DTYPES = {"float64": data_pb2.FLOAT64, "float32": data_pb2.FLOAT32}


@dataclass
class LiveData:
    """The live-data part of a Run request (simulator.proto, LiveDataRequest).

    `cells`: sequence of values.Cells; `variables`: empty for everything they
    record; `dtype`: "float64" or "float32"; `policy`: "pause" (the run waits for a slow reader) or
    "drop_live" (the run never waits; what does not fit is reported in
    Block.skipped, and get_data still returns it). An int passes through as
    the enum value.
    """

    cells: list
    variables: tuple = ()
    policy: object = "pause"
    window_bytes: int = 0
    max_chunk_bytes: int = 0
    dtype: str = "float64"

    def to_proto(self):
        if isinstance(self.policy, str):
            if self.policy.lower() not in POLICIES:
                raise ValueError(f"policy must be one of {sorted(POLICIES)}, got {self.policy!r}")
            policy = POLICIES[self.policy.lower()]
        else:
            policy = int(self.policy)
        return simulator_pb2.LiveDataRequest(
            cells=values.cell_set(self.cells), variables=list(self.variables), policy=policy,
            window_bytes=self.window_bytes, max_chunk_bytes=self.max_chunk_bytes,
            dtype=_DTYPES[self.dtype] if isinstance(self.dtype, str) else int(self.dtype))


@dataclass
class LiveUpdate:
    t_ms: float
    target_ms: float
    block: object  # spikeserve.data.Block of this run's live data, or None without live data
    final: bool = False  # the last update: the run finished and the block is complete

    def to_neo(self):
        """The block as a neo.Block (PyNN's names and ids), made on each call."""
        return data.to_neo(self.block)


class LiveRun:
    """One Run call, iterated as LiveUpdates; `finished` holds RunFinished at
    the end (None if the run was cancelled)."""

    def __init__(self, call, live):
        self._call = call
        self._assembler = data.Assembler(growing=True) if live is not None else None
        self._cancelled = False
        self.finished = None
        self.chunks = 0  # live chunks received

    def cancel(self):
        """Cancels the call: the server stops the run at the next epoch boundary
        and keeps what was recorded; iteration then ends."""
        self._cancelled = True
        self._call.cancel()

    @property
    def block(self):
        return self._assembler.block if self._assembler is not None else None

    def __iter__(self):
        try:
            for event in self._call:
                kind = event.WhichOneof("event")
                if kind == "live_chunk":
                    self.chunks += 1
                    self._assembler.add(event.live_chunk.chunk)
                elif kind == "live_skipped":
                    self._assembler.skip(event.live_skipped)
                elif kind == "progress":
                    if self._assembler is not None:
                        self._assembler.advance(event.progress.t_ms)
                    yield LiveUpdate(event.progress.t_ms, event.progress.target_ms, self.block)
                elif kind == "finished":
                    self.finished = event.finished
        except grpc.RpcError as error:
            if self._cancelled and error.code() == grpc.StatusCode.CANCELLED:
                return
            raise from_rpc_error(error) from None
        finally:
            if self.finished is None:  # the caller stopped iterating: stop the run too
                self._call.cancel()
        if self._assembler is not None:
            self._assembler.advance(self.finished.t_ms)
            self._assembler.finish()
        yield LiveUpdate(self.finished.t_ms, self.finished.requested_ms, self.block, final=True)
