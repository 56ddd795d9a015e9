"""Independent reference solutions of PyNN's standard cell models.

Each model is written from PyNN's / NEST's published equations (docs/models.md
lists them) as a right-hand side in PyNN units, and solved with scipy:
linear models with the matrix exponential (exact), the others with
solve_ivp (DOP853, rtol 1e-10, atol 1e-12). What the reference shares with
the engine is only the documented time-grid convention (docs/models.md):

* a current source is on over [start, stop); synaptic input of a spike at t_s
  with delay d jumps the synaptic state at t_s + d;
* samples are taken at k dt, before the input arriving at k dt;
* "grid" models (the integrate-and-fire family) fire when v >= threshold at a
  grid time, reset there and are clamped at v_reset for round(tau_refrac/dt)
  steps; "event" models (AdEx, Izhikevich) fire at the continuous crossing
  of v_spike, are reported at the end of the step containing it and (AdEx)
  clamped to the end of that step plus tau_refrac; HH has no reset and fires
  in a step whose end is above v_offset + 30 mV and below its start, with 2 ms
  without detection.

simulate() returns the samples of every state variable, the reported spike
times and, for each spike, the continuous time at which v crossed.
"""

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.linalg
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

RTOL, ATOL = 1e-10, 1e-12


@dataclass
class Model:
    """A point neuron: state names (v first), initial state, right-hand side
    f(t, y, current_nA, clamped) and what happens at inputs and spikes."""
    states: List[str]
    y0: List[float]
    rhs: Callable
    receive: Callable                    # (y, w_exc, w_inh, clamped) -> y
    kind: str                            # "grid", "event" or "peak"
    threshold: Callable = None           # y -> v at which it fires (grid, event)
    fire: Callable = None                # y -> y after a spike
    tau_refrac: float = 0.0              # ms
    linear: Optional[Callable] = None    # (current, clamped) -> (A, b): y' = A y + b
    v_offset: float = 0.0                # peak models: detection above v_offset + 30 mV


@dataclass
class Result:
    t: np.ndarray
    samples: Dict[str, np.ndarray]
    spikes: List[float] = field(default_factory=list)      # as the engine reports them
    crossings: List[float] = field(default_factory=list)   # continuous crossing times
    y: np.ndarray = None                                    # every state (hidden ones too)
    slope: np.ndarray = None                                # dv/dt at each sample (mV/ms)


def _current(t, steps):
    return sum(amp for start, stop, amp in steps if start <= t < stop)


class _Propagator:
    """Advances y over [t0, t1] with the current and clamp constant."""

    def __init__(self, model):
        self.model = model
        self.cache = {}

    def dense(self, y, t0, t1, current, clamped):
        """A function s -> y(s) on [t0, t1]."""
        if self.model.linear is not None:
            key = (current, clamped)
            if key not in self.cache:
                A, b = self.model.linear(current, clamped)
                n = len(y)
                M = np.zeros((n + 1, n + 1))
                M[:n, :n], M[:n, n] = A, b
                self.cache[key] = M
            M = self.cache[key]
            start = np.append(np.asarray(y, float), 1.0)
            return lambda s: (scipy.linalg.expm(M * (s - t0)) @ start)[:-1]
        sol = solve_ivp(lambda t, s: self.model.rhs(t, s, current, clamped), (t0, t1), y,
                        method="DOP853", rtol=RTOL, atol=ATOL, dense_output=True)
        assert sol.success, sol.message
        return sol.sol


