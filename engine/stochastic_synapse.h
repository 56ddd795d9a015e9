// SimpleStochasticSynapse: each presynaptic spike is transmitted (the full
// weight) with probability p, independently per synapse and spike. The draw
// for spike j of synapse k at step s comes from the counter stream
// (seed, projection, k, s, trial), so it does not depend on threads or on the
// order of delivery; k is the storage index. p is per connection.
#ifndef SPIKESERVE_ENGINE_STOCHASTIC_SYNAPSE_H_
#define SPIKESERVE_ENGINE_STOCHASTIC_SYNAPSE_H_

#include <cstdint>

#include "engine/synapse_dynamics.h"

namespace spikeserve::engine {

class StochasticRelease : public SynapseDynamics {
 public:
  StochasticRelease(const SynapseTypeInfo& type, Projection& projection)
      : SynapseDynamics(type, projection), p_(AddConnectionParameter("p")) {}

  absl::Status Check(const std::string& prefix) const override;
  void Prepare(const SynapseRunContext& context) override;
  void Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) override;

 private:
  void ResetTime() override {}

  const SynapseParameter& p_;  // release probability
  uint64_t seed_ = 0;          // session seed
  uint64_t stream_key_ = 0;    // projection id and trial
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_STOCHASTIC_SYNAPSE_H_
