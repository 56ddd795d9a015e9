#include "engine/stochastic_synapse.h"

#include "engine/counter_rng.h"

namespace spikeserve::engine {

absl::Status StochasticRelease::Check(const std::string& prefix) const {
  return CheckEach(
      prefix, "p", [](double v) { return v >= 0 && v <= 1; }, "in [0, 1]");
}

void StochasticRelease::Prepare(const SynapseRunContext& context) {
  seed_ = context.seed;
  stream_key_ = HashCombine(projection_.id(), context.trial);
}

void StochasticRelease::Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) {
  const Projection& p = projection_;
  p.ForEachSynapse(row, spike_step, [&](uint64_t k, uint64_t arrival) {
    CounterRng rng(seed_, RngPurpose::kSynapticRelease, k, spike_step, stream_key_);
    uint32_t released = 0;
    for (uint32_t m = 0; m < multiplicity; ++m) released += rng.Uniform() < p_[k];
    if (released > 0) p.AddInput(k, arrival, p.weights()[k] * released);
  });
}

}  // namespace spikeserve::engine
