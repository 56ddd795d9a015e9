// EIF_cond_exp_isfa_ista and EIF_cond_alpha_isfa_ista: the adaptive
// exponential integrate-and-fire neuron (Brette & Gerstner 2005; NEST
// aeif_cond_exp / aeif_cond_alpha):
//   cm v' = -g_L (v - E_L) + g_L delta_T exp((v - v_T) / delta_T)
//           - g_e (v - E_e) - g_i (v - E_i) - w + I,      g_L = cm / tau_m,
//   tau_w w' = a (v - E_L) - w,
// with exp or alpha conductances as ODE states. When v >= v_spike: v = v_reset,
// w += b, and v is held at v_reset for tau_refrac (w and g keep evolving).
// As in NEST, the right-hand side uses min(v, v_spike) so the exponential
// cannot overflow inside a trial substep. delta_T = 0 is allowed (NEST): the
// exponential term vanishes and v_thresh takes v_spike's place.
#ifndef SPIKESERVE_ENGINE_ADEX_H_
#define SPIKESERVE_ENGINE_ADEX_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/cell_group.h"
#include "engine/synaptic_kernel.h"

namespace spikeserve::engine {

// Lowered parameters, one entry per cell.
struct AdexConstants {
  std::vector<double> inv_cm;     // 1/nF
  std::vector<double> g_leak;     // uS
  std::vector<double> a;          // uS
  std::vector<double> inv_tau_w;  // 1/ms
  std::vector<double> inv_tau_e;  // 1/ms
  std::vector<double> inv_tau_i;  // 1/ms
  std::vector<double> jump_e;     // alpha: e/tau_syn_E (1/ms)
  std::vector<double> jump_i;     // alpha: e/tau_syn_I (1/ms)
};

template <class Kernel>
class Adex {
 public:
  // y = v (mV), w (nA), g_e, g_i (uS) [, their slopes (uS/ms) for alpha].
  static constexpr int kSize = Kernel::kAlpha ? 6 : 4;
  static constexpr bool kPeakDetection = false;
  static constexpr const char* kStates[6] = {"v", "w", "gsyn_exc", "gsyn_inh", "", ""};

  void Prepare(const CellGroup& group, const TimeGrid&) {
    e_l_ = group.parameter("v_rest").PerCell();
    e_e_ = group.parameter("e_rev_E").PerCell();
    e_i_ = group.parameter("e_rev_I").PerCell();
    v_t_ = group.parameter("v_thresh").PerCell();
    delta_t_ = group.parameter("delta_T").PerCell();
    v_spike_ = group.parameter("v_spike").PerCell();
    v_reset_ = group.parameter("v_reset").PerCell();
    b_ = group.parameter("b").PerCell();
    i_offset_ = group.parameter("i_offset").PerCell();
    tau_refrac_ = group.parameter("tau_refrac").PerCell();
    const auto &cm = group.parameter("cm"), &tau_m = group.parameter("tau_m"),
               &a = group.parameter("a"), &tau_w = group.parameter("tau_w"),
               &tau_e = group.parameter("tau_syn_E"), &tau_i = group.parameter("tau_syn_I");
    const size_t n = group.size();
    for (auto* p : {&c_.inv_cm, &c_.g_leak, &c_.a, &c_.inv_tau_w, &c_.inv_tau_e, &c_.inv_tau_i,
                    &c_.jump_e, &c_.jump_i})
      p->resize(n);
    for (size_t i = 0; i < n; ++i) {
      c_.inv_cm[i] = 1.0 / cm[i];
      c_.g_leak[i] = cm[i] / tau_m[i];
      c_.a[i] = a[i] * 1e-3;
      c_.inv_tau_w[i] = 1.0 / tau_w[i];
      c_.inv_tau_e[i] = 1.0 / tau_e[i];
      c_.inv_tau_i[i] = 1.0 / tau_i[i];
      c_.jump_e[i] = std::exp(1.0) / tau_e[i];
      c_.jump_i[i] = std::exp(1.0) / tau_i[i];
    }
  }
  const std::vector<double>& RefractoryMs(const CellGroup&) const { return tau_refrac_; }

  void Receive(uint32_t i, double* y, double w_exc, double w_inh) const {
    if constexpr (Kernel::kAlpha) {
      y[4] += w_exc * c_.jump_e[i];
      y[5] += w_inh * c_.jump_i[i];
    } else {
      y[2] += w_exc;
      y[3] += w_inh;
    }
  }

  void Derivatives(uint32_t i, const double* y, double injected, bool clamped, double* dydt) const {
    const double v = clamped ? v_reset_[i] : std::min(y[0], Peak(i));
    const double g_l = c_.g_leak[i];
    const double i_spike =
        delta_t_[i] > 0 ? g_l * delta_t_[i] * std::exp((v - v_t_[i]) / delta_t_[i]) : 0.0;
    const double i_syn = y[2] * (v - e_e_[i]) + y[3] * (v - e_i_[i]);
    dydt[0] = clamped ? 0.0
                      : (-g_l * (v - e_l_[i]) + i_spike - i_syn - y[1] + i_offset_[i] + injected) *
                            c_.inv_cm[i];
    dydt[1] = (c_.a[i] * (v - e_l_[i]) - y[1]) * c_.inv_tau_w[i];
    if constexpr (Kernel::kAlpha) {
      dydt[2] = y[4] - y[2] * c_.inv_tau_e[i];
      dydt[3] = y[5] - y[3] * c_.inv_tau_i[i];
      dydt[4] = -y[4] * c_.inv_tau_e[i];
      dydt[5] = -y[5] * c_.inv_tau_i[i];
    } else {
      dydt[2] = -y[2] * c_.inv_tau_e[i];
      dydt[3] = -y[3] * c_.inv_tau_i[i];
    }
  }

  bool Crossed(uint32_t i, const double* y) const { return y[0] >= Peak(i); }
  void Fire(uint32_t i, double* y) const {
    y[0] = v_reset_[i];
    y[1] += b_[i];
  }

 private:
  // Where a spike is detected (mV).
  double Peak(uint32_t i) const { return delta_t_[i] > 0 ? v_spike_[i] : v_t_[i]; }

  // The parameters, per cell (mV, nA).
  std::vector<double> e_l_, e_e_, e_i_, v_t_, delta_t_, v_spike_, v_reset_, b_, i_offset_;
  std::vector<double> tau_refrac_;  // ms
  AdexConstants c_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_ADEX_H_
