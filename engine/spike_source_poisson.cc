#include "engine/spike_source_poisson.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>

#include "engine/counter_rng.h"
#include "engine/counter_rng_lanes.h"
#include "engine/vector_clones.h"

namespace spikeserve::engine {
namespace {

constexpr uint32_t kBatch = kMaxLanes;

// count[j] = the number of the `terms` entries of the ascending `cdf` below
// u[j]: the inversion's count whenever it is below `terms`. Every compare
// runs in full vector lanes over the fixed batch. The second half of the
// terms is compared only when some lane passes the first half: rarely at a
// background drive's means (1.3-2.4 spikes per step in the microcircuit),
// where this takes a third less time than all terms at once.
template <int terms>
SPIKESERVE_VECTOR_CLONES void CountBelow(const double (&cdf)[terms], const double (&u)[kBatch],
                                         uint32_t (&count)[kBatch]) {
  constexpr int kHalf = terms / 2;
  int64_t wide[kBatch] = {};  // as wide as a double lane: no conversion in the loop
  auto add_terms = [&](int first, int last) {
    for (int k = first; k < last; ++k) {
      const double c = cdf[k];
      for (uint32_t j = 0; j < kBatch; ++j) wide[j] += u[j] > c;
    }
  };
  add_terms(0, kHalf);
  int64_t beyond = 0;
  for (uint32_t j = 0; j < kBatch; ++j) beyond |= u[j] > cdf[kHalf - 1];
  if (beyond) add_terms(kHalf, terms);
  for (uint32_t j = 0; j < kBatch; ++j) count[j] = static_cast<uint32_t>(wide[j]);
}

}  // namespace

SpikeSourcePoisson::SpikeSourcePoisson(const CellTypeInfo& type, uint32_t size,
                                       const CellGroupContext& context)
    : CellGroup(type, size), context_(context) {}

void SpikeSourcePoisson::Prepare(const TimeGrid& grid, uint64_t) {
  const auto& rate = parameter("rate");
  const auto& start = parameter("start");
  const auto& duration = parameter("duration");
  tables_.clear();
  segments_.clear();
  std::map<double, uint32_t> by_mean;
  for (uint32_t i = 0; i < size_; ++i) {
    const double mean = rate[i] * grid.dt() * 1e-3;
    const StepWindow window(grid, start[i], duration[i]);
    if (!segments_.empty()) {
      const Segment& last = segments_.back();
      if (last.mean == mean && last.window.first == window.first && last.window.end == window.end)
        continue;
    }
    uint32_t table = kNoTable;
    if (mean > 0.0 && mean <= kPoissonInversionMaxMean) {
      auto [it, added] = by_mean.try_emplace(mean, static_cast<uint32_t>(tables_.size()));
      table = it->second;
      if (added) {
        CountTable& t = tables_.emplace_back();
        PoissonTerm term{0, std::exp(-mean), std::exp(-mean)};
        for (int k = 0; k < kTerms; ++k) {
          t.cdf[k] = k > 0 && term.p <= 0.0 ? std::numeric_limits<double>::infinity() : term.cdf;
          t.last = term;
          if (k + 1 < kTerms) term = NextPoissonTerm(term, mean);
        }
      }
    }
    segments_.push_back({i, table, mean, window});
  }
  segments_.push_back({size_, kNoTable, 0.0, StepWindow()});
}

void SpikeSourcePoisson::Reset(uint64_t trial) { trial_ = trial; }

void SpikeSourcePoisson::UpdateRange(const StepContext& ctx, uint32_t begin, uint32_t end,
                                     std::vector<SpikeEvent>& spikes) {
  auto segment = std::upper_bound(segments_.begin(), segments_.end(), begin,
                                  [](uint32_t i, const Segment& s) { return i < s.begin; });
  for (--segment; segment->begin < end; ++segment) {
    if (!(segment->mean > 0.0) || !segment->window.Contains(static_cast<int64_t>(ctx.step)))
      continue;
    DrawSegment(*segment, std::max(begin, segment->begin), std::min(end, segment[1].begin),
                ctx.step, spikes);
  }
}

void SpikeSourcePoisson::DrawSegment(const Segment& segment, uint32_t begin, uint32_t end,
                                     uint64_t step, std::vector<SpikeEvent>& spikes) const {
  double u[kBatch];
  uint32_t count[kBatch];
  CounterRng::Key key{0, UINT64_MAX};
  for (uint32_t first = begin; first < end;) {
    const uint64_t gid = context_.first_gid + first;
    if (gid >> 32 != key.a_high)
      key = CounterRng::KeyOf(context_.seed, RngPurpose::kPoissonSource, gid, trial_);
    // A batch stays within one key (one value of gid >> 32).
    const uint32_t n = static_cast<uint32_t>(
        std::min<uint64_t>({kBatch, end - first, ((key.a_high + 1) << 32) - gid}));
    // The batch's spikes go to the stack first, written through a pointer,
    // and join `spikes` in one copy: push_back would reload the vector's end
    // from memory for each spike, and resizing it for the whole batch would
    // zero the room first.
    SpikeEvent fired[kBatch];
    SpikeEvent* out = fired;
    if (segment.table == kNoTable) {
      for (uint32_t j = 0; j < n; ++j) {
        CounterRng rng(key, gid + j, step);
        if (const uint64_t c = PoissonCount(rng, segment.mean); c > 0)
          *out++ = {first + j, static_cast<uint32_t>(c)};
      }
    } else {
      const CountTable& table = tables_[segment.table];
      FirstUniforms(key, gid, step, n, u);
      std::fill(u + n, u + kBatch, 0.0);  // lanes past the batch: counted, never read
      CountBelow(table.cdf, u, count);
      // Most cells of a background drive fire in most steps, but not
      // predictably: every cell's event is written, and kept if it fired.
      for (uint32_t j = 0; j < n; ++j) {
        uint64_t c = count[j];
        if (__builtin_expect(c == kTerms, 0))
          c = PoissonInversionFrom(u[j], segment.mean, table.last);
        *out = {first + j, static_cast<uint32_t>(c)};
        out += c != 0;
      }
    }
    spikes.insert(spikes.end(), fired, out);
    first += n;
  }
}

}  // namespace spikeserve::engine
