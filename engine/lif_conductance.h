// IF_cond_exp and IF_cond_alpha: LIF with conductance-based synapses.
//
// The conductances evolve exactly (synaptic_kernel.h). v obeys
//   cm v' = g_L (v_rest - v) + g_e (E_e - v) + g_i (E_i - v) + I,  g_L = cm / tau_m,
// which is linear in v but with time-varying coefficients. Scheme: exponential
// midpoint integrator. Over a step the conductances are frozen at their exact
// values at t + h/2, and the resulting linear ODE is solved exactly:
//   G = g_L + g_e(t+h/2) + g_i(t+h/2),  v_inf = (g_L v_rest + g_e E_e + g_i E_i + I) / G,
//   v(t+h) = v_inf + (v(t) - v_inf) e^{-h G / cm}.
// Local error O(h^3), global error O(h^2) (second order); it is exact for
// constant conductances and unconditionally stable.
#ifndef SPIKESERVE_ENGINE_LIF_CONDUCTANCE_H_
#define SPIKESERVE_ENGINE_LIF_CONDUCTANCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cell_group.h"
#include "engine/synaptic_kernel.h"

namespace spikeserve::engine {

// Lowered constants for one step h, one entry per cell.
struct LifConductanceConstants {
  std::vector<double> g_leak;     // uS: cm / tau_m
  std::vector<double> h_over_cm;  // ms/nF
  std::vector<int32_t> refractory_steps;
};

template <class Kernel>
class LifConductance : public CellGroup {
 public:
  LifConductance(const CellTypeInfo& type, uint32_t size);
  void Prepare(const TimeGrid& grid, uint64_t step) override;
  void Reset(uint64_t trial) override;
  void Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) override;
  const std::vector<double>* Variable(const std::string& name) const override;

 private:
  int v_rest_, cm_, tau_m_, tau_refrac_, tau_syn_e_, tau_syn_i_, e_rev_e_, e_rev_i_, v_thresh_,
      v_reset_, i_offset_;
  std::vector<double> v_;            // mV
  SynapticState<Kernel> exc_, inh_;  // uS
  std::vector<int32_t> refractory_left_;
  LifConductanceConstants constants_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_LIF_CONDUCTANCE_H_
