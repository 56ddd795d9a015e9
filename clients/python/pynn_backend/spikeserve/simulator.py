"""Simulator state of pyNN.spikeserve: one server session per Python process."""

import atexit
import sys

from pyNN import common

from spikeserve.session import Session

name = "spikeserve"


class ID(int, common.IDMixin):
    """A cell's PyNN id: the global id the server assigned."""

    # One client process holds every cell of its session. PyNN's property
    # asks the parent population, a chain of calls per cell that PyNN's
    # Recorder.record makes for every cell recorded (0.4 s per million).
    local = True


class ProgressBar:
    """A one-line progress bar for long runs, on terminals only."""

    def __init__(self, stream=sys.stderr, width=40):
        self.stream = stream
        self.width = width
        self.shown = False

    def enabled(self):
        return hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, t_ms, target_ms):
        if target_ms <= 0:
            return
        done = min(1.0, t_ms / target_ms)
        filled = int(done * self.width)
        self.stream.write("\r[%s%s] %5.1f%%  t = %.1f ms" % (
            "#" * filled, "." * (self.width - filled), 100 * done, t_ms))
        self.stream.flush()
        self.shown = True

    def finish(self):
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


class State(common.control.BaseState):
    """PyNN's simulator state, backed by a server session."""

    def __init__(self):
        super().__init__()
        self.session = None
        self.t_at_close = 0.0  # what end() left, for data read after it
        self.reset_annotations = {}  # set by reset(annotations=...) for the server
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self._min_delay = 0.1
        self._max_delay = 10.0
        self._auto_delays = (False, False)
        self.progress = ProgressBar()
        # (spikeserve.live.LiveData, callback, interval, wall interval) inside live_data()
        self.live = None
        self.clear()

    @property
    def t(self):
        return self.session.t if self.session is not None else self.t_at_close

    def open(self, address, timestep, min_delay, max_delay, seed, label, threads):
        self.close()
        self.t_at_close = 0.0
        self.session = Session(address, timestep=timestep, min_delay=min_delay,
                               max_delay=max_delay, seed=seed, label=label, threads=threads)
        description = self.session.description
        self.dt = description.timestep_ms
        self._min_delay = description.min_delay_ms
        self._max_delay = description.max_delay_ms
        self._auto_delays = (min_delay == 0, max_delay == 0)
        self.seed = description.seed

    def _delays(self):
        description = self.session.describe()
        return description.min_delay_ms, description.max_delay_ms

    @property
    def min_delay(self):
        """ms; with min_delay='auto', the smallest delay in the network (server's view)."""
        if self._auto_delays[0] and self.session is not None:
            return self._delays()[0]
        return self._min_delay

    @property
    def max_delay(self):
        if self._auto_delays[1] and self.session is not None:
            return self._delays()[1]
        return self._max_delay

    def close(self):
        if self.session is not None:
            self.t_at_close = self.session.t
            self.session.close()
            self.session = None

    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        bar = self.progress if self.progress.enabled() else None
        live, on_data, interval, wall_interval = self.live or (None, None, 0.0, 0.0)
        try:
            self.session.run_until(tstop, progress=bar, progress_interval_ms=interval, live=live,
                                   on_data=on_data, progress_interval_wall_ms=wall_interval)
        finally:
            self.progress.finish()
        self.running = True

    def clear(self):
        self.recorders = set([])
        self.recorded_sources = []  # current sources whose current is recorded
        self.segment_counter = -1
        self.reset_counters()

    def reset_counters(self):
        self.running = False
        self.t_start = 0
        self.segment_counter += 1

    def reset(self):
        """Back to t = 0 with initial values; a new segment begins."""
        if self.session is not None:
            self.session.reset(self.reset_annotations)
        self.reset_annotations = {}
        self.reset_counters()


state = State()
atexit.register(state.close)
