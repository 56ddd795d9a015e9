// What the engine offers, described as data: the cell types, synapse types,
// connectors, current sources and random distributions with their parameters,
// defaults and units. The server's Capabilities RPC is a translation of this,
// and clients build their model classes from it.
#ifndef SPIKESERVE_ENGINE_CATALOGUE_H_
#define SPIKESERVE_ENGINE_CATALOGUE_H_

#include <string>
#include <vector>

namespace spikeserve::engine {

enum class ValueKind {
  kNumber,    // one float per element
  kInteger,   // a whole number per element (e.g. SpikeSourceGamma.alpha)
  kSequence,  // one Sequence per element (spike_times, step times, GIF's ArrayParameters)
};

struct ParameterInfo {
  std::string name;
  double default_value = 0.0;  // unused for kSequence: see default_sequence
  std::string units;           // "mV", "ms", "nA", "uS", "nF", "Hz", "dimensionless"
  ValueKind kind = ValueKind::kNumber;
  std::string description;
  // kSequence only: the default value; whether the values must be
  // non-decreasing (times) and the parameter whose per-element sequence must
  // have the same length (e.g. a_eta and tau_eta); "" for none. For cell
  // types, a non-empty same_length_as also requires at least one value.
  std::vector<double> default_sequence;
  bool sorted = false;
  std::string same_length_as;
};

// The receptor type of gap junctions (ElectricalSynapse), PyNN's name for it.
inline constexpr const char* kGapReceptor = "source_section.gap";

struct StateVariableInfo {
  std::string name;
  double initial_value = 0.0;
  std::string units;
};

struct CellTypeInfo {
  std::string name;  // PyNN class name
  std::string description;
  std::vector<ParameterInfo> parameters;
  std::vector<StateVariableInfo> state_variables;
  std::vector<std::string> recordables;  // includes "spikes"
  std::vector<std::string> receptor_types;
  bool conductance_based = false;
  bool injectable = true;
  bool spike_source = false;
};

struct SynapseTypeInfo {
  std::string name;
  std::vector<ParameterInfo> parameters;  // weight's units depend on the target: see description
  std::string description;
  // Synaptic state with initial values users may set (Projection.initialize).
  std::vector<StateVariableInfo> state_variables;
};

struct ConnectorInfo {
  std::string name;
  std::vector<ParameterInfo> parameters;
  std::string description;
};

struct CurrentSourceInfo {
  std::string name;
  std::vector<ParameterInfo> parameters;
  std::string description;
};

struct DistributionInfo {
  std::string name;                     // PyNN's name: "normal", "uniform", ...
  std::vector<std::string> parameters;  // in PyNN's positional order
};

// The catalogue is immutable and lives for the whole program.
const std::vector<CellTypeInfo>& CellTypes();
const std::vector<SynapseTypeInfo>& SynapseTypes();
// STDPMechanism's components: PyNN's timing dependences (SpikePairRule, ...)
// and weight dependences (AdditiveWeightDependence, ...), whose parameters
// join the mechanism's.
const std::vector<SynapseTypeInfo>& TimingDependences();
const std::vector<SynapseTypeInfo>& WeightDependences();
const std::vector<ConnectorInfo>& Connectors();
const std::vector<CurrentSourceInfo>& CurrentSources();
const std::vector<DistributionInfo>& Distributions();

// nullptr when unknown.
const CellTypeInfo* FindCellType(const std::string& name);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_CATALOGUE_H_
