// The conductance-based LIF membrane (IF_cond_exp, IF_cond_alpha,
// IF_facets_hardware1, and the base of the gsfa_grr and GIF membranes).
//
// The conductances evolve exactly (synaptic_kernel.h). v obeys
//   cm v' = g_L (v_rest - v) + g_e (E_e - v) + g_i (E_i - v) + g_x (E_x - v) + I,
// g_L = cm / tau_m, g_x any extra conductance a derived membrane adds, which
// is linear in v but with time-varying coefficients. Scheme: exponential
// midpoint integrator. Over a step the conductances are frozen at their exact
// values at t + h/2, and the resulting linear ODE is solved exactly:
//   G = g_L + g_e(t+h/2) + g_i(t+h/2) + g_x(t+h/2),
//   v_inf = (g_L v_rest + g_e E_e + g_i E_i + g_x E_x + I) / G,
//   v(t+h) = v_inf + (v(t) - v_inf) e^{-h G / cm}.
// Local error O(h^3), global error O(h^2) (second order); it is exact for
// constant conductances and unconditionally stable.
//
// IF_facets_hardware1 gives g_leak in nS and has no cm, tau_m, tau_refrac,
// e_rev_E or i_offset: PyNN's NEST translation fixes cm = 0.2 nF,
// t_ref = 1 ms, E_e = 0 mV and no offset current, which is what is used here.
#ifndef SPIKESERVE_ENGINE_LIF_CONDUCTANCE_H_
#define SPIKESERVE_ENGINE_LIF_CONDUCTANCE_H_

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/cell_group.h"
#include "engine/synaptic_kernel.h"
#include "engine/vector_exp.h"

namespace spikeserve::engine {

// Lowered constants for one step h, one entry per cell (or one shared).
struct LifConductanceConstants {
  std::vector<double> g_leak;     // uS
  std::vector<double> h_over_cm;  // ms/nF
  std::vector<double> e_rev_e;    // mV
  std::vector<double> e_rev_i;    // mV
  // g_leak v_rest + i_offset (nA): the drive that does not depend on the
  // state, one constant instead of a product and a sum per step.
  std::vector<double> rest_drive;
  std::vector<double> tau_refrac;  // ms
};

class LifConductanceMembrane {
 public:
  static constexpr const char* kSynapseVariables[2] = {"gsyn_exc", "gsyn_inh"};
  static constexpr bool kEscapeNoise = false;
  static constexpr bool kSharedConstants = true;
  // Whether IntegrateAndFire sets the refractory counts and spike marks in
  // a loop of their own. In one loop with the step, the marks' byte per cell
  // made GCC 12 vectorise 64 cells at a time, too many values for the
  // registers of this step (an exp and a division): 112 of the loop's 634
  // instructions touched the stack. Apart, Vogels-Abbott COBA took 4-8 %
  // less time (bench/RESULTS.md, session 12).
  static constexpr bool kMarksInOwnLoop = true;
  // Whether the membrane has a series form of its step (SeriesRelax),
  // valid while the step's exponent (Exponent) is at most
  // kOneMinusExpOverXMax; IntegrateAndFire decides where to use it.
  // Vogels-Abbott COBA's exponents stay in range.
  static constexpr bool kSeriesStep = true;

  void Resize(uint32_t) {}  // no state besides v and the synaptic conductances
  void Prepare(const CellGroup& group, const TimeGrid& grid, uint32_t n);
  void Reset(const CellGroup&) {}
  std::vector<double> RefractoryMs(const CellGroup&, uint32_t) const { return c_.tau_refrac; }

  // One cell's constants (index p of LifConductanceConstants), as values.
  struct Constants {
    double g_leak;      // uS
    double h_over_cm;   // ms/nF
    double e_rev_e;     // mV
    double e_rev_i;     // mV
    double rest_drive;  // nA
  };
  Constants At(uint32_t p) const {
    return {c_.g_leak[p], c_.h_over_cm[p], c_.e_rev_e[p], c_.e_rev_i[p], c_.rest_drive[p]};
  }

  // Cell i with constants k (integrate_and_fire.h).
  template <class Kernel>
  double Step(uint32_t, const Constants& k, double v, double injected,
              const SynapticInput<Kernel>& exc, const SynapticInput<Kernel>& inh) const {
    return Relax(k, v, exc.Midpoint(), inh.Midpoint(), 0.0, 0.0, injected);
  }

  // v at the end of the step with synaptic conductances g_e, g_i (uS), an
  // extra conductance g_x (uS) times its reversal potential g_x_e (uS mV) and
  // an extra current (nA), all frozen at the step's midpoint.
  static double Relax(const Constants& k, double v, double g_e, double g_i, double g_x,
                      double g_x_e, double injected) {
    const double g_total = k.g_leak + g_e + g_i + g_x;
    const double v_inf =
        (k.rest_drive + g_e * k.e_rev_e + g_i * k.e_rev_i + g_x_e + injected) / g_total;
    return v_inf + (v - v_inf) * VectorExp(-k.h_over_cm * g_total);
  }

  // The exponent x = h G / cm of the step's decay (dimensionless) with
  // synaptic conductances g_e, g_i (uS), G = g_L + g_e + g_i.
  static double Exponent(const Constants& k, double g_e, double g_i) {
    return k.h_over_cm * (k.g_leak + g_e + g_i);
  }

  // Relax without g_x, in series form: the same solution written without
  // e^{-x} and without v_inf, with the drive I = G v_inf (nA):
  //   v(t+h) = v + (h / cm) (I - G v) (1 - e^{-x}) / x.
  // Exact to rounding while Exponent is in the series' range.
  static double SeriesRelax(const Constants& k, double v, double g_e, double g_i, double injected) {
    const double g_total = k.g_leak + g_e + g_i;
    const double drive = k.rest_drive + g_e * k.e_rev_e + g_i * k.e_rev_i + injected;
    return v + k.h_over_cm * (drive - g_total * v) * OneMinusExpOverX(k.h_over_cm * g_total);
  }

  void OnSpike(uint32_t) {}
  void Advance(uint32_t, uint32_t) {}
  const std::vector<double>* Variable(const std::string&) const { return nullptr; }

 private:
  LifConductanceConstants c_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_LIF_CONDUCTANCE_H_
