// The one rule that maps times in ms onto the global step grid.
//
// Rule: a duration or delay d becomes round(d / dt) steps, rounding to the
// nearest whole step with ties away from zero, where "tie" is judged with a
// relative tolerance of 1e-9 so that decimal inputs such as 0.3 / 0.1 (which is
// 2.9999999999999996 in binary) land where a human expects.
//
// Step k covers the interval [k dt, (k+1) dt). Events produced during step k
// (threshold crossings, Poisson spikes) carry the time (k+1) dt, the end of the
// step. A SpikeSourceArray time t is emitted in the step that ends at
// round(t / dt) dt, i.e. in step round(t / dt) - 1; a time that rounds to 0
// (or to a step already simulated) can never be emitted and is skipped.
#ifndef SPIKESERVE_ENGINE_TIME_GRID_H_
#define SPIKESERVE_ENGINE_TIME_GRID_H_

#include <cmath>
#include <cstdint>

namespace spikeserve::engine {

inline constexpr double kGridTolerance = 1e-9;

class TimeGrid {
 public:
  explicit TimeGrid(double dt_ms = 0.1) : dt_(dt_ms) {}
  double dt() const { return dt_; }

  // Exact steps for a time, by the rule above. Requires a finite t.
  int64_t Steps(double t_ms) const {
    const double x = t_ms / dt_;
    const double ax = std::fabs(x);
    double n = std::floor(ax);
    if (ax - n >= 0.5 - kGridTolerance * std::fmax(1.0, ax)) n += 1.0;
    return static_cast<int64_t>(x < 0 ? -n : n);
  }

  // True when t is a whole number of steps within the tolerance.
  bool OnGrid(double t_ms) const {
    const double x = t_ms / dt_;
    return std::fabs(x - std::round(x)) <= kGridTolerance * std::fmax(1.0, std::fabs(x));
  }

  // True when t is below one step beyond the tolerance.
  bool BelowOneStep(double t_ms) const { return t_ms < dt_ * (1.0 - kGridTolerance); }

  double Time(uint64_t step) const { return static_cast<double>(step) * dt_; }

 private:
  double dt_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_TIME_GRID_H_
