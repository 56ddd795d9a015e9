#include "engine/lif_conductance.h"

#include <cmath>

namespace spikeserve::engine {

template <class Kernel>
LifConductance<Kernel>::LifConductance(const CellTypeInfo& type, uint32_t size)
    : CellGroup(type, size),
      v_rest_(ParameterIndex("v_rest")),
      cm_(ParameterIndex("cm")),
      tau_m_(ParameterIndex("tau_m")),
      tau_refrac_(ParameterIndex("tau_refrac")),
      tau_syn_e_(ParameterIndex("tau_syn_E")),
      tau_syn_i_(ParameterIndex("tau_syn_I")),
      e_rev_e_(ParameterIndex("e_rev_E")),
      e_rev_i_(ParameterIndex("e_rev_I")),
      v_thresh_(ParameterIndex("v_thresh")),
      v_reset_(ParameterIndex("v_reset")),
      i_offset_(ParameterIndex("i_offset")) {
  input_.Resize(size, 2, 1);
  exc_.Resize(size);
  inh_.Resize(size);
  v_.assign(size, 0.0);
  refractory_left_.assign(size, 0);
  constants_.g_leak.assign(size, 0.0);
  constants_.h_over_cm.assign(size, 0.0);
  constants_.refractory_steps.assign(size, 0);
  Reset(0);
}

template <class Kernel>
void LifConductance<Kernel>::Prepare(const TimeGrid& grid, uint64_t) {
  const double h = grid.dt();
  exc_.Prepare(parameters_[tau_syn_e_], h);
  inh_.Prepare(parameters_[tau_syn_i_], h);
  for (uint32_t i = 0; i < size_; ++i) {
    constants_.g_leak[i] = parameters_[cm_][i] / parameters_[tau_m_][i];
    constants_.h_over_cm[i] = h / parameters_[cm_][i];
    constants_.refractory_steps[i] = static_cast<int32_t>(grid.Steps(parameters_[tau_refrac_][i]));
  }
}

template <class Kernel>
void LifConductance<Kernel>::Reset(uint64_t) {
  for (uint32_t i = 0; i < size_; ++i) {
    v_[i] = initial_values_[0][i];
    exc_.SetValue(i, initial_values_[1][i]);
    inh_.SetValue(i, initial_values_[2][i]);
    refractory_left_[i] = 0;
  }
  input_.Clear();
}

template <class Kernel>
void LifConductance<Kernel>::Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) {
  double* in_exc = input_.Slot(0, ctx.step);
  double* in_inh = input_.Slot(1, ctx.step);
  const double* v_rest = parameters_[v_rest_].data();
  const double* e_rev_e = parameters_[e_rev_e_].data();
  const double* e_rev_i = parameters_[e_rev_i_].data();
  const double* i_offset = parameters_[i_offset_].data();
  const double* v_reset = parameters_[v_reset_].data();
  const double* v_thresh = parameters_[v_thresh_].data();
  for (uint32_t i = 0; i < size_; ++i) {
    exc_.Receive(i, in_exc[i]);
    inh_.Receive(i, in_inh[i]);
    in_exc[i] = in_inh[i] = 0.0;
    if (refractory_left_[i] > 0) {
      --refractory_left_[i];
      v_[i] = v_reset[i];
    } else {
      const double g_e = exc_.Midpoint(i), g_i = inh_.Midpoint(i), g_l = constants_.g_leak[i];
      const double current = i_offset[i] + (ctx.injected ? ctx.injected[i] : 0.0);
      const double g_total = g_l + g_e + g_i;
      const double v_inf =
          (g_l * v_rest[i] + g_e * e_rev_e[i] + g_i * e_rev_i[i] + current) / g_total;
      double v = v_inf + (v_[i] - v_inf) * std::exp(-constants_.h_over_cm[i] * g_total);
      if (v >= v_thresh[i]) {
        spikes.push_back({i, 1});
        v = v_reset[i];
        refractory_left_[i] = constants_.refractory_steps[i];
      }
      v_[i] = v;
    }
    exc_.Advance(i);
    inh_.Advance(i);
  }
}

template <class Kernel>
const std::vector<double>* LifConductance<Kernel>::Variable(const std::string& name) const {
  if (name == "v") return &v_;
  if (name == "gsyn_exc") return &exc_.value;
  if (name == "gsyn_inh") return &inh_.value;
  return nullptr;
}

template class LifConductance<ExpKernel>;
template class LifConductance<AlphaKernel>;

}  // namespace spikeserve::engine
