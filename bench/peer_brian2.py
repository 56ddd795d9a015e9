#!/usr/bin/python3
"""The Vogels-Abbott network in Brian2, the reference peer (one measured run).

--device runtime: Brian2's runtime mode with Cython code generation (numpy
if Cython is missing); run.py runs it once unmeasured first so that the
Cython extensions are in Brian2's cache and the measured runs do not compile.
--device cpp_standalone: the network is generated as a C++ project, compiled
(compile_s: code generation and make, cold: a fresh directory per run) and
run as a separate binary; sim_s is the binary's own timing of the network
run, and build_s is the Python-side construction plus what the binary does
besides the run (connectivity, initial values, writing results).

The equations are PyNN's IF_cond_exp / IF_curr_exp (v clamped while
refractory, synaptic variables decaying throughout). As Brian2 chooses by
itself, COBA is integrated with forward Euler and CUBA exactly. The 2 %
network is connected by Brian2 (connect(p=...)); the fixed in-degree networks
by numpy here (Brian2 2.5 has no fixed in-degree generator), which build_s includes.
"""

import os
import shutil
import tempfile
import time

import brian2 as b2
import numpy as np

import peer_protocol
import proc_status
import spike_statistics
import va_network as va

DEVICES = ("runtime", "cpp_standalone")

_EQUATIONS = {
    "COBA": """
        dv/dt = (v_rest - v)/tau_m + (ge*(e_rev_E - v) + gi*(e_rev_I - v))/c_m : volt (unless refractory)
        dge/dt = -ge/tau_syn_E : siemens
        dgi/dt = -gi/tau_syn_I : siemens
    """,
    "CUBA": """
        dv/dt = (v_rest - v)/tau_m + (ie + ii)/c_m : volt (unless refractory)
        die/dt = -ie/tau_syn_E : amp
        dii/dt = -ii/tau_syn_I : amp
    """,
}
# (excitatory, inhibitory) synaptic variable; the CUBA inhibitory weight is
# negative (PyNN's convention), the COBA one a positive conductance.
_SYNAPTIC_VARIABLES = {"COBA": ("ge", "gi"), "CUBA": ("ie", "ii")}
_METHOD = {"COBA": "euler", "CUBA": "exact"}


def fixed_in_degree(n_pre, n_post, k, rng):
    """(i, j) with exactly k distinct presynaptic cells per postsynaptic cell,
    as PyNN's FixedNumberPreConnector(k) draws them (without replacement)."""
    pre = rng.integers(0, n_pre, size=(n_post, k), dtype=np.int32)
    while True:
        ordered = np.sort(pre, axis=1)
        repeated = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
        if repeated.size == 0:
            break
        pre[repeated] = rng.integers(0, n_pre, size=(repeated.size, k), dtype=np.int32)
    post = np.repeat(np.arange(n_post, dtype=np.int32), k)
    return pre.ravel(), post


def build(net, seed):
    """Returns (the Network, the SpikeMonitor, the Synapses objects)."""
    b2.seed(seed)
    p = net.cell_parameters
    ms, mV, nF, uS, nA = b2.ms, b2.mV, b2.nF, b2.uS, b2.nA
    weight_unit = uS if net.model == "COBA" else nA
    namespace = dict(tau_m=p["tau_m"] * ms, c_m=p["cm"] * nF, v_rest=p["v_rest"] * mV,
                     v_reset=p["v_reset"] * mV, v_thresh=p["v_thresh"] * mV,
                     tau_syn_E=p["tau_syn_E"] * ms, tau_syn_I=p["tau_syn_I"] * ms,
                     e_rev_E=p.get("e_rev_E", 0.0) * mV, e_rev_I=p.get("e_rev_I", 0.0) * mV,
                     w_exc=net.w_exc * weight_unit, w_inh=net.w_inh * weight_unit,
                     w_kick=va.KICK_WEIGHT * weight_unit,
                     kick_rate=va.KICK_RATE_HZ * b2.Hz, kick_end=va.KICK_DURATION_MS * ms)
    cells = b2.NeuronGroup(net.n_neurons, _EQUATIONS[net.model], threshold="v > v_thresh",
                           reset="v = v_reset", refractory=p["tau_refrac"] * ms,
                           method=_METHOD[net.model], namespace=namespace)
    cells.v = "v_reset + rand()*(v_thresh - v_reset)"
    exc, inh = cells[:net.n_exc], cells[net.n_exc:]
    kick = b2.PoissonGroup(va.KICK_SOURCES, rates="kick_rate*int(t < kick_end)",
                           namespace=namespace)
    delay = va.DELAY_MS * ms
    excitatory, inhibitory = _SYNAPTIC_VARIABLES[net.model]
    from_exc = b2.Synapses(exc, cells, on_pre=f"{excitatory} += w_exc", delay=delay,
                           namespace=namespace)
    from_inh = b2.Synapses(inh, cells, on_pre=f"{inhibitory} += w_inh", delay=delay,
                           namespace=namespace)
    from_kick = b2.Synapses(kick, exc, on_pre=f"{excitatory} += w_kick", delay=delay,
                            namespace=namespace)
    if net.fixed_probability:
        from_exc.connect(p=va.P_CONNECT)
        from_inh.connect(p=va.P_CONNECT)
    else:
        rng = np.random.default_rng(seed)
        i, j = fixed_in_degree(net.n_exc, net.n_neurons, va.IN_DEGREE_EXC, rng)
        from_exc.connect(i=i, j=j)
        i, j = fixed_in_degree(net.n_inh, net.n_neurons, va.IN_DEGREE_INH, rng)
        from_inh.connect(i=i, j=j)
    from_kick.connect(p=va.KICK_P_CONNECT)
    monitor = b2.SpikeMonitor(cells)
    network = b2.Network(cells, kick, from_exc, from_inh, from_kick, monitor)
    return network, monitor, (from_exc, from_inh, from_kick)