def simulate(model, t_end, dt, arrivals=(), current_steps=()):
    """arrivals: (time, w_exc, w_inh) at grid times; current_steps: (start, stop, nA)."""
    n = int(round(t_end / dt))
    grid = np.arange(n + 1) * dt
    arrive = {}
    for t, we, wi in arrivals:
        k = int(round(t / dt))
        e, i = arrive.get(k, (0.0, 0.0))
        arrive[k] = (e + we, i + wi)
    breaks = {int(round(x / dt)) for s in current_steps for x in s[:2]}
    breaks |= set(arrive) | {n}
    prop = _Propagator(model)
    y = np.asarray(model.y0, float)
    out = np.empty((n + 1, len(y)))
    out[0] = y
    result = Result(grid, {})
    refractory_steps = int(round(model.tau_refrac / dt))
    clamp_until = -1       # grid index up to which v is clamped
    dead_until = -1        # peak models: no detection up to this index
    k = 0
    while k < n:
        clamped = k < clamp_until
        if k in arrive:
            y = np.asarray(model.receive(y, *arrive[k], clamped), float)
        current = _current(grid[k] + 0.5 * dt, current_steps)
        # The segment ends at the next input, current change or end of clamp.
        stop = min(b for b in breaks | {clamp_until} if b > k)
        if model.kind == "event" and not clamped:
            sol = solve_ivp(lambda t, s: model.rhs(t, s, current, False), (grid[k], grid[stop]),
                            y, method="DOP853", rtol=RTOL, atol=ATOL, dense_output=True,
                            events=_event(model))
            assert sol.success, sol.message
            if sol.t_events[0].size:
                crossing = sol.t_events[0][0]
                j = int(math.ceil(crossing / dt - 1e-9))
                result.crossings.append(crossing)
                result.spikes.append(j * dt)
                for i in range(k + 1, j):
                    out[i] = sol.sol(grid[i])
                y = np.asarray(model.fire(sol.y_events[0][0]), float)
                # Clamped (if refractory) for the rest of the step and tau_refrac after it.
                if refractory_steps > 0:
                    clamp_until = j + refractory_steps
                    breaks.add(clamp_until)
                if crossing < grid[j]:
                    y = prop.dense(y, crossing, grid[j], current, refractory_steps > 0)(grid[j])
                out[j] = y
                k = j
                continue
            path = sol.sol
        else:
            path = prop.dense(y, grid[k], grid[stop], current, clamped)
        fired = False
        for i in range(k + 1, stop + 1):
            yi = np.asarray(path(grid[i]), float)
            if model.kind == "grid" and not clamped and yi[0] >= model.threshold(yi):
                result.spikes.append(grid[i])
                result.crossings.append(_crossing(model, path, grid[i - 1], grid[i]))
                yi = np.asarray(model.fire(yi), float)
                clamp_until = i + refractory_steps
                breaks.add(clamp_until)
                out[i] = yi
                y, k, fired = yi, i, True
                break
            if model.kind == "peak" and i > dead_until:
                v_start = out[i - 1][0]
                if model.v_offset + 30.0 < yi[0] < v_start:
                    result.spikes.append(grid[i])
                    dead_until = i + int(round(2.0 / dt))
            out[i] = yi
        if not fired:
            y, k = out[stop], stop
    result.samples = {name: out[:, j] for j, name in enumerate(model.states) if name}
    result.y = out
    result.slope = np.array([model.rhs(t, y, _current(t + 0.5 * dt, current_steps), False)[0]
                             for t, y in zip(grid, out)])
    return result


def _event(model):
    def crossing(t, y):
        return y[0] - model.threshold(y)
    crossing.terminal = True
    crossing.direction = 1
    return crossing


def _crossing(model, path, t0, t1):
    """The first time in (t0, t1] at which v reaches the threshold."""
    f = lambda s: path(s)[0] - model.threshold(path(s))
    if f(t0) >= 0:
        return t0
    return brentq(f, t0, t1, xtol=1e-12)


# --- PyNN's standard models --------------------------------------------------

def _lif_current_linear(p, kernel):
    """IF_curr_exp / IF_curr_alpha as y' = A y + b, y = (v, I_e, I_i[, y_e, y_i])."""
    g = 1.0 / p["tau_m"]

    def linear(current, clamped):
        if kernel == "exp":
            A = np.zeros((3, 3))
            A[1, 1], A[2, 2] = -1 / p["tau_syn_E"], -1 / p["tau_syn_I"]
        else:
            A = np.zeros((5, 5))
            A[1, 1], A[2, 2] = -1 / p["tau_syn_E"], -1 / p["tau_syn_I"]
            A[1, 3], A[2, 4] = 1.0, 1.0
            A[3, 3], A[4, 4] = -1 / p["tau_syn_E"], -1 / p["tau_syn_I"]
        b = np.zeros(len(A))
        if not clamped:
            A[0, 0] = -g
            A[0, 1], A[0, 2] = 1 / p["cm"], 1 / p["cm"]
            b[0] = g * p["v_rest"] + (p["i_offset"] + current) / p["cm"]
        return A, b
    return linear


