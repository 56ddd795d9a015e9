#include "engine/quantal_release.h"

#include <cmath>
#include <limits>

namespace spikeserve::engine {
namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
// Bounds the draws per spike.
constexpr double kMaxSites = 10000;
}  // namespace

QuantalRelease::QuantalRelease(const SynapseTypeInfo& type, Projection& projection, bool sites)
    : SynapseDynamics(type, projection),
      u_(AddState("", 0.0)),
      depleted_(AddState("", 0.0)),
      use_(AddConnectionParameter("U")),
      tau_rec_(AddConnectionParameter("tau_rec")),
      tau_facil_(AddConnectionParameter("tau_facil")),
      n_(sites ? AddConnectionParameter("n") : one_site_),
      last_spike_(projection.num_rows(), kNever) {}

absl::Status QuantalRelease::Check(const std::string& prefix) const {
  absl::Status s = CheckShortTermPlasticity(prefix);
  if (s.ok() && &n_ != &one_site_)
    s = CheckEach(
        prefix, "n", [](double v) { return v >= 1 && v <= kMaxSites && v == std::floor(v); },
        "a whole number in [1, 10000]");
  return s;
}

void QuantalRelease::Prepare(const SynapseRunContext& context) {
  dt_ = context.grid.dt();
  seed_ = context.seed;
  stream_key_ = HashCombine(projection_.id(), context.trial);
}

void QuantalRelease::ResetTime() { std::fill(last_spike_.begin(), last_spike_.end(), kNever); }

uint32_t QuantalRelease::Spike(uint64_t k, double h, CounterRng& rng) {
  const double use = use_[k];
  // exp(-inf) = 0: the first spike has u = U and every site recovered.
  const double u_decay = tau_facil_[k] > 0 ? std::exp(-h / tau_facil_[k]) : 0.0;
  u_[k] = use + u_[k] * (1.0 - use) * u_decay;
  const double p_recover = -std::expm1(-h / tau_rec_[k]);
  uint32_t depleted = static_cast<uint32_t>(depleted_[k]);
  for (uint32_t d = depleted; d > 0; --d) depleted -= rng.Uniform() < p_recover;
  uint32_t released = 0;
  for (uint32_t a = static_cast<uint32_t>(n_[k]) - depleted; a > 0; --a)
    released += rng.Uniform() < u_[k];
  depleted_[k] = depleted + released;
  return released;
}

void QuantalRelease::Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) {
  const Projection& p = projection_;
  const double h = last_spike_[row] == kNever
                       ? std::numeric_limits<double>::infinity()
                       : static_cast<double>(spike_step - last_spike_[row]) * dt_;
  for (uint64_t r = p.run_begin(row); r < p.run_begin(row + 1); ++r) {
    const uint64_t arrival = spike_step + p.runs()[r].delay;
    for (uint64_t k = p.runs()[r].begin; k < p.runs()[r].end; ++k) {
      CounterRng rng(seed_, RngPurpose::kSynapticRelease, k, spike_step, stream_key_);
      // Several spikes in one step follow each other with no time between.
      uint32_t released = Spike(k, h, rng);
      for (uint32_t m = 1; m < multiplicity; ++m) released += Spike(k, 0.0, rng);
      if (released == 0) continue;
      const PostTarget& t = p.post_targets()[p.post()[k]];
      p.ring(t.part).Add(p.receptor(), arrival, t.index, p.weights()[k] * released / n_[k]);
    }
  }
  last_spike_[row] = spike_step;
}

}  // namespace spikeserve::engine
