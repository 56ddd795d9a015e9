// The IF_cond_exp_gsfa_grr membrane (NEST iaf_cond_exp_sfa_rr): the
// conductance LIF plus two spike-triggered conductances, for spike-frequency
// adaptation (g_s) and relative refractoriness (g_r):
//   cm v' = ... + g_s (E_sfa - v) + g_r (E_rr - v),
//   g_s' = -g_s / tau_sfa,  g_r' = -g_r / tau_rr,
//   at a spike: g_s += q_sfa, g_r += q_rr   (nS).
// g_s and g_r decay exactly, so they join the synaptic conductances in the
// exponential midpoint step (lif_conductance.h) at their exact midpoint
// values: same scheme, same second-order error.
#ifndef SPIKESERVE_ENGINE_SFA_RR_MEMBRANE_H_
#define SPIKESERVE_ENGINE_SFA_RR_MEMBRANE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/lif_conductance.h"

namespace spikeserve::engine {

// Lowered constants for one step h, one entry per cell.
struct SfaRrConstants {
  std::vector<double> decay_s, decay_r;            // e^{-h/tau}, dimensionless
  std::vector<double> half_decay_s, half_decay_r;  // e^{-h/(2 tau)}, dimensionless
};

class SfaRrMembrane : public LifConductanceMembrane {
 public:
  // Per-cell constants throughout (p == i).
  static constexpr bool kSharedConstants = false;
  // Not measured apart: kept in one loop, as before.
  static constexpr bool kMarksInOwnLoop = false;
  // Its step adds the adaptation conductances, which SeriesRelax leaves
  // out: every step takes the exact form.
  static constexpr bool kSeriesStep = false;

  void Resize(uint32_t n);
  void Prepare(const CellGroup& group, const TimeGrid& grid, uint32_t n);
  void Reset(const CellGroup& group);

  template <class Kernel>
  double Step(uint32_t i, const Constants& k, double v, double injected,
              const SynapticInput<Kernel>& exc, const SynapticInput<Kernel>& inh) const {
    const double g_s = g_s_[i] * adapt_.half_decay_s[i] * 1e-3;  // uS
    const double g_r = g_r_[i] * adapt_.half_decay_r[i] * 1e-3;
    return Relax(k, v, exc.Midpoint(), inh.Midpoint(), g_s + g_r,
                 g_s * e_rev_sfa_[i] + g_r * e_rev_rr_[i], injected);
  }

  void Advance(uint32_t i, uint32_t) {
    g_s_[i] *= adapt_.decay_s[i];
    g_r_[i] *= adapt_.decay_r[i];
  }
  void OnSpike(uint32_t i) {
    g_s_[i] += q_sfa_[i];
    g_r_[i] += q_rr_[i];
  }
  const std::vector<double>* Variable(const std::string& name) const;

 private:
  std::vector<double> e_rev_sfa_, e_rev_rr_;  // mV
  std::vector<double> q_sfa_, q_rr_;          // nS
  std::vector<double> g_s_, g_r_;             // nS
  SfaRrConstants adapt_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SFA_RR_MEMBRANE_H_
