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

void LifCurrentMembrane::Prepare(const CellGroup& group, const TimeGrid& grid, uint32_t n) {
  const double h = grid.dt();
  const CellColumn& v_rest = group.parameter("v_rest");
  const CellColumn& i_offset = group.parameter("i_offset");
  const CellColumn& tau_m = group.parameter("tau_m");
  const CellColumn& cm = group.parameter("cm");
  // IF_curr_delta has no synaptic time constants.
  const int tau_e = group.ParameterIndex("tau_syn_E"), tau_i = group.ParameterIndex("tau_syn_I");
  for (auto* column : {&prop_.v_rest, &prop_.p_vv, &prop_.p_vi, &prop_.v_driven, &prop_.p_v_exc,
                       &prop_.p_v_inh, &prop_.p_v_exc_slope, &prop_.p_v_inh_slope})
    column->resize(n);
  for (uint32_t p = 0; p < n; ++p) {
    const double b = 1.0 / tau_m[p], decay = std::exp(-h * b);
    prop_.v_rest[p] = v_rest[p];
    prop_.p_vv[p] = decay;
    prop_.p_vi[p] = -tau_m[p] / cm[p] * std::expm1(-h * b);
    prop_.v_driven[p] = v_rest[p] + i_offset[p] * prop_.p_vi[p];
    if (tau_e < 0) continue;
    const double c_e = b - 1.0 / group.parameter(tau_e)[p];
    const double c_i = b - 1.0 / group.parameter(tau_i)[p];
    prop_.p_v_exc[p] = decay * KernelIntegral0(c_e, h) / cm[p];
    prop_.p_v_inh[p] = decay * KernelIntegral0(c_i, h) / cm[p];
    prop_.p_v_exc_slope[p] = decay * KernelIntegral1(c_e, h) / cm[p];
    prop_.p_v_inh_slope[p] = decay * KernelIntegral1(c_i, h) / cm[p];
  }
}

std::vector<double> LifCurrentMembrane::RefractoryMs(const CellGroup& group, uint32_t n) const {
  return group.parameter("tau_refrac").Values(n);
}

}  // namespace spikeserve::engine
