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

void LifCurrentMembrane::Resize(uint32_t n) {
  for (auto* p : {&prop_.p_vv, &prop_.p_vi, &prop_.v_driven, &prop_.p_v_exc, &prop_.p_v_inh,
                  &prop_.p_v_exc_slope, &prop_.p_v_inh_slope})
    p->assign(n, 0.0);
}

void LifCurrentMembrane::Prepare(const CellGroup& group, const TimeGrid& grid) {
  const double h = grid.dt();
  v_rest_ = group.parameter(group.ParameterIndex("v_rest")).data();
  const auto& i_offset = group.parameter(group.ParameterIndex("i_offset"));
  const auto& tau_m = group.parameter(group.ParameterIndex("tau_m"));
  const auto& cm = group.parameter(group.ParameterIndex("cm"));
  // IF_curr_delta has no synaptic time constants.
  const int tau_e = group.ParameterIndex("tau_syn_E"), tau_i = group.ParameterIndex("tau_syn_I");
  for (uint32_t i = 0; i < group.size(); ++i) {
    const double b = 1.0 / tau_m[i], decay = std::exp(-h * b);
    prop_.p_vv[i] = decay;
    prop_.p_vi[i] = -tau_m[i] / cm[i] * std::expm1(-h * b);
    prop_.v_driven[i] = v_rest_[i] + i_offset[i] * prop_.p_vi[i];
    if (tau_e < 0) continue;
    const double c_e = b - 1.0 / group.parameter(tau_e)[i];
    const double c_i = b - 1.0 / group.parameter(tau_i)[i];
    prop_.p_v_exc[i] = decay * KernelIntegral0(c_e, h) / cm[i];
    prop_.p_v_inh[i] = decay * KernelIntegral0(c_i, h) / cm[i];
    prop_.p_v_exc_slope[i] = decay * KernelIntegral1(c_e, h) / cm[i];
    prop_.p_v_inh_slope[i] = decay * KernelIntegral1(c_i, h) / cm[i];
  }
  uniform_ = IsUniform(group.parameter(group.ParameterIndex("v_rest")));
  for (const auto* column : {&prop_.p_vv, &prop_.p_vi, &prop_.v_driven, &prop_.p_v_exc,
                             &prop_.p_v_inh, &prop_.p_v_exc_slope, &prop_.p_v_inh_slope})
    uniform_ = uniform_ && IsUniform(*column);
}

const std::vector<double>& LifCurrentMembrane::RefractoryMs(const CellGroup& group) const {
  return group.parameter(group.ParameterIndex("tau_refrac"));
}

}  // namespace spikeserve::engine