def if_curr(p, kernel):
    """IF_curr_exp / IF_curr_alpha / IF_curr_delta (PyNN, NEST iaf_psc_*)."""
    if kernel == "delta":
        def linear(current, clamped):
            A, b = np.zeros((1, 1)), np.zeros(1)
            if not clamped:
                A[0, 0] = -1 / p["tau_m"]
                b[0] = p["v_rest"] / p["tau_m"] + (p["i_offset"] + current) / p["cm"]
            return A, b

        def receive(y, we, wi, clamped):
            return y if clamped else y + [we + wi]
        states, y0 = ["v"], [p.get("v0", -65.0)]
    else:
        linear = _lif_current_linear(p, kernel)
        if kernel == "exp":
            def receive(y, we, wi, clamped):
                return y + [0, we, wi]
            states, y0 = ["v", "isyn_exc", "isyn_inh"], [p.get("v0", -65.0), 0, 0]
        else:
            # Alpha: I(t) = w (t/tau) e^{1 - t/tau}, i.e. a jump of w e/tau in I'.
            def receive(y, we, wi, clamped):
                return y + [0, 0, 0, we * math.e / p["tau_syn_E"], wi * math.e / p["tau_syn_I"]]
            states, y0 = ["v", "isyn_exc", "isyn_inh", "", ""], [p.get("v0", -65.0), 0, 0, 0, 0]

    def rhs(t, y, current, clamped):
        A, b = linear(current, clamped)
        return A @ y + b

    def fire(y):
        return np.concatenate([[p["v_reset"]], y[1:]])
    return Model(states, y0, rhs, receive, "grid", threshold=lambda y: p["v_thresh"], fire=fire,
                 tau_refrac=p["tau_refrac"], linear=linear)


def _synaptic_receive(p, alpha, first):
    """receive() of a model whose synaptic state starts at y[first]: the
    excitatory and inhibitory values, then (alpha kernels) their slopes, which
    a spike of weight w jumps by w e / tau_syn."""
    def receive(y, we, wi, clamped):
        y = np.array(y, float)
        if alpha:
            y[first + 2] += we * math.e / p["tau_syn_E"]
            y[first + 3] += wi * math.e / p["tau_syn_I"]
        else:
            y[first] += we
            y[first + 1] += wi
        return y
    return receive


def if_cond(p, kernel, extra=None):
    """IF_cond_exp / IF_cond_alpha / IF_facets_hardware1, and with `extra` the
    gsfa_grr and GIF additions: extra = (names, y0, derivative(y_extra, v) ->
    (dy, conductance uS, conductance x reversal uS mV, current nA), jump)."""
    alpha = kernel == "alpha"
    syn = ["gsyn_exc", "gsyn_inh"] + (["", ""] if alpha else [])
    names, extra_y0, extra_f, extra_jump, threshold = extra or ([], [], None, None, None)
    states = ["v"] + syn + names
    ns = len(syn)
    g_l = p["cm"] / p["tau_m"]

    def rhs(t, y, current, clamped):
        v = y[0]
        d = np.zeros_like(y)
        ge, gi = y[1], y[2]
        if alpha:
            d[1] = y[3] - ge / p["tau_syn_E"]
            d[2] = y[4] - gi / p["tau_syn_I"]
            d[3] = -y[3] / p["tau_syn_E"]
            d[4] = -y[4] / p["tau_syn_I"]
        else:
            d[1], d[2] = -ge / p["tau_syn_E"], -gi / p["tau_syn_I"]
        g_x = g_x_e = i_x = 0.0
        if extra_f is not None:
            dx, g_x, g_x_e, i_x = extra_f(y[1 + ns:], v)
            d[1 + ns:] = dx
        if not clamped:
            d[0] = (g_l * (p["v_rest"] - v) + ge * (p["e_rev_E"] - v) + gi * (p["e_rev_I"] - v)
                    + g_x_e - g_x * v + i_x + p["i_offset"] + current) / p["cm"]
        return d

    receive = _synaptic_receive(p, alpha, 1)

    def fire(y):
        y = np.array(y, float)
        y[0] = p["v_reset"]
        if extra_jump is not None:
            y[1 + ns:] = extra_jump(y[1 + ns:])
        return y
    y0 = [p.get("v0", -65.0)] + [0.0] * ns + list(extra_y0)
    return Model(states, y0, rhs, receive, "grid",
                 threshold=(lambda y: threshold(y[1 + ns:])) if threshold else
                 (lambda y: p["v_thresh"]), fire=fire, tau_refrac=p["tau_refrac"])


