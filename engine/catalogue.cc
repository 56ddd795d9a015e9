#include "engine/catalogue.h"

#include <limits>

namespace spikeserve::engine {
namespace {

ParameterInfo Num(const char* name, double def, const char* units, const char* description = "") {
  return ParameterInfo{name, def, units, ValueKind::kNumber, description};
}

ParameterInfo Int(const char* name, double def, const char* units, const char* description) {
  return ParameterInfo{name, def, units, ValueKind::kInteger, description};
}

// A sequence parameter; `same_length_as` non-empty for the vectors that go in pairs.
ParameterInfo Seq(const char* name, std::vector<double> def, const char* units,
                  const char* description, bool sorted, const char* same_length_as = "") {
  return ParameterInfo{name,        0.0, units,  ValueKind::kSequence,
                       description, def, sorted, same_length_as};
}

CellTypeInfo Cell(const char* name, const char* description, std::vector<ParameterInfo> params,
                  std::vector<StateVariableInfo> states, std::vector<std::string> recordables,
                  bool conductance_based) {
  CellTypeInfo c;
  c.name = name;
  c.description = description;
  c.parameters = std::move(params);
  c.state_variables = std::move(states);
  c.recordables = std::move(recordables);
  c.receptor_types = {"excitatory", "inhibitory"};
  c.conductance_based = conductance_based;
  return c;
}

std::vector<ParameterInfo> AdexParameters() {
  return {
      Num("cm", 0.281, "nF", "membrane capacitance"),
      Num("tau_refrac", 0.1, "ms", "refractory period"),
      Num("v_spike", -40.0, "mV", "spike detection threshold"),
      Num("v_reset", -70.6, "mV", "reset potential after a spike"),
      Num("v_rest", -70.6, "mV", "resting membrane potential (leak reversal)"),
      Num("tau_m", 9.3667, "ms", "membrane time constant"),
      Num("i_offset", 0.0, "nA", "offset current"),
      Num("a", 4.0, "nS", "subthreshold adaptation conductance"),
      Num("b", 0.0805, "nA", "spike-triggered adaptation increment"),
      Num("delta_T", 2.0, "mV", "slope factor of the exponential term"),
      Num("tau_w", 144.0, "ms", "adaptation time constant"),
      Num("v_thresh", -50.4, "mV", "spike initiation threshold (v_T)"),
      Num("e_rev_E", 0.0, "mV", "excitatory reversal potential"),
      Num("tau_syn_E", 5.0, "ms", "excitatory synaptic time constant"),
      Num("e_rev_I", -80.0, "mV", "inhibitory reversal potential"),
      Num("tau_syn_I", 5.0, "ms", "inhibitory synaptic time constant"),
  };
}

std::vector<StateVariableInfo> AdexStates() {
  return {{"v", -70.6, "mV"}, {"w", 0.0, "nA"}, {"gsyn_exc", 0.0, "uS"}, {"gsyn_inh", 0.0, "uS"}};
}

std::vector<ParameterInfo> Window() {
  return {Num("start", 0.0, "ms", "start time"),
          Num("duration", 1e10, "ms", "duration of spike sequence")};
}

template <class T>
std::vector<T> Concat(std::vector<T> a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<ParameterInfo> LifParameters(double tau_syn_e, double tau_syn_i, bool conductance) {
  std::vector<ParameterInfo> p = {
      Num("v_rest", -65.0, "mV", "resting membrane potential"),
      Num("cm", 1.0, "nF", "membrane capacitance"),
      Num("tau_m", 20.0, "ms", "membrane time constant"),
      Num("tau_refrac", 0.1, "ms", "refractory period"),
      Num("tau_syn_E", tau_syn_e, "ms", "excitatory synaptic time constant"),
      Num("tau_syn_I", tau_syn_i, "ms", "inhibitory synaptic time constant"),
  };
  if (conductance) {
    p.push_back(Num("e_rev_E", 0.0, "mV", "excitatory reversal potential"));
    p.push_back(Num("e_rev_I", -70.0, "mV", "inhibitory reversal potential"));
    p.push_back(Num("v_thresh", -50.0, "mV", "spike threshold"));
    p.push_back(Num("v_reset", -65.0, "mV", "reset potential after a spike"));
    p.push_back(Num("i_offset", 0.0, "nA", "offset current"));
  } else {
    p.push_back(Num("i_offset", 0.0, "nA", "offset current"));
    p.push_back(Num("v_reset", -65.0, "mV", "reset potential after a spike"));
    p.push_back(Num("v_thresh", -50.0, "mV", "spike threshold"));
  }
  return p;
}

CellTypeInfo CurrentLif(const char* name, const char* description, double tau_syn) {
  CellTypeInfo c;
  c.name = name;
  c.description = description;
  c.parameters = LifParameters(tau_syn, tau_syn, false);
  c.state_variables = {{"v", -65.0, "mV"}, {"isyn_exc", 0.0, "nA"}, {"isyn_inh", 0.0, "nA"}};
  c.recordables = {"spikes", "v"};
  c.receptor_types = {"excitatory", "inhibitory"};
  return c;
}

CellTypeInfo ConductanceLif(const char* name, const char* description, double tau_e, double tau_i) {
  CellTypeInfo c;
  c.name = name;
  c.description = description;
  c.parameters = LifParameters(tau_e, tau_i, true);
  c.state_variables = {{"v", -65.0, "mV"}, {"gsyn_exc", 0.0, "uS"}, {"gsyn_inh", 0.0, "uS"}};
  c.recordables = {"spikes", "v", "gsyn_exc", "gsyn_inh"};
  c.receptor_types = {"excitatory", "inhibitory"};
  c.conductance_based = true;
  return c;
}

// A cell type that also takes gap junctions (ElectricalSynapse).
CellTypeInfo WithGapJunctions(CellTypeInfo c) {
  c.receptor_types.push_back(kGapReceptor);
  return c;
}

CellTypeInfo Source(const char* name, const char* description, std::vector<ParameterInfo> params) {
  CellTypeInfo c;
  c.name = name;
  c.description = description;
  c.parameters = std::move(params);
  c.recordables = {"spikes"};
  c.conductance_based = true;  // PyNN's class attribute default for sources
  c.injectable = false;
  c.spike_source = true;
  return c;
}

}  // namespace

const std::vector<CellTypeInfo>& CellTypes() {
  static const auto* types = new std::vector<CellTypeInfo>{
      CurrentLif("IF_curr_alpha",
                 "Leaky integrate and fire model with fixed threshold and alpha-function-shaped "
                 "post-synaptic current.",
                 0.5),
      CurrentLif("IF_curr_exp",
                 "Leaky integrate and fire model with fixed threshold and decaying-exponential "
                 "post-synaptic current.",
                 5.0),
      ConductanceLif(
          "IF_cond_alpha",
          "Leaky integrate and fire model with fixed threshold and alpha-function-shaped "
          "post-synaptic conductance.",
          0.3, 0.5),
      ConductanceLif("IF_cond_exp",
                     "Leaky integrate and fire model with fixed threshold and decaying-exponential "
                     "post-synaptic conductance.",
                     5.0, 5.0),
      Cell("IF_curr_delta",
           "Leaky integrate and fire model with fixed threshold and delta-function-shaped "
           "post-synaptic potential (weights in mV).",
           {Num("v_rest", -65.0, "mV", "resting membrane potential"),
            Num("cm", 1.0, "nF", "membrane capacitance"),
            Num("tau_m", 20.0, "ms", "membrane time constant"),
            Num("tau_refrac", 0.1, "ms", "refractory period"),
            Num("i_offset", 0.0, "nA", "offset current"),
            Num("v_reset", -65.0, "mV", "reset potential after a spike"),
            Num("v_thresh", -50.0, "mV", "spike threshold")},
           {{"v", -65.0, "mV"}}, {"spikes", "v"}, false),
      Cell("IF_cond_exp_gsfa_grr",
           "Linear leaky integrate and fire model with fixed threshold, decaying-exponential "
           "post-synaptic conductance, conductance based spike-frequency adaptation, and a "
           "conductance-based relative refractory mechanism.",
           Concat(LifParameters(5.0, 5.0, true),
                  {Num("tau_sfa", 100.0, "ms", "spike-frequency adaptation time constant"),
                   Num("e_rev_sfa", -75.0, "mV", "spike-frequency adaptation reversal potential"),
                   Num("q_sfa", 15.0, "nS", "spike-frequency adaptation conductance increment"),
                   Num("tau_rr", 2.0, "ms", "relative refractory time constant"),
                   Num("e_rev_rr", -75.0, "mV", "relative refractory reversal potential"),
                   Num("q_rr", 3000.0, "nS", "relative refractory conductance increment")}),
           {{"v", -65.0, "mV"},
            {"g_r", 0.0, "nS"},
            {"g_s", 0.0, "nS"},
            {"gsyn_exc", 0.0, "uS"},
            {"gsyn_inh", 0.0, "uS"}},
           {"spikes", "v", "g_r", "g_s", "gsyn_exc", "gsyn_inh"}, true),
      Cell("IF_facets_hardware1",
           "Leaky integrate and fire model with conductance-based synapses and fixed threshold "
           "as it is resembled by the FACETS Hardware Stage 1 (cm 0.2 nF, tau_refrac 1 ms, "
           "e_rev_E 0 mV).",
           {Num("g_leak", 40.0, "nS", "leak conductance"),
            Num("tau_syn_E", 30.0, "ms", "excitatory synaptic time constant"),
            Num("tau_syn_I", 30.0, "ms", "inhibitory synaptic time constant"),
            Num("v_reset", -80.0, "mV", "reset potential after a spike"),
            Num("e_rev_I", -80.0, "mV", "inhibitory reversal potential"),
            Num("v_rest", -65.0, "mV", "resting membrane potential"),
            Num("v_thresh", -55.0, "mV", "spike threshold")},
           {{"v", -65.0, "mV"}, {"gsyn_exc", 0.0, "uS"}, {"gsyn_inh", 0.0, "uS"}},
           {"spikes", "v", "gsyn_exc", "gsyn_inh"}, true),
      WithGapJunctions(Cell("HH_cond_exp", "Single-compartment Hodgkin-Huxley model (Traub and Miles rates).",
           {Num("gbar_Na", 20.0, "uS", "sodium conductance"),
            Num("gbar_K", 6.0, "uS", "potassium conductance"),
            Num("g_leak", 0.01, "uS", "leak conductance"),
            Num("cm", 0.2, "nF", "membrane capacitance"),
            Num("v_offset", -63.0, "mV", "voltage offset of the rate functions (V_T)"),
            Num("e_rev_Na", 50.0, "mV", "sodium reversal potential"),
            Num("e_rev_K", -90.0, "mV", "potassium reversal potential"),
            Num("e_rev_leak", -65.0, "mV", "leak reversal potential"),
            Num("e_rev_E", 0.0, "mV", "excitatory reversal potential"),
            Num("e_rev_I", -80.0, "mV", "inhibitory reversal potential"),
            Num("tau_syn_E", 0.2, "ms", "excitatory synaptic time constant"),
            Num("tau_syn_I", 2.0, "ms", "inhibitory synaptic time constant"),
            Num("i_offset", 0.0, "nA", "offset current")},
           {{"v", -65.0, "mV"},
            {"gsyn_exc", 0.0, "uS"},
            {"gsyn_inh", 0.0, "uS"},
            {"h", 1.0, ""},
            {"m", 0.0, ""},
            {"n", 0.0, ""}},
           {"spikes", "v", "gsyn_exc", "gsyn_inh"}, true)),
      Cell("EIF_cond_alpha_isfa_ista",
           "Exponential integrate and fire neuron with spike triggered and sub-threshold "
           "adaptation currents (isfa, ista) and alpha-function-shaped conductances.",
           AdexParameters(), AdexStates(), {"spikes", "v", "w", "gsyn_exc", "gsyn_inh"}, true),
      Cell("EIF_cond_exp_isfa_ista",
           "Exponential integrate and fire neuron with spike triggered and sub-threshold "
           "adaptation currents (isfa, ista) and decaying-exponential conductances.",
           AdexParameters(), AdexStates(), {"spikes", "v", "w", "gsyn_exc", "gsyn_inh"}, true),
      Cell(
          "Izhikevich", "Izhikevich spiking model with a quadratic non-linearity (weights in mV).",
          {Num("a", 0.02, "/ms", "recovery time scale"),
           Num("b", 0.2, "/ms", "sensitivity of u to v"), Num("c", -65.0, "mV", "reset value of v"),
           Num("d", 2.0, "mV/ms", "increment of u at a spike"),
           Num("i_offset", 0.0, "nA", "offset current")},
          {{"v", -70.0, "mV"}, {"u", -14.0, "mV/ms"}}, {"spikes", "v", "u"}, false),
      Cell("GIF_cond_exp",
           "Generalized integrate-and-fire model with a spike-triggered current eta(t), a "
           "moving threshold gamma(t), escape-rate (stochastic) spiking and "
           "decaying-exponential conductances.",
           {Num("v_rest", -65.0, "mV", "resting membrane potential"),
            Num("cm", 1.0, "nF", "membrane capacitance"),
            Num("tau_m", 20.0, "ms", "membrane time constant"),
            Num("tau_refrac", 4.0, "ms", "refractory period"),
            Num("tau_syn_E", 5.0, "ms", "excitatory synaptic time constant"),
            Num("tau_syn_I", 5.0, "ms", "inhibitory synaptic time constant"),
            Num("e_rev_E", 0.0, "mV", "excitatory reversal potential"),
            Num("e_rev_I", -70.0, "mV", "inhibitory reversal potential"),
            Num("v_reset", -65.0, "mV", "reset potential after a spike"),
            Num("i_offset", 0.0, "nA", "offset current"),
            Num("delta_v", 0.5, "mV", "stochasticity level of the escape rate"),
            Num("v_t_star", -48.0, "mV", "base threshold"),
            Num("lambda0", 1.0, "Hz", "escape rate at threshold"),
            Seq("tau_eta", {1.0, 10.0, 100.0}, "ms", "time constants of eta", false, "a_eta"),
            Seq("tau_gamma", {1.0, 10.0, 100.0}, "ms", "time constants of gamma", false, "a_gamma"),
            Seq("a_eta", {1.0, 1.0, 1.0}, "nA", "jumps of eta at a spike", false, "tau_eta"),
            Seq("a_gamma", {1.0, 1.0, 1.0}, "mV", "jumps of gamma at a spike", false, "tau_gamma")},
           {{"v", -65.0, "mV"},
            {"v_t", -48.0, "mV"},
            {"i_eta", 0.0, "nA"},
            {"gsyn_exc", 0.0, "uS"},
            {"gsyn_inh", 0.0, "uS"}},
           {"spikes", "v", "gsyn_exc", "gsyn_inh", "i_eta", "v_t"}, true),
      Source("SpikeSourcePoisson",
             "Spike source, generating spikes according to a Poisson process.",
             Concat({Num("rate", 1.0, "Hz", "mean firing rate")}, Window())),
      Source("SpikeSourcePoissonRefractory",
             "Spike source, generating spikes according to a Poisson process with dead time.",
             Concat({Num("rate", 1.0, "Hz", "mean firing rate"),
                     Num("tau_refrac", 0.0, "ms", "dead time after a spike")},
                    Window())),
      Source("SpikeSourceGamma",
             "Spike source, generating spikes according to a gamma process (mean rate "
             "beta/alpha).",
             Concat({Int("alpha", 2, "dimensionless", "shape parameter (whole number >= 1)"),
                     Num("beta", 1.0, "Hz", "rate parameter")},
                    Window())),
      Source(
          "SpikeSourceInhGamma",
          "Spike source, generating realizations of an inhomogeneous gamma process, "
          "piecewise constant in time bins (rate 1/(a b) in bin k).",
          Concat({Seq("a", {1.0}, "dimensionless", "shape parameter of each bin", false, "tbins"),
                  Seq("b", {1.0}, "s", "scale parameter of each bin", false, "tbins"),
                  Seq("tbins", {0.0}, "ms", "start time of each bin", true, "a")},
                 Window())),
      Source("SpikeSourceArray",
             "Spike source generating spikes at the times given in the spike_times array.",
             {Seq("spike_times", {}, "ms", "sorted spike times of each cell", true)}),
  };
  return *types;
}

const std::vector<SynapseTypeInfo>& SynapseTypes() {
  const auto weight =
      Num("weight", 0.0, "nA or uS", "nA for current-based targets, uS for conductance-based ones");
  const auto delay =
      Num("delay", 0.0, "ms", "transmission delay; default (not given) is min_delay");
  static const auto* types = new std::vector<SynapseTypeInfo>{
      {"StaticSynapse", {weight, delay}, "Synaptic connection with fixed weight and delay."},
      {"TsodyksMarkramSynapse",
       {weight, delay, Num("U", 0.5, "dimensionless", "use parameter"),
        Num("tau_rec", 100.0, "ms", "depression (recovery) time constant"),
        Num("tau_facil", 0.0, "ms", "facilitation time constant; 0: none")},
       "Short-term depression and facilitation (NEST tsodyks_synapse); the PSC time constant is "
       "the post cell's tau_syn_E or tau_syn_I.",
       {{"u", 0.0, "dimensionless"}}},
      {"STDPMechanism",
       {weight, delay,
        Num("dendritic_delay_fraction", 1.0, "dimensionless",
            "part of the delay on the dendrite, in [0, 1]")},
       "Spike-timing-dependent plasticity: a timing dependence and a weight dependence (see "
       "TimingDependences, WeightDependences), all-to-all pairing with traces (NEST "
       "stdp_synapse)."},
      {"SimpleStochasticSynapse",
       {weight, delay, Num("p", 0.5, "dimensionless", "release probability per spike")},
       "Transmits each spike with probability p."},
      {"StochasticTsodyksMarkramSynapse",
       {weight, delay, Num("U", 0.5, "dimensionless", "release probability without facilitation"),
        Num("tau_rec", 100.0, "ms", "recovery time constant of the release site"),
        Num("tau_facil", 0.0, "ms", "facilitation time constant; 0: none")},
       "Stochastic short-term plasticity with one release site (Fuhrmann et al. 2002); the mean "
       "follows TsodyksMarkramSynapse."},
      {"MultiQuantalSynapse",
       {weight, delay, Num("U", 0.5, "dimensionless", "release probability per site"),
        Int("n", 1, "dimensionless", "number of release sites, 1 to 10000"),
        Num("tau_rec", 800.0, "ms", "recovery time constant of a release site"),
        Num("tau_facil", 0.0, "ms", "facilitation time constant; 0: none")},
       "Stochastic short-term plasticity with n release sites (NEST quantal_stp_synapse); "
       "weight is what all n sites give together. State: u (release probability, default 0: "
       "the first spike has u = U) and a (available sites, default inf: all n).",
       {{"u", 0.0, "dimensionless"},
        {"a", std::numeric_limits<double>::infinity(), "dimensionless"}}},
      {"ElectricalSynapse",
       {Num("weight", 0.0, "uS", "conductance of the gap junction (both directions)")},
       "Gap junction: a bidirectional conductance between two cells' membranes, g (v_pre - "
       "v_post) into the post cell and the opposite into the pre cell; no delay. Both cell "
       "types must have the receptor type 'source_section.gap' (HH_cond_exp); the "
       "projection's receptor_type is 'source_section.gap'."},
  };
  return *types;
}

const std::vector<SynapseTypeInfo>& TimingDependences() {
  static const auto* types = new std::vector<SynapseTypeInfo>{
      {"SpikePairRule",
       {Num("tau_plus", 20.0, "ms", "potentiation time constant"),
        Num("tau_minus", 20.0, "ms", "depression time constant"),
        Num("A_plus", 0.01, "dimensionless", "potentiation amplitude"),
        Num("A_minus", 0.01, "dimensionless", "depression amplitude")},
       "Pair rule: dw+ = A_plus F+(w) exp(-dt/tau_plus), dw- = A_minus F-(w) exp(dt/tau_minus)."},
      {"Vogels2011Rule",
       {Num("tau", 20.0, "ms", "time constant of both traces"),
        Num("eta", 1e-10, "nA or uS", "learning rate"),
        Num("rho", 3.0, "Hz", "target post-synaptic rate")},
       "Inhibitory plasticity (Vogels et al. 2011; NEST vogels_sprekeler_synapse)."},
  };
  return *types;
}

const std::vector<SynapseTypeInfo>& WeightDependences() {
  const auto w_min = Num("w_min", 0.0, "nA or uS", "lower weight bound");
  const auto w_max = Num("w_max", 1.0, "nA or uS", "upper weight bound");
  static const auto* types = new std::vector<SynapseTypeInfo>{
      {"AdditiveWeightDependence", {w_min, w_max}, "F+ = F- = w_max - w_min."},
      {"MultiplicativeWeightDependence", {w_min, w_max}, "F+ = w_max - w, F- = w - w_min."},
      {"AdditivePotentiationMultiplicativeDepression",
       {w_min, w_max},
       "F+ = w_max - w_min, F- = w - w_min."},
      {"GutigWeightDependence",
       {w_min, w_max, Num("mu_plus", 0.5, "dimensionless", "potentiation exponent"),
        Num("mu_minus", 0.5, "dimensionless", "depression exponent")},
       "F+ = (w_max - w_min) (1 - x)^mu_plus, F- = (w_max - w_min) x^mu_minus, "
       "x = (w - w_min)/(w_max - w_min)."},
  };
  return *types;
}

const std::vector<ConnectorInfo>& Connectors() {
  const auto self = Num("allow_self_connections", 1.0, "dimensionless", "0 or 1");
  static const auto* connectors = new std::vector<ConnectorInfo>{
      {"AllToAllConnector", {self}, "Connects every pre cell to every post cell."},
      {"OneToOneConnector", {}, "Connects pre cell i to post cell i."},
      {"FixedProbabilityConnector",
       {Num("p_connect", 0.0, "dimensionless", "connection probability in [0, 1]"), self},
       "Connects each (pre, post) pair independently with probability p_connect."},
      {"FixedNumberPreConnector",
       {Num("n", 0.0, "dimensionless", "number of pre cells per post cell"), self,
        Num("with_replacement", 0.0, "dimensionless", "0 or 1")},
       "Each post cell receives exactly n connections from randomly chosen pre cells."},
      {"FixedNumberPostConnector",
       {Num("n", 0.0, "dimensionless", "number of post cells per pre cell"), self,
        Num("with_replacement", 0.0, "dimensionless", "0 or 1")},
       "Each pre cell makes exactly n connections to randomly chosen post cells."},
      {"FixedTotalNumberConnector",
       {Num("n", 0.0, "dimensionless", "total number of connections"), self,
        Num("with_replacement", 1.0, "dimensionless", "0 or 1")},
       "Exactly n connections between randomly chosen (pre, post) pairs."},
      {"DistanceDependentProbabilityConnector",
       {self},
       "Connects each (pre, post) pair independently with probability p(d), d the distance "
       "(um) in the projection's Space, p given as distance_expression (e.g. \"exp(-d/100)\"); "
       "p >= 1 always connects, p <= 0 never."},
      {"SmallWorldConnector",
       {Num("degree", 0.0, "um", "cells closer than this are the lattice neighbours"),
        Num("rewiring", 0.0, "dimensionless", "probability of rewiring each lattice edge"), self,
        Num("n_connections", 0.0, "dimensionless",
            "connections per pre cell: its n nearest lattice neighbours (0: all of them)")},
       "Watts-Strogatz small world: each pre cell connects to the post cells within degree "
       "(or its n_connections nearest of them), then each connection independently, with "
       "probability rewiring, moves to a uniformly drawn post cell the pre cell does not "
       "reach yet. Out-degrees are kept; no connection is made twice."},
      {"CloneConnector",
       {},
       "Connects the (pre, post) pairs that the reference projection connects, once each; "
       "pre and post must be the reference's cells."},
      {"ArrayConnector",
       {},
       "Connects the pairs whose flag in the n_pre x n_post matrix (matrix_u8) is non-zero."},
      {"FromListConnector",
       {},
       "Explicit rows (pre, post, values of column_names...); 4 columns default to weight, delay."},
  };
  return *connectors;
}

const std::vector<CurrentSourceInfo>& CurrentSources() {
  static const auto* sources = new std::vector<CurrentSourceInfo>{
      {"DCSource",
       {Num("amplitude", 1.0, "nA", "current amplitude"), Num("start", 0.0, "ms", "onset time"),
        Num("stop", 1e12, "ms", "offset time")},
       "Constant current between start and stop."},
      {"ACSource",
       {Num("amplitude", 1.0, "nA", "amplitude of the sinusoid"),
        Num("start", 0.0, "ms", "onset time"), Num("stop", 1e12, "ms", "offset time"),
        Num("frequency", 10.0, "Hz", "frequency"), Num("offset", 0.0, "nA", "constant offset"),
        Num("phase", 0.0, "deg", "phase at start")},
       "Sinusoidal current offset + amplitude sin(2 pi frequency (t - start) + phase) between "
       "start and stop."},
      {"StepCurrentSource",
       {Seq("amplitudes", {}, "nA", "amplitude from each time on", false, "times"),
        Seq("times", {}, "ms", "times of the steps, increasing", true, "amplitudes")},
       "Piecewise-constant current: 0 before the first time, amplitudes[k] from times[k] on."},
      {"NoisyCurrentSource",
       {Num("mean", 0.0, "nA", "mean current"), Num("stdev", 1.0, "nA", "standard deviation"),
        Num("start", 0.0, "ms", "onset time"), Num("stop", 1e12, "ms", "offset time"),
        Num("dt", 0.1, "ms", "interval between new values; a multiple of the time step")},
       "Gaussian white noise current, a new value every dt, between start and stop."},
  };
  return *sources;
}

const std::vector<DistributionInfo>& Distributions() {
  static const auto* dists = new std::vector<DistributionInfo>{
      {"uniform", {"low", "high"}},
      {"normal", {"mu", "sigma"}},
      {"normal_clipped", {"mu", "sigma", "low", "high"}},
      {"normal_clipped_to_boundary", {"mu", "sigma", "low", "high"}},
      {"exponential", {"beta"}},
      {"uniform_int", {"low", "high"}},
      {"poisson", {"lambda_"}},
      {"gamma", {"k", "theta"}},
      {"lognormal", {"mu", "sigma"}},
      {"binomial", {"n", "p"}},
      {"vonmises", {"mu", "kappa"}},
  };
  return *dists;
}

const CellTypeInfo* FindCellType(const std::string& name) {
  for (const auto& c : CellTypes())
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace spikeserve::engine
