#include "engine/sfa_rr_membrane.h"

#include <cmath>

namespace spikeserve::engine {

void SfaRrMembrane::Resize(uint32_t n) {
  g_s_.assign(n, 0.0);
  g_r_.assign(n, 0.0);
}

void SfaRrMembrane::Prepare(const CellGroup& group, const TimeGrid& grid, uint32_t n) {
  LifConductanceMembrane::Prepare(group, grid, n);
  e_rev_sfa_ = group.parameter("e_rev_sfa").Values(n);
  e_rev_rr_ = group.parameter("e_rev_rr").Values(n);
  q_sfa_ = group.parameter("q_sfa").Values(n);
  q_rr_ = group.parameter("q_rr").Values(n);
  const CellColumn &tau_sfa = group.parameter("tau_sfa"), &tau_rr = group.parameter("tau_rr");
  const double h = grid.dt();
  for (auto* p : {&adapt_.decay_s, &adapt_.decay_r, &adapt_.half_decay_s, &adapt_.half_decay_r})
    p->resize(n);
  for (uint32_t p = 0; p < n; ++p) {
    adapt_.decay_s[p] = std::exp(-h / tau_sfa[p]);
    adapt_.decay_r[p] = std::exp(-h / tau_rr[p]);
    adapt_.half_decay_s[p] = std::exp(-0.5 * h / tau_sfa[p]);
    adapt_.half_decay_r[p] = std::exp(-0.5 * h / tau_rr[p]);
  }
}

void SfaRrMembrane::Reset(const CellGroup& group) {
  g_s_ = group.initial_value(group.StateIndex("g_s")).PerCell();
  g_r_ = group.initial_value(group.StateIndex("g_r")).PerCell();
}

const std::vector<double>* SfaRrMembrane::Variable(const std::string& name) const {
  if (name == "g_s") return &g_s_;
  if (name == "g_r") return &g_r_;
  return nullptr;
}

}  // namespace spikeserve::engine
