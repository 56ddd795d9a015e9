// The cell group of the nonlinear point neurons (AdEx, Izhikevich, HH): the
// state of each cell is a small ODE system integrated over every time step
// by the adaptive Dormand-Prince scheme (embedded_rk.h), each cell with its
// own substeps, inside one loop over the population.
//
// Per step and cell: synaptic input arriving in this step is added to the
// state (conductance or slope jumps, or v jumps for mV weights); the step is
// integrated with the input current (offset + electrodes) held constant; and
// spikes are found by the model's rule:
//  - threshold models (kPeakDetection false) test v after every accepted
//    substep, locating the crossing to 1e-4 ms (embedded_rk.h); a crossing
//    resets the state (Fire), and if tau_refrac > 0 the
//    membrane is clamped (the model's Derivatives see `clamped`) for the rest
//    of the step and tau_refrac after it, as NEST's aeif models do; several
//    spikes per step are possible without refractoriness (Izhikevich);
//  - peak-detecting models (HH) test once per step whether v is above the
//    detection level and falling, with no reset, and then ignore further
//    peaks for the refractory period (NEST hh_cond_exp_traub).
// Spikes are emitted at the end of the step.
//
// A Model provides:
//   kSize, kPeakDetection, kStates[kSize]  state names in y order ("" = hidden)
//   Prepare(group, grid), RefractoryMs(group)
//   Receive(i, y, w_exc, w_inh), Derivatives(i, y, injected, clamped, dydt)
//   Crossed(i, y) and Fire(i, y)  |  Peak(i, v_start, y)
#ifndef SPIKESERVE_ENGINE_ODE_NEURON_H_
#define SPIKESERVE_ENGINE_ODE_NEURON_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/cell_group.h"
#include "engine/embedded_rk.h"

namespace spikeserve::engine {

template <class Model>
class OdeNeuron : public CellGroup {
 public:
  static constexpr int N = Model::kSize;

  OdeNeuron(const CellTypeInfo& type, uint32_t size) : CellGroup(type, size) {
    input_.Resize(size, 2, 1);
    for (auto& column : y_) column.assign(size, 0.0);
    substep_.assign(size, 0.0);
    refractory_left_.assign(size, 0);
    refractory_steps_.assign(size, 0);
    Reset(0);
  }

  void Prepare(const TimeGrid& grid, uint64_t) override {
    h_ = grid.dt();
    model_.Prepare(*this, grid);
    const std::vector<double>& tau_refrac = model_.RefractoryMs(*this);
    for (uint32_t i = 0; i < size_; ++i)
      refractory_steps_[i] = static_cast<int32_t>(grid.Steps(tau_refrac[i]));
  }

  void Reset(uint64_t) override {
    for (int k = 0; k < N; ++k) {
      const int s = Model::kStates[k][0] ? StateIndex(Model::kStates[k]) : -1;
      for (uint32_t i = 0; i < size_; ++i) y_[k][i] = s < 0 ? 0.0 : initial_values_[s][i];
    }
    std::fill(substep_.begin(), substep_.end(), 0.0);
    std::fill(refractory_left_.begin(), refractory_left_.end(), 0);
    input_.Clear();
  }

  void Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) override {
    RingBuffer::Input* in_exc = input_.Slot(0, ctx.step);
    RingBuffer::Input* in_inh = input_.Slot(1, ctx.step);
    const RkTolerance tol;
    for (uint32_t i = 0; i < size_; ++i) {
      double y[N];
      for (int k = 0; k < N; ++k) y[k] = y_[k][i];
      model_.Receive(i, y, in_exc[i], in_inh[i]);
      in_exc[i] = in_inh[i] = 0.0;
      const double injected = ctx.injected ? ctx.injected[i] : 0.0;
      bool clamped = !Model::kPeakDetection && refractory_left_[i] > 0;
      // Gap junctions: a conductance toward the partners' voltage, with this
      // cell's own v (y[0]) inside the integration.
      const double gap_g = ctx.gap_g ? ctx.gap_g[i] : 0.0;
      const double gap_ge = ctx.gap_ge ? ctx.gap_ge[i] : 0.0;
      auto rhs = [&](const double* s, double* dydt) {
        model_.Derivatives(i, s, injected + gap_ge - gap_g * s[0], clamped, dydt);
      };
      uint32_t count = 0;
      if constexpr (Model::kPeakDetection) {
        const double v_start = y[0];
        IntegrateAdaptive<N>(
            rhs, y, h_, substep_[i], tol, [](const double*) { return false; }, [](double*) {});
        if (refractory_left_[i] > 0) {
          --refractory_left_[i];
        } else if (model_.Peak(i, v_start, y)) {
          count = 1;
          refractory_left_[i] = refractory_steps_[i];
        }
      } else {
        auto crosses = [&](const double* s) { return !clamped && model_.Crossed(i, s); };
        IntegrateAdaptive<N>(rhs, y, h_, substep_[i], tol, crosses, [&](double* s) {
          if (!crosses(s)) return;
          ++count;
          model_.Fire(i, s);
          if (refractory_steps_[i] > 0) {
            clamped = true;
            refractory_left_[i] = refractory_steps_[i] + 1;  // this step's rest, then tau_refrac
          }
        });
        if (refractory_left_[i] > 0) --refractory_left_[i];
      }
      for (int k = 0; k < N; ++k) y_[k][i] = y[k];
      if (count > 0) spikes.push_back({i, count});
    }
  }

  const std::vector<double>* Variable(const std::string& name) const override {
    for (int k = 0; k < N; ++k)
      if (Model::kStates[k][0] && name == Model::kStates[k]) return &y_[k];
    return nullptr;
  }

 private:
  double h_ = 0.0;                        // ms
  std::array<std::vector<double>, N> y_;  // state columns, in Model::kStates order
  std::vector<double> substep_;           // ms, next substep to try per cell
  std::vector<int32_t> refractory_left_;  // steps
  std::vector<int32_t> refractory_steps_;
  Model model_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_ODE_NEURON_H_
