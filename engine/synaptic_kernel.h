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

// One cell's synaptic variable while its step is computed, in registers. A
// loop over cells loads it from SynapticState's arrays once and stores it
// once; with the constants passed as values (SynapticState::Constants), the
// compiler no longer stores and reloads the variable within a cell's step,
// nor reads the shared constants again after every store, which might have
// changed them. IF_cond_exp's loop went from 112 to 90 instructions per 16
// cells (bench/RESULTS.md, session 14).
struct SynapticCell {
  double value;  // as SynapticState::value
  double slope;  // as SynapticState::slope; alpha only, else 0
};

// One receptor's synaptic variable over a whole cell group: the state of
// every cell, and constants for every cell or one shared (index p = the
// cell, or 0). The kernel's arithmetic takes one cell's variable and
// constants as values.
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

  // One cell's constants (index p of the vectors above), as values.
  struct Constants {
    double decay = 0.0;       // e^{-h/tau}, dimensionless
    double half_decay = 0.0;  // e^{-h/(2 tau)}, dimensionless
    double rise = 0.0;        // exp: e^{h/(2 tau)}, dimensionless
    double jump = 0.0;        // alpha: e/tau (1/ms)
    double h = 0.0;           // ms
  };
  Constants At(size_t p) const {
    if constexpr (Kernel::kDelta) return {};  // no constants
    if constexpr (Kernel::kAlpha) return {decay[p], half_decay[p], 0.0, jump[p], h};
    return {decay[p], half_decay[p], rise[p], 0.0, h};
  }

  // Cell i's variable from the arrays' data (value.data(), slope.data()),
  // and back: a loop that stores passes pointers of its own, declared
  // __restrict.
  static SynapticCell Load(const double* value, const double* slope, size_t i) {
    return {value[i], Kernel::kAlpha ? slope[i] : 0.0};
  }
  static void Store(double* value, double* slope, size_t i, const SynapticCell& cell) {
    value[i] = cell.value;
    if constexpr (Kernel::kAlpha) slope[i] = cell.slope;
  }

  static void Receive(SynapticCell& cell, const Constants& k, double weight) {
    if constexpr (Kernel::kAlpha) {
      cell.slope += weight * k.jump;
    } else {
      cell.value += weight;
    }
  }

  // Exact value at the middle of the step.
  static double Midpoint(const SynapticCell& cell, const Constants& k) {
    if constexpr (Kernel::kAlpha) return (cell.value + 0.5 * k.h * cell.slope) * k.half_decay;
    return cell.value * k.half_decay;
  }

  // The exponential kernel's value at the middle of the step just taken,
  // from its value at the step's end (within a few ulp of Midpoint before
  // Advance).
  static double MidpointFromEnd(const SynapticCell& cell, const Constants& k) {
    static_assert(!Kernel::kAlpha && !Kernel::kDelta, "only the exponential kernel");
    return cell.value * k.rise;
  }

  static void Advance(SynapticCell& cell, const Constants& k) {
    if constexpr (Kernel::kDelta) {
      cell.value = 0.0;
    } else if constexpr (Kernel::kAlpha) {
      cell.value = (cell.value + k.h * cell.slope) * k.decay;
      cell.slope *= k.decay;
    } else {
      cell.value *= k.decay;
    }
  }
};

// A cell's synaptic variable with its receptor's constants: what a
// membrane's Step reads.
template <class Kernel>
struct SynapticInput {
  const SynapticCell& cell;
  const typename SynapticState<Kernel>::Constants& constants;

  double Midpoint() const { return SynapticState<Kernel>::Midpoint(cell, constants); }
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SYNAPTIC_KERNEL_H_
