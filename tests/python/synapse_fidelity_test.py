"""Plastic synapses through the real server against their analytic expectations:
Tsodyks-Markram amplitudes from NEST tsodyks_synapse's recursion, STDP weights
from the all-to-all pair rule applied to the recorded spike times.
Both are computed exactly (no integration error), so they agree to rounding."""

import math
import sys

import numpy as np
import pytest

from spikeserve.session import Session
from spikeserve.values import Cells, SequenceListValue
from spikeserve_server import server  # noqa: F401  (pytest fixture)

DT = 0.1


@pytest.fixture
def session(server):
    with Session(server.address, timestep=DT, seed=3) as s:
        yield s


def tsodyks_markram_amplitudes(times, weight, use, tau_rec, tau_facil, tau_psc, u0):
    """NEST tsodyks_synapse: resources x, y (active, decaying with tau_psc),
    z = 1 - x - y (recovering with tau_rec); u decays with tau_facil; the last
    spike time starts at 0."""
    x, y, u, last, out = 1.0, 0.0, u0, 0.0, []
    for t in times:
        h = t - last
        z = 1.0 - x - y
        p_zz, p_yy = math.exp(-h / tau_rec), math.exp(-h / tau_psc)
        x += ((p_zz - 1) * tau_rec - (p_yy - 1) * tau_psc) / (tau_psc - tau_rec) * y \
            + (1 - p_zz) * z
        y *= p_yy
        u *= math.exp(-h / tau_facil)
        u += use * (1 - u)
        out.append(weight * u * x)
        x -= u * x
        y += out[-1] / weight
        last = t
    return np.array(out)


def test_tsodyks_markram_amplitudes_follow_the_recursion(session):
    # Irregular train (depression and facilitation), initial u 0.1, PSC time
    # constant tau_syn_E = 2 ms; the amplitude is the conductance jump at each
    # arrival, exact in IF_cond_exp.
    times = [10.0, 15.0, 30.0, 31.5, 60.0, 200.0]
    delay, tau_syn = 0.5, 2.0
    source = session.create_population(1, "SpikeSourceArray",
                                       {"spike_times": SequenceListValue([times])})
    cell = session.create_population(1, "IF_cond_exp", {"tau_syn_E": tau_syn,
                                                        "v_thresh": 100.0})
    projection = session.create_projection(
        [Cells(source.population_id)], [Cells(cell.population_id)],
        {"name": "AllToAllConnector"}, "TsodyksMarkramSynapse",
        {"weight": 0.01, "delay": delay, "U": 0.3, "tau_rec": 80.0, "tau_facil": 50.0})
    session.initialize_synapses(projection.projection_id, {"u": 0.1})
    session.record([Cells(cell.population_id)], ["gsyn_exc"])
    session.run_until(210.0)
    g = session.get_data([Cells(cell.population_id)]).segments[0].signal("gsyn_exc")
    g = g.values[:, 0]
    decay = math.exp(-DT / tau_syn)
    arrivals = [int(round((t + delay) / DT)) for t in times]
    measured = np.array([g[j + 1] / decay - g[j] for j in arrivals])
    expected = tsodyks_markram_amplitudes(times, 0.01, 0.3, 80.0, 50.0, tau_syn, 0.1)
    # Each amplitude arrives rounded to the engine's float32 ring buffers.
    np.testing.assert_allclose(measured, np.float32(expected).astype(float), rtol=1e-9)


def stdp_weight(pre, post, w0, delay, fraction, tau_plus, tau_minus, a_plus, a_minus,
                w_min, w_max, multiplicative):
    """NEST stdp_synapse's all-to-all algorithm, timed at the synapse: a pre spike
    s arrives at s + (1 - fraction) delay, a post spike p at p + fraction delay.
    At each pre arrival: potentiation by every post spike since the previous
    arrival, then depression by all earlier post spikes; at the end, the
    potentiation still pending."""
    arrivals = [s + (1 - fraction) * delay for s in pre]
    backs = [p + fraction * delay for p in post]
    x = (w0 - w_min) / (w_max - w_min)
    k_plus, last = 0.0, -math.inf

    def potentiate(x, upto):
        for b in backs:
            if last < b <= upto:
                f = (1 - x) if multiplicative else 1.0
                x += a_plus * f * k_plus * math.exp(-(b - last) / tau_plus)
        return min(x, 1.0)

    for a in arrivals:
        x = potentiate(x, a)
        k_minus = sum(math.exp(-(a - b) / tau_minus) for b in backs if b < a)
        x = max(x - a_minus * (x if multiplicative else 1.0) * k_minus, 0.0)
        k_plus = k_plus * math.exp(-(a - last) / tau_plus) + 1.0
        last = a
    x = potentiate(x, math.inf)
    return w_min + x * (w_max - w_min)


@pytest.mark.parametrize("weight_dependence,fraction", [
    ("AdditiveWeightDependence", 1.0),
    ("AdditiveWeightDependence", 0.5),
    ("MultiplicativeWeightDependence", 1.0),
])
def test_stdp_weight_follows_the_pair_rule(session, weight_dependence, fraction):
    # The post cell (IF_curr_delta) fires exactly one step after each 50 mV
    # kick from a driver; the pre train interleaves with it so that pairs of
    # both signs, several per spike, occur; no two spikes meet at the synapse.
    pre_times = [10.0, 25.0, 42.0, 61.0, 63.0, 90.0]
    kicks = [18.0, 30.0, 40.0, 70.0, 95.3]
    delay = 1.0
    sources = session.create_population(2, "SpikeSourceArray",
                                        {"spike_times": SequenceListValue([pre_times, kicks])})
    cell = session.create_population(1, "IF_curr_delta", {"tau_refrac": 0.1})
    session.create_projection([Cells(sources.population_id, np.array([1]))],
                              [Cells(cell.population_id)], {"name": "AllToAllConnector"},
                              synapse_parameters={"weight": 50.0, "delay": 0.1})
    rule = dict(tau_plus=20.0, tau_minus=15.0, A_plus=0.05, A_minus=0.06, w_min=0.0,
                w_max=2.0)
    projection = session.create_projection(
        [Cells(sources.population_id, np.array([0]))], [Cells(cell.population_id)],
        {"name": "AllToAllConnector"}, "STDPMechanism",
        dict(rule, weight=0.8, delay=delay, dendritic_delay_fraction=fraction),
        timing_dependence="SpikePairRule", weight_dependence=weight_dependence)
    session.record([Cells(cell.population_id)], ["spikes"])
    session.run_until(120.0)
    post = list(session.get_data([Cells(cell.population_id)]).segments[0]
                .spike_trains[0].times_ms)
    np.testing.assert_allclose(post, [k + 0.2 for k in kicks], atol=1e-9)
    _, _, columns = session.get_connections(projection.projection_id, ["weight"])
    expected = stdp_weight(pre_times, post, 0.8, delay, fraction, rule["tau_plus"],
                           rule["tau_minus"], rule["A_plus"], rule["A_minus"], rule["w_min"],
                           rule["w_max"], weight_dependence.startswith("Multiplicative"))
    assert abs(expected - 0.8) > 0.01  # the pairs really change the weight
    assert columns["weight"][0] == pytest.approx(expected, rel=1e-12)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v", "-p", "no:cacheprovider"]))
