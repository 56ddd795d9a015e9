// SpikeSourcePoisson: in every step [t, t+dt) with start <= t < start+duration
// (both rounded to the grid), a cell emits a Poisson(rate dt / 1000) number of
// spikes at t+dt, delivered with that multiplicity.
//
// The count of cell g in step k of trial r is drawn from the counter stream
// (session seed, purpose, g, k, r), where r counts resets: the same seed gives
// the same spikes whatever else happens, and every reset starts a fresh,
// equally reproducible trial (PyNN backends also give new spikes after reset).
// Since a count depends on nothing but its stream, threads may draw disjoint
// ranges of cells (Splittable). Background drives (the microcircuit's 77,169
// sources of 12-23 kHz) make this draw the hot loop, so it is done in
// batches: the uniforms of a batch of cells at once (counter_rng_lanes.h),
// then each inverted against a table of its mean's cumulative probabilities,
// in vector lanes for a batch of cells that share the table. Tables are built
// once per run, one per distinct mean. The counts are exactly PoissonCount's
// on the same streams.
#ifndef SPIKESERVE_ENGINE_SPIKE_SOURCE_POISSON_H_
#define SPIKESERVE_ENGINE_SPIKE_SOURCE_POISSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cell_group.h"
#include "engine/random_distribution.h"
#include "engine/spike_source_window.h"

namespace spikeserve::engine {

class SpikeSourcePoisson : public CellGroup {
 public:
  SpikeSourcePoisson(const CellTypeInfo& type, uint32_t size, const CellGroupContext& context);
  void Prepare(const TimeGrid& grid, uint64_t step) override;
  void Reset(uint64_t trial) override;
  void Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) override {
    UpdateRange(ctx, 0, size_, spikes);
  }
  bool Splittable() const override { return true; }
  void UpdateRange(const StepContext& ctx, uint32_t begin, uint32_t end,
                   std::vector<SpikeEvent>& spikes) override;
  const std::vector<double>* Variable(const std::string&) const override { return nullptr; }

 private:
  // P(<= k) for k < kTerms as the inversion (random_distribution.h) computes
  // them, +inf past a term that underflows to 0 (the inversion stops there);
  // `last` resumes the inversion for counts >= kTerms.
  static constexpr int kTerms = 16;
  struct CountTable {
    double cdf[kTerms];
    PoissonTerm last;
  };
  static constexpr uint32_t kNoTable = UINT32_MAX;  // mean 0 or above the inversion's range

  // Consecutive cells with one mean and one window: usually a whole
  // population, so that the range a thread updates is a few long segments.
  struct Segment {
    uint32_t begin;  // first cell; the segment ends where the next begins
    uint32_t table;  // index into tables_, or kNoTable
    double mean;     // expected spikes per step
    StepWindow window;
  };

  // The spikes of cells [begin, end) of `segment` in `step`.
  void DrawSegment(const Segment& segment, uint32_t begin, uint32_t end, uint64_t step,
                   std::vector<SpikeEvent>& spikes) const;

  const CellGroupContext context_;
  uint64_t trial_ = 0;
  std::vector<Segment> segments_;   // ascending, then a sentinel beginning at size_
  std::vector<CountTable> tables_;  // one per distinct mean
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SPIKE_SOURCE_POISSON_H_
