"""ElectricalSynapse (gap junctions between HH_cond_exp cells) through the real
server against scipy's solution of the coupled pair (reference_models.py),
and its bad inputs.

The engine couples the cells with each partner's v extrapolated to the middle
of the step (engine/gap_junction.h): second order. Tolerance: the midpoint
rule's error h^3/24 |v''| and the extrapolation's 3/8 h^2 |v''| per step, times
g/cm and summed over the steps, give at most h^2/2 (g/cm) integral |v''| dt of
both cells (doubled for their feedback), plus 1e-3 mV for HH's own adaptive
integration (model_fidelity_test.py); halving dt must divide the error by ~4.
"""

import sys

import grpc
import numpy as np
import pytest

import reference_models as ref
from spikeserve.errors import SpikeserveError
from spikeserve.session import Session
from spikeserve.values import Cells
from spikeserve_server import server  # noqa: F401  (pytest fixture)

G = 0.05          # uS
AMPLITUDE = 0.6   # nA from 10 ms on, into one cell of each pair
T_END = 60.0
HH = dict(gbar_Na=20.0, gbar_K=6.0, g_leak=0.01, cm=0.2, v_offset=-63.0, e_rev_Na=50.0,
          e_rev_K=-90.0, e_rev_leak=-65.0, e_rev_E=0.0, e_rev_I=-80.0, tau_syn_E=0.2,
          tau_syn_I=2.0, i_offset=0.0)


def gap(session, pre, post, weight=G, **extra):
    return session.create_projection(
        [pre], [post], {"name": "AllToAllConnector"}, "ElectricalSynapse",
        dict(extra, weight=weight), receptor_type="source_section.gap")


def run_pairs(address, dt):
    """Cells 0-1 joined with the current into 0 (the pre cell), cells 2-3 with
    the current into 3 (the post cell): the junction must act both ways."""
    with Session(address, timestep=dt) as session:
        pop = session.create_population(4, "HH_cond_exp")
        pid = pop.population_id
        gap(session, Cells(pid, np.array([0])), Cells(pid, np.array([1])))
        gap(session, Cells(pid, np.array([2])), Cells(pid, np.array([3])))
        source, _ = session.create_current_source(
            "DCSource", {"amplitude": AMPLITUDE, "start": 10.0, "stop": 1e9})
        session.inject(source, [Cells(pid, np.array([0, 3]))])
        session.record([Cells(pid)], ["v", "spikes"])
        session.run_until(T_END)
        segment = session.get_data([Cells(pid)]).segments[0]
    trains = segment.spike_trains[0]
    spikes = [trains.times_ms[trains.train == k] for k in range(4)]
    return segment.signal("v").values, spikes


@pytest.fixture(scope="module")
def runs(server):
    return {dt: run_pairs(server.address, dt) for dt in (0.1, 0.05)}


def test_coupled_hh_pair_matches_the_reference_to_second_order(runs):
    errors = {}
    for dt, (v, spikes) in runs.items():
        driven, follower = ref.gap_coupled_pair(ref.hh_cond_exp(HH), G, T_END, dt,
                                                [(10.0, 1e9, AMPLITUDE)], [])
        assert len(driven.spikes) >= 3 and len(follower.spikes) >= 3
        # (cell, reference): the driven cell is 0 in the first pair, 3 in the second.
        for cell, expected in ((0, driven), (1, follower), (3, driven), (2, follower)):
            # O(h^2) phase error per spike: within one step over these 60 ms.
            assert len(spikes[cell]) == len(expected.spikes), (dt, cell)
            np.testing.assert_allclose(spikes[cell], expected.spikes, rtol=0, atol=dt + 1e-9)
        # Before the first spike (its last millisecond excluded: the upstroke
        # turns phase into large v differences), against the bound.
        k = int(round((driven.spikes[0] - 1.0) / dt))
        curvature = sum(np.abs(np.diff(r.samples["v"][:k + 1], 2)).sum() / dt
                        for r in (driven, follower))
        bound = 2 * 0.5 * dt ** 2 * G / HH["cm"] * curvature + 1e-3
        error = max(np.abs(v[:k, cell] - expected.samples["v"][:k]).max()
                    for cell, expected in ((0, driven), (1, follower), (3, driven),
                                           (2, follower)))
        print(f"gap junctions dt {dt}: max |v - v_ref| {error:.2e} mV before the first spike, "
              f"bound {bound:.2e}")
        assert error <= bound, (dt, error, bound)
        errors[dt] = error
    assert 2.8 < errors[0.1] / errors[0.05] < 5.0, errors


def expect_error(call, code, reason, field):
    with pytest.raises(SpikeserveError) as caught:
        call()
    assert caught.value.code == code
    assert caught.value.reason == reason
    assert caught.value.field.endswith(field), caught.value.field
    return caught.value


def test_bad_gap_junctions_are_rejected_with_the_field(server):
    with Session(server.address, timestep=0.1) as session:
        hh = Cells(session.create_population(2, "HH_cond_exp").population_id)
        lif = Cells(session.create_population(2, "IF_cond_exp").population_id)
        invalid = grpc.StatusCode.INVALID_ARGUMENT
        # Post cells without the gap receptor; pre cells without it (both ends
        # carry the current).
        expect_error(lambda: gap(session, hh, lif), invalid, "UNKNOWN_RECEPTOR_TYPE",
                     "receptor_type")
        error = expect_error(lambda: gap(session, lif, hh), invalid, "UNKNOWN_RECEPTOR_TYPE",
                             "pre")
        assert "HH_cond_exp" in error.message
        # The synapse type and the receptor type go together.
        expect_error(lambda: session.create_projection(
            [hh], [hh], {"name": "AllToAllConnector"}, "ElectricalSynapse", {"weight": G}),
            invalid, "CONFLICT", "receptor_type")
        expect_error(lambda: session.create_projection(
            [hh], [hh], {"name": "AllToAllConnector"}, "StaticSynapse", {"weight": G},
            receptor_type="source_section.gap"), invalid, "CONFLICT", "synapse.type")
        expect_error(lambda: gap(session, hh, hh, delay=1.0), invalid, "UNKNOWN_PARAMETER",
                     "delay")
        expect_error(lambda: gap(session, hh, hh, weight=-0.1), invalid, "OUT_OF_RANGE",
                     "weight")
        # dt g / cm > 1 would make the explicit coupling unstable: refused at the run.
        gap(session, hh, hh, weight=3.0)
        expect_error(lambda: session.run_until(1.0), invalid, "OUT_OF_RANGE", "weight")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v", "-p", "no:cacheprovider"]))
