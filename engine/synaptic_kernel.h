// Post-synaptic current or conductance kernels, shared by the current- and
// conductance-based LIF models. All evolve exactly between spikes.
//
// Delta (IF_curr_delta): a weight w (mV) is a jump of v; the state holds the
// jump arriving in the current step and is cleared by Advance, so input that
// arrives while the cell is refractory is dropped, as NEST's iaf_psc_delta does.
//
// Exponential: s' = -s/tau; a weight w makes s jump by w.
// Alpha (PyNN): a weight w gives s(t) = w (t/tau) e^{1 - t/tau}, peak w at
// t = tau. It is the linear system  y' = -y/tau,  s' = y - s/tau  with a jump
// of w e / tau in y, whose exact propagator over h is
//   y(h) = y e^{-h/tau},  s(h) = (s + h y) e^{-h/tau}.
#ifndef SPIKESERVE_ENGINE_SYNAPTIC_KERNEL_H_
#define SPIKESERVE_ENGINE_SYNAPTIC_KERNEL_H_

#include <cmath>
#include <cstddef>
#include <vector>

#include "engine/cell_column.h"

namespace spikeserve::engine {

struct ExpKernel {
  static constexpr bool kAlpha = false;
  static constexpr bool kDelta = false;
};
struct AlphaKernel {
  static constexpr bool kAlpha = true;
  static constexpr bool kDelta = false;
};
struct DeltaKernel {
  static constexpr bool kAlpha = false;
  static constexpr bool kDelta = true;
};

// One receptor's synaptic variable over a whole cell group. Methods take the
// cell i, whose state they read and write, and the index p of its constants:
// p = i, or 0 when every cell shares them (Uniform()).
template <class Kernel>
struct SynapticState {
  std::vector<double> value;       // nA (current), uS (conductance) or mV (delta jump)
  std::vector<double> slope;       // alpha only: nA/ms or uS/ms
  std::vector<double> decay;       // e^{-h/tau}, dimensionless
  std::vector<double> half_decay;  // e^{-h/(2 tau)}, dimensionless
  std::vector<double> rise;        // exp: e^{h/(2 tau)}, dimensionless; alpha: unused
  std::vector<double> jump;        // alpha: e/tau (1/ms); exp: unused
  double h = 0.0;                  // ms

  // State for n cells.
  void Resize(size_t n) {
    value.assign(n, 0.0);
    slope.assign(Kernel::kAlpha ? n : 0, 0.0);
  }

  // Constants for the first n cells of `tau` (ms): 1 when they are shared.
  void Prepare(const CellColumn& tau, double dt, uint32_t n) {
    h = dt;
    decay.resize(n);
    half_decay.resize(n);
    rise.resize(Kernel::kAlpha ? 0 : n);
    jump.resize(Kernel::kAlpha ? n : 0);
    for (uint32_t p = 0; p < n; ++p) {
      decay[p] = std::exp(-dt / tau[p]);
      half_decay[p] = std::exp(-0.5 * dt / tau[p]);
      if constexpr (Kernel::kAlpha) {
        jump[p] = std::exp(1.0) / tau[p];
      } else {
        rise[p] = std::exp(0.5 * dt / tau[p]);
      }
    }
  }

  void SetValue(size_t i, double v) {
    value[i] = v;
    if constexpr (Kernel::kAlpha) slope[i] = 0.0;
  }

  void Receive(size_t i, size_t p, double weight) {
    if constexpr (Kernel::kAlpha) {
      slope[i] += weight * jump[p];
    } else {
      value[i] += weight;
    }
  }

  // Exact value at the middle of the step.
  double Midpoint(size_t i, size_t p) const {
    if constexpr (Kernel::kAlpha) return (value[i] + 0.5 * h * slope[i]) * half_decay[p];
    return value[i] * half_decay[p];
  }

  // The exponential kernel's value at the middle of the step just taken,
  // from its value at the step's end (within a few ulp of Midpoint before
  // Advance).
  double MidpointFromEnd(size_t i, size_t p) const {
    static_assert(!Kernel::kAlpha && !Kernel::kDelta, "only the exponential kernel");
    return value[i] * rise[p];
  }

  void Advance(size_t i, size_t p) {
    if constexpr (Kernel::kDelta) {
      value[i] = 0.0;
    } else if constexpr (Kernel::kAlpha) {
      value[i] = (value[i] + h * slope[i]) * decay[p];
      slope[i] *= decay[p];
    } else {
      value[i] *= decay[p];
    }
  }
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SYNAPTIC_KERNEL_H_
