// The GIF_cond_exp membrane (NEST gif_cond_exp; Mensi et al. 2012, Pozzorini
// et al. 2015): the conductance LIF with a spike-triggered current eta and a
// moving threshold gamma, each a sum of exponentials, and escape-rate firing:
//   cm v' = g_L (v_rest - v) + g_e (E_e - v) + g_i (E_i - v) + I - i_eta,
//   i_eta = sum_j eta_j,  eta_j' = -eta_j / tau_eta_j,  at a spike eta_j += a_eta_j (nA),
//   v_t = v_t_star + sum_j gamma_j, gamma_j' = -gamma_j / tau_gamma_j,
//                                   at a spike gamma_j += a_gamma_j (mV),
//   hazard lambda(t) = lambda0 exp((v - v_t) / delta_v),
//   P(spike in a step of length h) = 1 - exp(-lambda h).
// eta decays exactly, so it enters the exponential midpoint step as a current
// at its exact midpoint value. The hazard uses v and v_t at the end of the
// step; the uniform deviate comes from the counter stream (seed, gid, step,
// trial), so runs are reproducible whatever the thread count.
//
// The vectors may have any length >= 1 (tau_X and a_X equal). Initial values
// of i_eta and v_t are spread over the components in proportion to a_X (all
// on the first if the a_X sum to 0), so the recorded value starts there.
#ifndef SPIKESERVE_ENGINE_GIF_MEMBRANE_H_
#define SPIKESERVE_ENGINE_GIF_MEMBRANE_H_

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/lif_conductance.h"

namespace spikeserve::engine {

// A sum of decaying exponentials per cell, stored flat: cell i owns
// [offset[i], offset[i+1]).
struct ExponentialSum {
  std::vector<size_t> offset;
  std::vector<double> value;       // nA (eta) or mV (gamma)
  std::vector<double> jump;        // a_X
  std::vector<double> decay;       // e^{-h/tau}, dimensionless
  std::vector<double> half_decay;  // e^{-h/(2 tau)}, dimensionless

  // Lays out the components from per-cell tau and a vectors, keeping
  // existing values where the layout does not change.
  void Prepare(const std::vector<std::vector<double>>& tau,
               const std::vector<std::vector<double>>& a, double h);
  // Components of cell i set so that they sum to `total`.
  void Set(size_t i, double total);
  double Sum(size_t i) const;
  double Midpoint(size_t i) const;
  void Advance(size_t i) {
    for (size_t k = offset[i]; k < offset[i + 1]; ++k) value[k] *= decay[k];
  }
  void Jump(size_t i) {
    for (size_t k = offset[i]; k < offset[i + 1]; ++k) value[k] += jump[k];
  }
};

class GifMembrane : public LifConductanceMembrane {
 public:
  static constexpr bool kEscapeNoise = true;

  // Per-cell constants throughout (p == i).
  static constexpr bool kSharedConstants = false;
  // Not measured apart: kept in one loop, as before.
  static constexpr bool kMarksInOwnLoop = false;
  // Its step adds the spike-triggered current, which IntegrateAndFire's
  // series step does not pass: every step takes the exact form.
  static constexpr bool kSeriesStep = false;

  void Resize(uint32_t n);
  void Prepare(const CellGroup& group, const TimeGrid& grid, uint32_t n);
  void Reset(const CellGroup& group);

  template <class Kernel>
  double Step(uint32_t i, const Constants& k, double v, double injected,
              const SynapticInput<Kernel>& exc, const SynapticInput<Kernel>& inh) const {
    return Relax(k, v, exc.Midpoint(), inh.Midpoint(), 0.0, 0.0, injected - eta_.Midpoint(i));
  }

  void Advance(uint32_t i, uint32_t) {
    eta_.Advance(i);
    gamma_.Advance(i);
    Sums(i);
  }
  void OnSpike(uint32_t i) {
    eta_.Jump(i);
    gamma_.Jump(i);
    Sums(i);
  }
  bool Fires(uint32_t i, double v, double uniform) const {
    const double hazard = lambda0_[i] * 1e-3 * std::exp((v - v_t_[i]) / delta_v_[i]);  // 1/ms
    return uniform < -std::expm1(-hazard * h_);
  }
  const std::vector<double>* Variable(const std::string& name) const;

 private:
  void Sums(uint32_t i) {
    i_eta_[i] = eta_.Sum(i);
    v_t_[i] = v_t_star_[i] + gamma_.Sum(i);
  }

  std::vector<double> lambda0_, delta_v_;  // Hz, mV
  std::vector<double> v_t_star_;           // mV
  double h_ = 0.0;                         // ms
  ExponentialSum eta_, gamma_;
  std::vector<double> i_eta_, v_t_;  // nA, mV: what is recorded
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_GIF_MEMBRANE_H_
