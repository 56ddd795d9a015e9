#include "engine/spike_source_poisson.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>

#include "engine/counter_rng.h"
#include "engine/counter_rng_lanes.h"

namespace spikeserve::engine {

SpikeSourcePoisson::SpikeSourcePoisson(const CellTypeInfo& type, uint32_t size,
                                       const CellGroupContext& context)
    : CellGroup(type, size), context_(context), mean_(size), table_(size), window_(size) {}

void SpikeSourcePoisson::Prepare(const TimeGrid& grid, uint64_t) {
  const auto& rate = parameters_[ParameterIndex("rate")];
  const auto& start = parameters_[ParameterIndex("start")];
  const auto& duration = parameters_[ParameterIndex("duration")];
  tables_.clear();
  std::map<double, uint32_t> by_mean;
  for (uint32_t i = 0; i < size_; ++i) {
    mean_[i] = rate[i] * grid.dt() * 1e-3;
    window_[i] = StepWindow(grid, start[i], duration[i]);
    table_[i] = kNoTable;
    if (!(mean_[i] > 0.0 && mean_[i] <= kPoissonInversionMaxMean)) continue;
    auto [it, added] = by_mean.try_emplace(mean_[i], static_cast<uint32_t>(tables_.size()));
    table_[i] = it->second;
    if (!added) continue;
    CountTable& t = tables_.emplace_back();
    PoissonTerm term{0, std::exp(-mean_[i]), std::exp(-mean_[i])};
    for (int k = 0; k < kTerms; ++k) {
      t.cdf[k] = k > 0 && term.p <= 0.0 ? std::numeric_limits<double>::infinity() : term.cdf;
      t.last = term;
      if (k + 1 < kTerms) term = NextPoissonTerm(term, mean_[i]);
    }
  }
}

void SpikeSourcePoisson::Reset(uint64_t trial) { trial_ = trial; }

void SpikeSourcePoisson::UpdateRange(const StepContext& ctx, uint32_t begin, uint32_t end,
                                     std::vector<SpikeEvent>& spikes) {
  constexpr uint32_t kBatch = 64;
  double u[kBatch];
  const int64_t step = static_cast<int64_t>(ctx.step);
  CounterRng::Key key{0, UINT64_MAX};
  for (uint32_t first = begin; first < end;) {
    const uint64_t gid = context_.first_gid + first;
    if (gid >> 32 != key.a_high)
      key = CounterRng::KeyOf(context_.seed, RngPurpose::kPoissonSource, gid, trial_);
    // A batch stays within one key (one value of gid >> 32).
    const uint32_t n = static_cast<uint32_t>(
        std::min<uint64_t>({kBatch, end - first, ((key.a_high + 1) << 32) - gid}));
    FirstUniforms(key, gid, ctx.step, n, u);
    for (uint32_t j = 0; j < n; ++j) {
      const uint32_t i = first + j;
      if (mean_[i] <= 0.0 || !window_[i].Contains(step)) continue;
      uint64_t count = 0;
      if (table_[i] != kNoTable) {
        // cdf ascends, so the count of entries below u is the inversion's k.
        const CountTable& t = tables_[table_[i]];
        for (int k = 0; k < kTerms; ++k) count += u[j] > t.cdf[k];
        if (count == kTerms) count = PoissonInversionFrom(u[j], mean_[i], t.last);
      } else {
        CounterRng rng(key, gid + j, ctx.step);
        count = PoissonCount(rng, mean_[i]);
      }
      if (count > 0) spikes.push_back({i, static_cast<uint32_t>(count)});
    }
    first += n;
  }
}

}  // namespace spikeserve::engine
