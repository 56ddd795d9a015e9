#include "engine/spike_source_poisson_refractory.h"

#include <algorithm>

#include "engine/counter_rng.h"

namespace spikeserve::engine {
namespace {
constexpr int64_t kNoSpike = INT64_MIN / 2;
}  // namespace

SpikeSourcePoissonRefractory::SpikeSourcePoissonRefractory(const CellTypeInfo& type, uint32_t size,
                                                           const CellGroupContext& context)
    : CellGroup(type, size),
      context_(context),
      p_(size),
      dead_steps_(size),
      last_spike_(size, kNoSpike),
      window_(size) {}

void SpikeSourcePoissonRefractory::Prepare(const TimeGrid& grid, uint64_t) {
  const auto& rate = parameter("rate");
  const auto& tau_refrac = parameter("tau_refrac");
  const auto& start = parameter("start");
  const auto& duration = parameter("duration");
  for (uint32_t i = 0; i < size_; ++i) {
    dead_steps_[i] = std::max<int64_t>(grid.Steps(tau_refrac[i]), 1);
    const double mean_steps = 1000.0 / (rate[i] * grid.dt());  // inf for rate 0
    const double free_steps = mean_steps - static_cast<double>(dead_steps_[i]) + 1.0;
    p_[i] = rate[i] > 0 ? 1.0 / std::max(free_steps, 1.0) : 0.0;
    window_[i] = StepWindow(grid, start[i], duration[i]);
  }
}

void SpikeSourcePoissonRefractory::Reset(uint64_t trial) {
  trial_ = trial;
  std::fill(last_spike_.begin(), last_spike_.end(), kNoSpike);
}

void SpikeSourcePoissonRefractory::Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) {
  const int64_t step = static_cast<int64_t>(ctx.step);
  for (uint32_t i = 0; i < size_; ++i) {
    if (p_[i] <= 0.0 || !window_[i].Contains(step) || step - last_spike_[i] < dead_steps_[i])
      continue;
    CounterRng rng(context_.seed, RngPurpose::kPoissonRefractorySource, context_.first_gid + i,
                   ctx.step, trial_);
    if (rng.Uniform() < p_[i]) {
      last_spike_[i] = step;
      spikes.push_back({i, 1});
    }
  }
}

}  // namespace spikeserve::engine
