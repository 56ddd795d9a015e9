#include "engine/sfa_rr_membrane.h"

#include <cmath>

namespace spikeserve::engine {

void SfaRrMembrane::Resize(uint32_t n) {
  LifConductanceMembrane::Resize(n);
  for (auto* p :
       {&g_s_, &g_r_, &adapt_.decay_s, &adapt_.decay_r, &adapt_.half_decay_s, &adapt_.half_decay_r})
    p->assign(n, 0.0);
}

void SfaRrMembrane::Prepare(const CellGroup& group, const TimeGrid& grid) {
  LifConductanceMembrane::Prepare(group, grid);
  auto column = [&](const char* name) -> const std::vector<double>& {
    return group.parameter(group.ParameterIndex(name));
  };
  e_rev_sfa_ = column("e_rev_sfa").data();
  e_rev_rr_ = column("e_rev_rr").data();
  q_sfa_ = column("q_sfa").data();
  q_rr_ = column("q_rr").data();
  const auto &tau_sfa = column("tau_sfa"), &tau_rr = column("tau_rr");
  const double h = grid.dt();
  for (uint32_t i = 0; i < group.size(); ++i) {
    adapt_.decay_s[i] = std::exp(-h / tau_sfa[i]);
    adapt_.decay_r[i] = std::exp(-h / tau_rr[i]);
    adapt_.half_decay_s[i] = std::exp(-0.5 * h / tau_sfa[i]);
    adapt_.half_decay_r[i] = std::exp(-0.5 * h / tau_rr[i]);
  }
}

void SfaRrMembrane::Reset(const CellGroup& group) {
  g_s_ = group.initial_value(group.StateIndex("g_s"));
  g_r_ = group.initial_value(group.StateIndex("g_r"));
}

const std::vector<double>* SfaRrMembrane::Variable(const std::string& name) const {
  if (name == "g_s") return &g_s_;
  if (name == "g_r") return &g_r_;
  return nullptr;
}

}  // namespace spikeserve::engine
