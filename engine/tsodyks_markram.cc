#include "engine/tsodyks_markram.h"

#include <cmath>

namespace spikeserve::engine {

TsodyksMarkram::TsodyksMarkram(const SynapseTypeInfo& type, Projection& projection)
    : SynapseDynamics(type, projection),
      u_(AddState("u", 0.0)),
      x_(AddState("", 1.0)),
      y_(AddState("", 0.0)),
      use_(AddConnectionParameter("U")),
      tau_rec_(AddConnectionParameter("tau_rec")),
      tau_facil_(AddConnectionParameter("tau_facil")),
      last_spike_(projection.num_rows(), 0) {}

absl::Status TsodyksMarkram::Check(const std::string& prefix) const {
  return CheckShortTermPlasticity(prefix);
}

absl::Status TsodyksMarkram::CheckInitial(const std::string& prefix) const {
  return CheckEachInitial(
      prefix, "u", [](uint64_t, double v) { return v >= 0 && v <= 1; }, "in [0, 1]");
}

void TsodyksMarkram::Prepare(const SynapseRunContext& context) {
  dt_ = context.grid.dt();
  tau_psc_ = context.tau_psc;
}

void TsodyksMarkram::ResetTime() { std::fill(last_spike_.begin(), last_spike_.end(), 0); }

double TsodyksMarkram::Spike(uint64_t k, double h, double tau_psc) {
  const double tau_rec = tau_rec_[k], tau_facil = tau_facil_[k];
  const double p_uu = tau_facil == 0 ? 0.0 : std::exp(-h / tau_facil);
  const double p_yy = tau_psc > 0 ? std::exp(-h / tau_psc) : 0.0;
  const double p_zz = std::exp(-h / tau_rec);
  // Share of y that has gone through z back to x after h; the general formula
  // divides by tau_psc - tau_rec, so equal constants take its limit.
  double p_xy;
  if (tau_psc == 0)
    p_xy = 1.0 - p_zz;
  else if (std::fabs(tau_psc - tau_rec) < 1e-9 * tau_rec)
    p_xy = 1.0 - p_zz * (1.0 + h / tau_rec);
  else
    p_xy = ((p_zz - 1.0) * tau_rec - (p_yy - 1.0) * tau_psc) / (tau_psc - tau_rec);
  const double z = 1.0 - x_[k] - y_[k];
  u_[k] *= p_uu;
  x_[k] += p_xy * y_[k] + (1.0 - p_zz) * z;
  y_[k] *= p_yy;
  u_[k] += use_[k] * (1.0 - u_[k]);
  const double released = u_[k] * x_[k];
  x_[k] -= released;
  y_[k] += released;
  return released;
}

void TsodyksMarkram::Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) {
  const Projection& p = projection_;
  const double h = static_cast<double>(spike_step - last_spike_[row]) * dt_;
  p.ForEachSynapse(row, spike_step, [&](uint64_t k, uint64_t arrival) {
    const double tau_psc = tau_psc_[p.post()[k]];
    // Several spikes in one step follow each other with no time between.
    double released = Spike(k, h, tau_psc);
    for (uint32_t m = 1; m < multiplicity; ++m) released += Spike(k, 0.0, tau_psc);
    p.AddInput(k, arrival, p.weights()[k] * released);
  });
  last_spike_[row] = spike_step;
}

}  // namespace spikeserve::engine
