#include "engine/quantal_release.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace spikeserve::engine {
namespace {
// Bounds the draws per spike.
constexpr double kMaxSites = 10000;
// The initial value of `a` until users set it: every one of the n sites.
constexpr double kAllSites = std::numeric_limits<double>::infinity();
}  // namespace

QuantalRelease::QuantalRelease(const SynapseTypeInfo& type, Projection& projection, bool sites)
    : SynapseDynamics(type, projection),
      u_(AddState(sites ? "u" : "", 0.0)),
      available_(AddState(sites ? "a" : "", kAllSites)),
      use_(AddConnectionParameter("U")),
      tau_rec_(AddConnectionParameter("tau_rec")),
      tau_facil_(AddConnectionParameter("tau_facil")),
      n_(sites ? AddConnectionParameter("n") : one_site_),
      last_spike_(projection.num_rows(), 0) {}

absl::Status QuantalRelease::Check(const std::string& prefix) const {
  absl::Status s = CheckShortTermPlasticity(prefix);
  if (s.ok() && &n_ != &one_site_)
    s = CheckEach(
        prefix, "n", [](double v) { return v >= 1 && v <= kMaxSites && v == std::floor(v); },
        "a whole number in [1, 10000]");
  return s;
}

absl::Status QuantalRelease::CheckInitial(const std::string& prefix) const {
  absl::Status s = CheckEachInitial(
      prefix, "u", [](uint64_t, double v) { return v >= 0 && v <= 1; }, "in [0, 1]");
  if (s.ok())
    s = CheckEachInitial(
        prefix, "a",
        [this](uint64_t k, double v) {
          return v == kAllSites || (v >= 0 && v <= n_[k] && v == std::floor(v));
        },
        "a whole number of sites in [0, n]");
  return s;
}

void QuantalRelease::Prepare(const SynapseRunContext& context) {
  dt_ = context.grid.dt();
  seed_ = context.seed;
  stream_key_ = HashCombine(projection_.id(), context.trial);
}

void QuantalRelease::ResetTime() { std::fill(last_spike_.begin(), last_spike_.end(), 0); }

uint32_t QuantalRelease::Spike(uint64_t k, double h, CounterRng& rng) {
  const double use = use_[k];
  const double u_decay = tau_facil_[k] > 0 ? std::exp(-h / tau_facil_[k]) : 0.0;
  u_[k] = use + u_[k] * (1.0 - use) * u_decay;
  const double p_recover = -std::expm1(-h / tau_rec_[k]);
  const uint32_t n = static_cast<uint32_t>(n_[k]);
  uint32_t available = static_cast<uint32_t>(std::min(available_[k], n_[k]));
  for (uint32_t d = n - available; d > 0; --d) available += rng.Uniform() < p_recover;
  uint32_t released = 0;
  for (uint32_t a = available; a > 0; --a) released += rng.Uniform() < u_[k];
  available_[k] = available - released;
  return released;
}

void QuantalRelease::Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) {
  const Projection& p = projection_;
  const double h = static_cast<double>(spike_step - last_spike_[row]) * dt_;
  p.ForEachSynapse(row, spike_step, [&](uint64_t k, uint64_t arrival) {
    CounterRng rng(seed_, RngPurpose::kSynapticRelease, k, spike_step, stream_key_);
    // Several spikes in one step follow each other with no time between.
    uint32_t released = Spike(k, h, rng);
    for (uint32_t m = 1; m < multiplicity; ++m) released += Spike(k, 0.0, rng);
    if (released > 0) p.AddInput(k, arrival, p.weights()[k] * released / n_[k]);
  });
  last_spike_[row] = spike_step;
}

}  // namespace spikeserve::engine
