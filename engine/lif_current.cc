#include "engine/lif_current.h"

#include <cmath>

namespace spikeserve::engine {
namespace {
// Below this |c h| the integrals come from their power series, which converge
// to full double precision in a few terms there.
constexpr double kSeriesLimit = 0.1;
}  // namespace

double KernelIntegral0(double c, double h) { return c == 0.0 ? h : std::expm1(c * h) / c; }

double KernelIntegral1(double c, double h) {
  const double x = c * h;
  if (std::fabs(x) < kSeriesLimit) {
    // int_0^h u e^{cu} du = h^2 sum_n x^n / (n! (n + 2))
    double term = 1.0, sum = 0.0;
    for (int n = 0; n < 16; ++n) {
      sum += term / (n + 2);
      term *= x / (n + 1);
    }
    return h * h * sum;
  }
  return (std::exp(x) * (x - 1.0) + 1.0) / (c * c);
}

template <class Kernel>
LifCurrent<Kernel>::LifCurrent(const CellTypeInfo& type, uint32_t size)
    : CellGroup(type, size),
      v_rest_(ParameterIndex("v_rest")),
      cm_(ParameterIndex("cm")),
      tau_m_(ParameterIndex("tau_m")),
      tau_refrac_(ParameterIndex("tau_refrac")),
      tau_syn_e_(ParameterIndex("tau_syn_E")),
      tau_syn_i_(ParameterIndex("tau_syn_I")),
      i_offset_(ParameterIndex("i_offset")),
      v_reset_(ParameterIndex("v_reset")),
      v_thresh_(ParameterIndex("v_thresh")) {
  input_.Resize(size, 2, 1);
  exc_.Resize(size);
  inh_.Resize(size);
  v_.assign(size, 0.0);
  refractory_left_.assign(size, 0);
  for (auto* p : {&prop_.p_vv, &prop_.p_vi, &prop_.p_v_exc, &prop_.p_v_inh, &prop_.p_v_exc_slope,
                  &prop_.p_v_inh_slope})
    p->assign(size, 0.0);
  prop_.refractory_steps.assign(size, 0);
  Reset(0);
}

template <class Kernel>
void LifCurrent<Kernel>::Prepare(const TimeGrid& grid, uint64_t) {
  const double h = grid.dt();
  exc_.Prepare(parameters_[tau_syn_e_], h);
  inh_.Prepare(parameters_[tau_syn_i_], h);
  for (uint32_t i = 0; i < size_; ++i) {
    const double tau_m = parameters_[tau_m_][i], cm = parameters_[cm_][i];
    const double b = 1.0 / tau_m, decay = std::exp(-h * b);
    prop_.p_vv[i] = decay;
    prop_.p_vi[i] = -tau_m / cm * std::expm1(-h * b);
    const double c_e = b - 1.0 / parameters_[tau_syn_e_][i];
    const double c_i = b - 1.0 / parameters_[tau_syn_i_][i];
    prop_.p_v_exc[i] = decay * KernelIntegral0(c_e, h) / cm;
    prop_.p_v_inh[i] = decay * KernelIntegral0(c_i, h) / cm;
    if constexpr (Kernel::kAlpha) {
      prop_.p_v_exc_slope[i] = decay * KernelIntegral1(c_e, h) / cm;
      prop_.p_v_inh_slope[i] = decay * KernelIntegral1(c_i, h) / cm;
    }
    prop_.refractory_steps[i] = static_cast<int32_t>(grid.Steps(parameters_[tau_refrac_][i]));
  }
}

template <class Kernel>
void LifCurrent<Kernel>::Reset(uint64_t) {
  for (uint32_t i = 0; i < size_; ++i) {
    v_[i] = initial_values_[0][i];
    exc_.SetValue(i, initial_values_[1][i]);
    inh_.SetValue(i, initial_values_[2][i]);
    refractory_left_[i] = 0;
  }
  input_.Clear();
}

template <class Kernel>
void LifCurrent<Kernel>::Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) {
  double* in_exc = input_.Slot(0, ctx.step);
  double* in_inh = input_.Slot(1, ctx.step);
  const double* v_rest = parameters_[v_rest_].data();
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
      const double current = i_offset[i] + (ctx.injected ? ctx.injected[i] : 0.0);
      double v = v_rest[i] + (v_[i] - v_rest[i]) * prop_.p_vv[i] + current * prop_.p_vi[i] +
                 exc_.value[i] * prop_.p_v_exc[i] + inh_.value[i] * prop_.p_v_inh[i];
      if constexpr (Kernel::kAlpha)
        v += exc_.slope[i] * prop_.p_v_exc_slope[i] + inh_.slope[i] * prop_.p_v_inh_slope[i];
      if (v >= v_thresh[i]) {
        spikes.push_back({i, 1});
        v = v_reset[i];
        refractory_left_[i] = prop_.refractory_steps[i];
      }
      v_[i] = v;
    }
    exc_.Advance(i);
    inh_.Advance(i);
  }
}

template <class Kernel>
const std::vector<double>* LifCurrent<Kernel>::Variable(const std::string& name) const {
  if (name == "v") return &v_;
  if (name == "isyn_exc") return &exc_.value;
  if (name == "isyn_inh") return &inh_.value;
  return nullptr;
}

template class LifCurrent<ExpKernel>;
template class LifCurrent<AlphaKernel>;

}  // namespace spikeserve::engine