def if_cond_exp_gsfa_grr(p):
    """NEST iaf_cond_exp_sfa_rr: g_s, g_r (nS) decay and jump by q_sfa, q_rr."""
    def f(x, v):
        g_s, g_r = x[0] * 1e-3, x[1] * 1e-3
        return ([-x[0] / p["tau_sfa"], -x[1] / p["tau_rr"]], g_s + g_r,
                g_s * p["e_rev_sfa"] + g_r * p["e_rev_rr"], 0.0)
    return if_cond(p, "exp", (["g_s", "g_r"], [0.0, 0.0], f,
                              lambda x: x + [p["q_sfa"], p["q_rr"]], None))


def if_facets_hardware1(p):
    """PyNN's NEST translation: cm 0.2 nF, tau_refrac 1 ms, E_e 0 mV, no offset."""
    q = dict(p, cm=0.2, tau_m=0.2 / (p["g_leak"] * 1e-3), tau_refrac=1.0, e_rev_E=0.0,
             i_offset=0.0)
    return if_cond(q, "exp")


def gif_cond_exp(p, i_eta0=0.0, v_t0=None):
    """NEST gif_cond_exp: eta_j (nA) and gamma_j (mV) decay and jump; here with a
    sharp escape rate, i.e. firing when v >= v_t = v_t_star + sum gamma_j. The
    initial i_eta and v_t are spread over the components in proportion to a_X
    (docs/models.md)."""
    m = len(p["tau_eta"])
    eta0 = i_eta0 * np.array(p["a_eta"]) / sum(p["a_eta"])
    gamma0 = ((p["v_t_star"] if v_t0 is None else v_t0) - p["v_t_star"]) * \
        np.array(p["a_gamma"]) / sum(p["a_gamma"])

    def f(x, v):
        eta, gamma = x[:m], x[m:]
        d = np.concatenate([-eta / np.array(p["tau_eta"]), -gamma / np.array(p["tau_gamma"])])
        return d, 0.0, 0.0, -eta.sum()
    jumps = np.concatenate([p["a_eta"], p["a_gamma"]])
    return if_cond(p, "exp", ([f"eta{j}" for j in range(m)] + [f"gamma{j}" for j in range(m)],
                              list(eta0) + list(gamma0), f, lambda x: x + jumps,
                              lambda x: p["v_t_star"] + x[m:].sum()))


def adex(p, kernel):
    """NEST aeif_cond_exp / aeif_cond_alpha (EIF_cond_*_isfa_ista)."""
    alpha = kernel == "alpha"
    g_l = p["cm"] / p["tau_m"]

    def rhs(t, y, current, clamped):
        v = p["v_reset"] if clamped else y[0]
        w, ge, gi = y[1], y[2], y[3]
        d = np.zeros_like(y)
        spike = g_l * p["delta_T"] * math.exp((v - p["v_thresh"]) / p["delta_T"])
        if not clamped:
            d[0] = (-g_l * (v - p["v_rest"]) + spike - ge * (v - p["e_rev_E"])
                    - gi * (v - p["e_rev_I"]) - w + p["i_offset"] + current) / p["cm"]
        d[1] = (p["a"] * 1e-3 * (v - p["v_rest"]) - w) / p["tau_w"]
        if alpha:
            d[2] = y[4] - ge / p["tau_syn_E"]
            d[3] = y[5] - gi / p["tau_syn_I"]
            d[4], d[5] = -y[4] / p["tau_syn_E"], -y[5] / p["tau_syn_I"]
        else:
            d[2], d[3] = -ge / p["tau_syn_E"], -gi / p["tau_syn_I"]
        return d

    receive = _synaptic_receive(p, alpha, 2)

    def fire(y):
        y = np.array(y, float)
        y[0] = p["v_reset"]
        y[1] += p["b"]
        return y
    states = ["v", "w", "gsyn_exc", "gsyn_inh"] + (["", ""] if alpha else [])
    return Model(states, [-70.6, 0.0, 0.0, 0.0] + ([0.0, 0.0] if alpha else []), rhs, receive,
                 "event", threshold=lambda y: p["v_spike"], fire=fire,
                 tau_refrac=p["tau_refrac"])


