// IF_curr_exp and IF_curr_alpha: LIF with current-based synapses, integrated
// exactly (Rotter & Diesmann 1999): the subthreshold system is linear with
// constant coefficients, so one step is a multiplication by precomputed
// propagators and the result is exact up to rounding for any dt.
#ifndef SPIKESERVE_ENGINE_LIF_CURRENT_H_
#define SPIKESERVE_ENGINE_LIF_CURRENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cell_group.h"
#include "engine/synaptic_kernel.h"

namespace spikeserve::engine {

// Lowered constants for one step h, one entry per cell.
struct LifCurrentPropagators {
  std::vector<double> p_vv;           // e^{-h/tau_m}, dimensionless
  std::vector<double> p_vi;           // mV/nA: response of v to a current held for h
  std::vector<double> p_v_exc;        // mV/nA: response of v to isyn_exc
  std::vector<double> p_v_inh;        // mV/nA
  std::vector<double> p_v_exc_slope;  // mV/(nA/ms): alpha only
  std::vector<double> p_v_inh_slope;  // mV/(nA/ms): alpha only
  std::vector<int32_t> refractory_steps;
};

// v's response over h to a synaptic kernel, with b = 1/tau_m, a = 1/tau_syn,
// c = b - a, divided by cm:
//   to s(t) = s0 e^{-a t}:     e^{-b h} int_0^h e^{c u} du   / cm
//   to s(t) = y0 t e^{-a t}:   e^{-b h} int_0^h u e^{c u} du / cm
// The integrals are evaluated without cancellation when tau_syn ~ tau_m
// (c -> 0), including tau_syn == tau_m exactly.
double KernelIntegral0(double c, double h);
double KernelIntegral1(double c, double h);

template <class Kernel>
class LifCurrent : public CellGroup {
 public:
  LifCurrent(const CellTypeInfo& type, uint32_t size);
  void Prepare(const TimeGrid& grid, uint64_t step) override;
  void Reset(uint64_t trial) override;
  void Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) override;
  const std::vector<double>* Variable(const std::string& name) const override;

 private:
  // Parameter columns, resolved once from the catalogue order.
  int v_rest_, cm_, tau_m_, tau_refrac_, tau_syn_e_, tau_syn_i_, i_offset_, v_reset_, v_thresh_;
  std::vector<double> v_;  // mV
  SynapticState<Kernel> exc_, inh_;
  std::vector<int32_t> refractory_left_;
  LifCurrentPropagators prop_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_LIF_CURRENT_H_
