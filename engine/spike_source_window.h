// The active window [start, start + duration) of a spike source on the step
// grid, shared by the stochastic sources: a cell may fire in step k when
// first <= k < end.
#ifndef SPIKESERVE_ENGINE_SPIKE_SOURCE_WINDOW_H_
#define SPIKESERVE_ENGINE_SPIKE_SOURCE_WINDOW_H_

#include <algorithm>
#include <cstdint>

#include "engine/time_grid.h"

namespace spikeserve::engine {

struct StepWindow {
  int64_t first = 0;  // first active step
  int64_t end = 0;    // first inactive step after the window

  StepWindow() = default;
  StepWindow(const TimeGrid& grid, double start, double duration) {
    // Clamp far-future ends so that the step arithmetic cannot overflow.
    const double stop = std::min(start + duration, 1e300);
    first = grid.Steps(start);
    end = stop / grid.dt() > 9e18 ? INT64_MAX : grid.Steps(stop);
  }
  bool Contains(int64_t step) const { return step >= first && step < end; }
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SPIKE_SOURCE_WINDOW_H_