def measure_runtime(net, args):
    rss_before = proc_status.rss_bytes(os.getpid())
    started = time.perf_counter()
    network, monitor, synapses = build(net, args.seed)
    built = time.perf_counter()
    rss_built = proc_status.rss_bytes(os.getpid())
    cpu_before = time.process_time()
    network.run(args.duration * b2.ms)
    ran = time.perf_counter()
    cpu_ran = time.process_time()
    cells, times = np.array(monitor.i[:]), np.array(monitor.t[:] / b2.ms)
    fetched = time.perf_counter()
    return dict(synapses=sum(len(s) for s in synapses), build_s=built - started,
                sim_s=ran - built, sim_cpu_s=cpu_ran - cpu_before, fetch_s=fetched - ran,
                peak_rss_bytes=proc_status.peak_rss_bytes(os.getpid()),
                build_rss_growth_bytes=rss_built - rss_before), cells, times


def measure_standalone(net, args):
    directory = tempfile.mkdtemp(prefix="bench-brian2-")
    # GNU time reports the binary's own peak RSS (getrusage(RUSAGE_CHILDREN)
    # would include the compiler's).
    b2.prefs.devices.cpp_standalone.run_cmd_unix = [
        "/usr/bin/time", "-f", "%M", "-o", "results/peak_rss_kib.txt", "./main"]
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    started = time.perf_counter()
    network, monitor, synapses = build(net, args.seed)
    built = time.perf_counter()
    network.run(args.duration * b2.ms)  # generates the code of the run's objects
    b2.device.build(directory=directory, compile=True, run=True, with_output=False)
    finished = time.perf_counter()
    binary_s = b2.device.timers["run_binary"]
    sim_s = b2.device._last_run_time
    cells, times = np.array(monitor.i[:]), np.array(monitor.t[:] / b2.ms)
    fetched = time.perf_counter()
    n_synapses = sum(len(s) for s in synapses)  # read from the results directory
    with open(os.path.join(directory, "results", "peak_rss_kib.txt")) as report:
        peak_kib = report.read().split()[-1]
    shutil.rmtree(directory)
    return dict(synapses=n_synapses,
                build_s=(built - started) + (binary_s - sim_s),
                compile_s=(finished - built) - binary_s,
                sim_s=sim_s, fetch_s=fetched - finished,
                peak_rss_bytes=int(peak_kib) * 1024), cells, times


def _cython_available():
    try:
        import Cython  # noqa: F401
    except ImportError:
        return False
    return True


def main():
    args = peer_protocol.parse_arguments(__doc__, lambda parser: parser.add_argument(
        "--device", choices=DEVICES, required=True))
    net = va.network(args.model, args.neurons)
    b2.prefs.logging.console_log_level = "WARNING"
    if args.device == "runtime":
        b2.prefs.codegen.target = "cython" if _cython_available() else "numpy"
        figures, cells, times = measure_runtime(net, args)
    else:
        figures, cells, times = measure_standalone(net, args)
    figures.update(spike_statistics.summarise(cells, times, net.n_neurons, args.duration))
    peer_protocol.write_result(args.output, **figures)


if __name__ == "__main__":
    main()
