// What a non-static synapse type adds to a projection (StaticSynapse needs
// none of it and keeps the 12-byte layout of projection.h):
//  - its model parameters: per connection (SynapseParameter: U, tau_rec,
//    tau_facil, p, ..., shared by all synapses until values differ) or, where
//    the model keeps them per projection (STDP's timing and weight
//    dependences, whose traces are shared by a delay run), one value;
//  - per-synapse state as structure-of-arrays beside the CSR arrays, in
//    storage order, with the values Reset restores;
//  - how a presynaptic spike is transmitted. The virtual calls happen once
//    per spike row or per step, never per synapse.
#ifndef SPIKESERVE_ENGINE_SYNAPSE_DYNAMICS_H_
#define SPIKESERVE_ENGINE_SYNAPSE_DYNAMICS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalogue.h"
#include "engine/cell_group.h"
#include "engine/projection.h"
#include "engine/synapse_parameter.h"
#include "engine/time_grid.h"

namespace spikeserve::engine {

// What a run needs to know about the projection's surroundings.
struct SynapseRunContext {
  TimeGrid grid;
  uint64_t seed = 0;   // session seed
  uint64_t trial = 0;  // resets so far
  // Time constant of the post cell's synaptic current on the projection's
  // receptor (ms), per post position; 0 where the cell type has none.
  std::vector<double> tau_psc;
};

class SynapseDynamics {
 public:
  SynapseDynamics(const SynapseTypeInfo& type, Projection& projection);
  virtual ~SynapseDynamics() = default;

  const SynapseTypeInfo& type() const { return type_; }
  // Model parameter names (not weight and delay), the type's first.
  const std::vector<std::string>& parameter_names() const { return names_; }
  bool has_parameter(const std::string& name) const;
  // The per-connection parameter `name`; nullptr if it is per projection.
  SynapseParameter* connection_parameter(const std::string& name);
  const SynapseParameter* connection_parameter(const std::string& name) const;
  // Per-connection parameter names, for error messages.
  std::vector<std::string> connection_parameter_names() const;
  // Per-projection parameters.
  std::map<std::string, double>& parameters() { return parameters_; }
  const std::map<std::string, double>& parameters() const { return parameters_; }
  // Range checks of the parameter values; errors name `prefix` + name.
  virtual absl::Status Check(const std::string& prefix) const = 0;
  // Range checks of the initial values of the state (after initialize).
  virtual absl::Status CheckInitial(const std::string& /*prefix*/) const {
    return absl::OkStatus();
  }

  // State variables whose initial values users set (PyNN's
  // Projection.initialize), per synapse in storage order; nullptr if unknown.
  std::vector<double>* initial(const std::string& name);
  // Whether the weights change while running; then Reset restores the weights
  // of the last explicit set, which KeepWeights records.
  bool plastic() const { return plastic_; }
  void KeepWeights() { initial_weights_ = projection_.weights(); }
  // Follows a reorder of the projection's synapses (new -> old index).
  void Reorder(const std::vector<uint64_t>& perm);
  // Heap bytes of the per-synapse parameters and state.
  uint64_t MemoryBytes() const;
  // Weights and state back to their initial values, time back to 0.
  void Reset();

  // Start of every run: lower the parameters.
  virtual void Prepare(const SynapseRunContext& context) = 0;
  // The spike of pre position `row` at time spike_step dt, at the end of the
  // epoch in which it was emitted (spikes of a row come in time order).
  virtual void Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) = 0;
  // Start of `step`, before the cells are updated.
  virtual void Step(uint64_t /*step*/) {}
  // Spikes of the post cells in ring part `part` at time spike_step dt.
  virtual void PostSpikes(uint32_t /*part*/, uint64_t /*spike_step*/,
                          const std::vector<SpikeEvent>& /*spikes*/) {}
  // End of a run at `step`: brings the readable state (weights) up to date.
  virtual void Finish(uint64_t /*step*/) {}

 protected:
  // Per-synapse state in storage order and the values Reset restores:
  // `initial` per synapse for state users initialise, `fill` for internal
  // state (name ""), which needs no per-synapse copy.
  struct StateColumn {
    std::string name;
    std::vector<double> value, initial;
    double fill = 0.0;
  };
  // Adds a column filled with `initial`; references stay valid.
  std::vector<double>& AddState(const std::string& name, double initial);
  // Makes the model parameter `name` per connection; references stay valid.
  SynapseParameter& AddConnectionParameter(const std::string& name);
  // Checks every value of per-connection parameter `name` with `ok`; the
  // error says `name` must be `rule`.
  absl::Status CheckEach(const std::string& prefix, const std::string& name, bool (*ok)(double),
                         const char* rule) const;
  // The same for the initial values of state variable `name`; `ok` also sees
  // the synapse's storage index.
  absl::Status CheckEachInitial(const std::string& prefix, const std::string& name,
                                const std::function<bool(uint64_t, double)>& ok,
                                const char* rule) const;
  // The Tsodyks-Markram parameters shared by every short-term plasticity
  // model: U in [0, 1], tau_rec > 0, tau_facil >= 0.
  absl::Status CheckShortTermPlasticity(const std::string& prefix) const;
  // Per-row and other non-synapse state back to time 0.
  virtual void ResetTime() = 0;

  const SynapseTypeInfo& type_;
  Projection& projection_;
  std::vector<std::string> names_;
  std::map<std::string, double> parameters_;
  std::map<std::string, SynapseParameter> connection_parameters_;
  bool plastic_ = false;

 private:
  std::vector<std::unique_ptr<StateColumn>> state_;
  SynapseParameter initial_weights_;
};

// The dynamics of `spec_type` ("TsodyksMarkramSynapse", "STDPMechanism", ...)
// with the STDP components; nullptr for StaticSynapse. Errors name the fields
// "synapse.type", "synapse.timing_dependence", "synapse.weight_dependence".
absl::StatusOr<std::unique_ptr<SynapseDynamics>> MakeSynapseDynamics(const std::string& type,
                                                                     const std::string& timing,
                                                                     const std::string& weight,
                                                                     Projection& projection);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SYNAPSE_DYNAMICS_H_