def izhikevich(p):
    """Izhikevich (2003) as NEST: I = 1000 (i_offset + injected), weights in mV."""
    def rhs(t, y, current, clamped):
        v, u = y
        return [0.04 * v * v + 5 * v + 140 - u + 1000.0 * (p["i_offset"] + current),
                p["a"] * (p["b"] * v - u)]

    def fire(y):
        return [p["c"], y[1] + p["d"]]
    return Model(["v", "u"], [-70.0, -14.0], rhs,
                 lambda y, we, wi, clamped: np.asarray(y) + [we + wi, 0.0], "event",
                 threshold=lambda y: 30.0, fire=fire)


def hh_cond_exp(p):
    """NEST hh_cond_exp_traub (Traub & Miles rates of u = v - v_offset)."""
    def ratio(x, k):
        return k * (1 - 0.5 * x / k) if abs(x / k) < 1e-6 else x / math.expm1(x / k)

    def rhs(t, y, current, clamped):
        v, m, h, n, ge, gi = y
        u = v - p["v_offset"]
        i_ion = (p["gbar_Na"] * m ** 3 * h * (v - p["e_rev_Na"])
                 + p["gbar_K"] * n ** 4 * (v - p["e_rev_K"])
                 + p["g_leak"] * (v - p["e_rev_leak"])
                 + ge * (v - p["e_rev_E"]) + gi * (v - p["e_rev_I"]))
        am, bm = 0.32 * ratio(13 - u, 4), 0.28 * ratio(u - 40, 5)
        ah, bh = 0.128 * math.exp((17 - u) / 18), 4 / (1 + math.exp((40 - u) / 5))
        an, bn = 0.032 * ratio(15 - u, 5), 0.5 * math.exp((10 - u) / 40)
        return [(-i_ion + p["i_offset"] + current) / p["cm"], am * (1 - m) - bm * m,
                ah * (1 - h) - bh * h, an * (1 - n) - bn * n,
                -ge / p["tau_syn_E"], -gi / p["tau_syn_I"]]
    return Model(["v", "m", "h", "n", "gsyn_exc", "gsyn_inh"], [-65.0, 0.0, 1.0, 0.0, 0, 0], rhs,
                 lambda y, we, wi, clamped: np.asarray(y) + [0, 0, 0, 0, we, wi], "peak",
                 v_offset=p["v_offset"])


def gap_coupled_pair(model, g, t_end, dt, current_steps_a, current_steps_b):
    """Two cells of `model` (an HH "peak" model) joined by a gap junction of
    conductance g (uS): g (v_b - v_a) into a and g (v_a - v_b) into b, solved
    as one ODE system. Returns (Result of a, Result of b)."""
    n_states = len(model.y0)
    n = int(round(t_end / dt))
    grid = np.arange(n + 1) * dt
    breaks = sorted({0, n} | {int(round(x / dt)) for s in (*current_steps_a, *current_steps_b)
                              for x in s[:2] if 0 < x / dt < n})

    def rhs(t, y, i_a, i_b):
        a, b = y[:n_states], y[n_states:]
        return np.concatenate([model.rhs(t, a, i_a + g * (b[0] - a[0]), False),
                               model.rhs(t, b, i_b + g * (a[0] - b[0]), False)])
    y = np.concatenate([model.y0, model.y0]).astype(float)
    out = np.empty((n + 1, 2 * n_states))
    out[0] = y
    for k0, k1 in zip(breaks[:-1], breaks[1:]):
        mid = grid[k0] + 0.5 * dt
        sol = solve_ivp(rhs, (grid[k0], grid[k1]), y, method="DOP853", rtol=RTOL, atol=ATOL,
                        dense_output=True,
                        args=(_current(mid, current_steps_a), _current(mid, current_steps_b)))
        assert sol.success, sol.message
        for i in range(k0 + 1, k1 + 1):
            out[i] = sol.sol(grid[i])
        y = out[k1]
    results = []
    for part in (out[:, :n_states], out[:, n_states:]):
        result = Result(grid, {name: part[:, j] for j, name in enumerate(model.states) if name})
        dead_until = -1
        for i in range(1, n + 1):
            if i > dead_until and model.v_offset + 30.0 < part[i, 0] < part[i - 1, 0]:
                result.spikes.append(grid[i])
                dead_until = i + int(round(2.0 / dt))
        results.append(result)
    return results
