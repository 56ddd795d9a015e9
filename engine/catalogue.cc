#include "engine/catalogue.h"

namespace spikeserve::engine {
namespace {

ParameterInfo Num(const char* name, double def, const char* units, const char* description = "") {
  return ParameterInfo{name, def, units, ValueKind::kNumber, description};
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
      Source("SpikeSourcePoisson",
             "Spike source, generating spikes according to a Poisson process.",
             {Num("rate", 1.0, "Hz", "mean firing rate"), Num("start", 0.0, "ms", "start time"),
              Num("duration", 1e10, "ms", "duration of spike sequence")}),
      Source("SpikeSourceArray",
             "Spike source generating spikes at the times given in the spike_times array.",
             {ParameterInfo{"spike_times", 0.0, "ms", ValueKind::kSequence,
                            "sorted spike times of each cell"}}),
  };
  return *types;
}

const std::vector<SynapseTypeInfo>& SynapseTypes() {
  static const auto* types = new std::vector<SynapseTypeInfo>{
      {"StaticSynapse",
       {Num("weight", 0.0, "nA or uS",
            "nA for current-based targets, uS for conductance-based ones"),
        Num("delay", 0.0, "ms", "transmission delay; default (not given) is min_delay")},
       "Synaptic connection with fixed weight and delay."},
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
