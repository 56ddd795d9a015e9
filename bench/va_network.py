"""The Vogels-Abbott benchmark networks (Brette et al. 2007) that every peer builds.

Parameters follow PyNN's examples/VAbenchmarks.py. At 4000 neurons the
recurrent connectivity is FixedProbability(0.02), as there; larger networks
keep the mean in-degree of 80 with FixedNumberPre (64 excitatory + 16
inhibitory inputs per cell) so that the activity, and hence the work per
neuron, stays comparable across scales.
"""

from dataclasses import dataclass

MODELS = ("COBA", "CUBA")
CLASSIC_SIZE = 4000
EXCITATORY_FRACTION = 0.8
P_CONNECT = 0.02
IN_DEGREE_EXC, IN_DEGREE_INH = 64, 16

DT_MS = 0.1
DELAY_MS = 0.2
DURATION_MS = 1000.0

V_RESET, V_THRESH = -60.0, -50.0  # also the bounds of the initial v

KICK_SOURCES = 20
KICK_RATE_HZ = 100.0
KICK_DURATION_MS = 50.0
KICK_P_CONNECT = 0.01
KICK_WEIGHT = 0.1  # uS for COBA, nA for CUBA, as in VAbenchmarks.py

_COMMON_CELL = dict(tau_m=20.0, cm=0.2, v_reset=V_RESET, v_thresh=V_THRESH, tau_refrac=5.0,
                    tau_syn_E=5.0, tau_syn_I=10.0)
_V_MEAN = -60.0  # the membrane potential at which CUBA's currents equal COBA's conductances
_E_REV_E, _E_REV_I = 0.0, -80.0


@dataclass(frozen=True)
class Network:
    model: str
    n_neurons: int
    cell_type: str  # PyNN standard cell type name
    cell_parameters: dict  # PyNN names and units
    w_exc: float  # uS (COBA) or nA (CUBA)
    w_inh: float  # uS (COBA, positive) or nA (CUBA, negative, PyNN's convention)

    @property
    def n_exc(self):
        return int(round(self.n_neurons * EXCITATORY_FRACTION))

    @property
    def n_inh(self):
        return self.n_neurons - self.n_exc

    @property
    def fixed_probability(self):
        """True: FixedProbability(P_CONNECT); False: FixedNumberPre(64 + 16)."""
        return self.n_neurons == CLASSIC_SIZE

    @property
    def expected_synapses(self):
        """Expected recurrent synapse count (the kick projection excluded)."""
        if self.fixed_probability:
            return P_CONNECT * self.n_neurons * self.n_neurons
        return (IN_DEGREE_EXC + IN_DEGREE_INH) * self.n_neurons


def network(model, n_neurons):
    if model == "COBA":
        cell = dict(_COMMON_CELL, v_rest=-60.0, e_rev_E=_E_REV_E, e_rev_I=_E_REV_I)
        return Network(model, n_neurons, "IF_cond_exp", cell, w_exc=4.0e-3, w_inh=51.0e-3)
    if model == "CUBA":
        cell = dict(_COMMON_CELL, v_rest=-49.0)
        return Network(model, n_neurons, "IF_curr_exp", cell,
                       w_exc=0.27e-3 * (_E_REV_E - _V_MEAN),
                       w_inh=4.5e-3 * (_E_REV_I - _V_MEAN))
    raise ValueError(f"model must be one of {MODELS}, not {model!r}")
