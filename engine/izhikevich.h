// Izhikevich (2003), as NEST's izhikevich and PyNN define it:
//   v' = 0.04 v^2 + 5 v + 140 - u + I,   u' = a (b v - u),
//   v >= 30 mV: v = c, u += d  (no refractory period).
// Units are Izhikevich's: v in mV, t in ms, u and I in mV/ms. PyNN's NEST
// translation passes i_offset (nA) as I_e = 1000 i_offset (pA) and NEST adds
// I_e to v' as is, so I = 1000 * (i_offset + injected), injected in nA.
// Weights are in mV and jump v directly (both receptors; inhibitory weights
// are negative).
#ifndef SPIKESERVE_ENGINE_IZHIKEVICH_H_
#define SPIKESERVE_ENGINE_IZHIKEVICH_H_

#include <cstdint>
#include <vector>

#include "engine/cell_group.h"

namespace spikeserve::engine {

class Izhikevich {
 public:
  static constexpr int kSize = 2;  // v (mV), u (mV/ms)
  static constexpr bool kPeakDetection = false;
  static constexpr const char* kStates[2] = {"v", "u"};
  static constexpr double kPeak = 30.0;            // mV
  static constexpr double kCurrentScale = 1000.0;  // (mV/ms) per nA

  void Prepare(const CellGroup& group, const TimeGrid&) {
    auto column = [&](const char* name) { return group.parameter(name).PerCell(); };
    a_ = column("a");
    b_ = column("b");
    c_ = column("c");
    d_ = column("d");
    i_offset_ = column("i_offset");
    no_refractoriness_.assign(group.size(), 0.0);
  }
  const std::vector<double>& RefractoryMs(const CellGroup&) const { return no_refractoriness_; }

  void Receive(uint32_t, double* y, double w_exc, double w_inh) const { y[0] += w_exc + w_inh; }

  void Derivatives(uint32_t i, const double* y, double injected, bool, double* dydt) const {
    const double v = y[0], u = y[1];
    dydt[0] = 0.04 * v * v + 5.0 * v + 140.0 - u + kCurrentScale * (i_offset_[i] + injected);
    dydt[1] = a_[i] * (b_[i] * v - u);
  }

  bool Crossed(uint32_t, const double* y) const { return y[0] >= kPeak; }
  void Fire(uint32_t i, double* y) const {
    y[0] = c_[i];
    y[1] += d_[i];
  }

 private:
  std::vector<double> a_, b_, c_, d_, i_offset_;
  std::vector<double> no_refractoriness_;  // ms, all 0
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_IZHIKEVICH_H_
