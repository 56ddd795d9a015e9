// HH_cond_exp: the single-compartment Hodgkin-Huxley model with Traub & Miles
// (1991) rates, as NEST's hh_cond_exp_traub (Brette et al. 2007 benchmark):
//   cm v' = -gbar_Na m^3 h (v - E_Na) - gbar_K n^4 (v - E_K) - g_leak (v - E_L)
//           - g_e (v - E_e) - g_i (v - E_i) + I,
//   x' = alpha_x(u) (1 - x) - beta_x(u) x  for x = m, h, n,  u = v - v_offset,
//   alpha_m = 0.32 (13 - u) / (e^{(13 - u)/4} - 1),  beta_m = 0.28 (u - 40) / (e^{(u - 40)/5} - 1),
//   alpha_h = 0.128 e^{(17 - u)/18},                 beta_h = 4 / (1 + e^{(40 - u)/5}),
//   alpha_n = 0.032 (15 - u) / (e^{(15 - u)/5} - 1), beta_n = 0.5 e^{(10 - u)/40},
// exp conductances as ODE states. There is no reset: a spike is a step at
// whose end v > v_offset + 30 mV and v is below its value at the step's start
// (a local maximum has passed), and no other spike is counted for 2 ms (NEST's
// t_ref, which PyNN does not expose).
#ifndef SPIKESERVE_ENGINE_HH_TRAUB_H_
#define SPIKESERVE_ENGINE_HH_TRAUB_H_

#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/cell_group.h"

namespace spikeserve::engine {

class HhTraub {
 public:
  // y = v (mV), m, h, n (dimensionless), g_e, g_i (uS).
  static constexpr int kSize = 6;
  static constexpr bool kPeakDetection = true;
  static constexpr const char* kStates[6] = {"v", "m", "h", "n", "gsyn_exc", "gsyn_inh"};
  static constexpr double kDetectAbove = 30.0;  // mV above v_offset
  static constexpr double kRefractoryMs = 2.0;

  void Prepare(const CellGroup& group, const TimeGrid&) {
    auto column = [&](const char* name) { return group.parameter(name).PerCell(); };
    g_na_ = column("gbar_Na");
    g_k_ = column("gbar_K");
    g_l_ = column("g_leak");
    cm_ = column("cm");
    v_t_ = column("v_offset");
    e_na_ = column("e_rev_Na");
    e_k_ = column("e_rev_K");
    e_l_ = column("e_rev_leak");
    e_e_ = column("e_rev_E");
    e_i_ = column("e_rev_I");
    tau_e_ = column("tau_syn_E");
    tau_i_ = column("tau_syn_I");
    i_offset_ = column("i_offset");
    refractory_.assign(group.size(), kRefractoryMs);
  }
  const std::vector<double>& RefractoryMs(const CellGroup&) const { return refractory_; }

  void Receive(uint32_t, double* y, double w_exc, double w_inh) const {
    y[4] += w_exc;
    y[5] += w_inh;
  }

  void Derivatives(uint32_t i, const double* y, double injected, bool, double* dydt) const {
    const double v = y[0], m = y[1], h = y[2], n = y[3], u = v - v_t_[i];
    const double i_na = g_na_[i] * m * m * m * h * (v - e_na_[i]);
    const double n2 = n * n;
    const double i_k = g_k_[i] * n2 * n2 * (v - e_k_[i]);
    const double i_l = g_l_[i] * (v - e_l_[i]);
    const double i_syn = y[4] * (v - e_e_[i]) + y[5] * (v - e_i_[i]);
    dydt[0] = (-i_na - i_k - i_l - i_syn + i_offset_[i] + injected) / cm_[i];
    const double alpha_m = 0.32 * Ratio(13.0 - u, 4.0), beta_m = 0.28 * Ratio(u - 40.0, 5.0);
    const double alpha_h = 0.128 * std::exp((17.0 - u) / 18.0);
    const double beta_h = 4.0 / (1.0 + std::exp((40.0 - u) / 5.0));
    const double alpha_n = 0.032 * Ratio(15.0 - u, 5.0), beta_n = 0.5 * std::exp((10.0 - u) / 40.0);
    dydt[1] = alpha_m * (1.0 - m) - beta_m * m;
    dydt[2] = alpha_h * (1.0 - h) - beta_h * h;
    dydt[3] = alpha_n * (1.0 - n) - beta_n * n;
    dydt[4] = -y[4] / tau_e_[i];
    dydt[5] = -y[5] / tau_i_[i];
  }

  bool Peak(uint32_t i, double v_start, const double* y) const {
    return y[0] > v_t_[i] + kDetectAbove && y[0] < v_start;
  }

 private:
  // x / (e^{x/k} - 1), continuous at x = 0 where the rate formulas are 0/0.
  static double Ratio(double x, double k) {
    const double r = x / k;
    return std::fabs(r) < 1e-6 ? k * (1.0 - 0.5 * r) : x / std::expm1(r);
  }

  // The parameters, per cell (uS, nF, mV, ms, nA).
  std::vector<double> g_na_, g_k_, g_l_, cm_, v_t_, e_na_, e_k_, e_l_, e_e_, e_i_, tau_e_, tau_i_,
      i_offset_;
  std::vector<double> refractory_;  // ms, all kRefractoryMs
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_HH_TRAUB_H_
