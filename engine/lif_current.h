// The current-based LIF membrane (IF_curr_exp, IF_curr_alpha, IF_curr_delta),
// integrated exactly (Rotter & Diesmann 1999): the subthreshold system
//   cm v' = cm (v_rest - v) / tau_m + I_syn + i_offset + I_inj
// is linear with constant coefficients, so one step is a multiplication by
// precomputed propagators and the result is exact up to rounding for any dt.
// With the delta kernel the weight (mV) jumps v at the start of the step and
// the jump then relaxes with the membrane, which is again exact.
#ifndef SPIKESERVE_ENGINE_LIF_CURRENT_H_
#define SPIKESERVE_ENGINE_LIF_CURRENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cell_group.h"
#include "engine/synaptic_kernel.h"

namespace spikeserve::engine {

// Lowered constants for one step h, one entry per cell (or one shared).
struct LifCurrentPropagators {
  std::vector<double> v_rest;  // mV
  std::vector<double> p_vv;  // e^{-h/tau_m}, dimensionless
  std::vector<double> p_vi;  // mV/nA: response of v to a current held for h
  // v_rest + i_offset p_vi (mV): where v goes from v_rest over h without
  // input, one constant instead of a product and a sum per step.
  std::vector<double> v_driven;
  std::vector<double> p_v_exc;        // mV/nA: response of v to isyn_exc
  std::vector<double> p_v_inh;        // mV/nA
  std::vector<double> p_v_exc_slope;  // mV/(nA/ms): used by alpha only
  std::vector<double> p_v_inh_slope;  // mV/(nA/ms): used by alpha only
};

// v's response over h to a synaptic kernel, with b = 1/tau_m, a = 1/tau_syn,
// c = b - a, divided by cm:
//   to s(t) = s0 e^{-a t}:     e^{-b h} int_0^h e^{c u} du   / cm
//   to s(t) = y0 t e^{-a t}:   e^{-b h} int_0^h u e^{c u} du / cm
// The integrals are evaluated without cancellation when tau_syn ~ tau_m
// (c -> 0), including tau_syn == tau_m exactly.
double KernelIntegral0(double c, double h);
double KernelIntegral1(double c, double h);

class LifCurrentMembrane {
 public:
  static constexpr const char* kSynapseVariables[2] = {"isyn_exc", "isyn_inh"};
  static constexpr bool kEscapeNoise = false;
  static constexpr bool kSharedConstants = true;
  // The step is light enough for one loop: apart, CUBA took a tenth longer
  // (LifConductanceMembrane::kMarksInOwnLoop).
  static constexpr bool kMarksInOwnLoop = false;
  static constexpr bool kSeriesStep = false;  // its propagator has no exponential per step

  void Resize(uint32_t) {}  // no state besides v and the synaptic currents
  void Prepare(const CellGroup& group, const TimeGrid& grid, uint32_t n);
  void Reset(const CellGroup&) {}
  // ms, lowered for n cells as in Prepare.
  std::vector<double> RefractoryMs(const CellGroup& group, uint32_t n) const;

  // One cell's propagators (index p of LifCurrentPropagators), as values;
  // units there.
  struct Constants {
    double v_rest, p_vv, p_vi, v_driven, p_v_exc, p_v_inh, p_v_exc_slope, p_v_inh_slope;
  };
  Constants At(uint32_t p) const {
    return {prop_.v_rest[p],  prop_.p_vv[p],    prop_.p_vi[p],          prop_.v_driven[p],
            prop_.p_v_exc[p], prop_.p_v_inh[p], prop_.p_v_exc_slope[p], prop_.p_v_inh_slope[p]};
  }

  // Cell i with constants k (integrate_and_fire.h).
  template <class Kernel>
  double Step(uint32_t, const Constants& k, double v, double injected,
              const SynapticInput<Kernel>& exc, const SynapticInput<Kernel>& inh) const {
    if constexpr (Kernel::kDelta)
      return k.v_driven + (v + exc.cell.value + inh.cell.value - k.v_rest) * k.p_vv +
             injected * k.p_vi;
    double u = k.v_driven + (v - k.v_rest) * k.p_vv + injected * k.p_vi +
               exc.cell.value * k.p_v_exc + inh.cell.value * k.p_v_inh;
    if constexpr (Kernel::kAlpha)
      u += exc.cell.slope * k.p_v_exc_slope + inh.cell.slope * k.p_v_inh_slope;
    return u;
  }

  void OnSpike(uint32_t) {}
  void Advance(uint32_t, uint32_t) {}
  const std::vector<double>* Variable(const std::string&) const { return nullptr; }

 private:
  LifCurrentPropagators prop_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_LIF_CURRENT_H_
