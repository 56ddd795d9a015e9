#include "engine/lif_conductance.h"

namespace spikeserve::engine {
namespace {
// PyNN's NEST translation of IF_facets_hardware1.
constexpr double kFacetsCm = 0.2;         // nF
constexpr double kFacetsTauRefrac = 1.0;  // ms
}  // namespace

void LifConductanceMembrane::Resize(uint32_t n) {
  for (auto* p : {&c_.g_leak, &c_.h_over_cm, &c_.e_rev_e, &c_.rest_drive, &c_.tau_refrac})
    p->assign(n, 0.0);
}

void LifConductanceMembrane::Prepare(const CellGroup& group, const TimeGrid& grid) {
  const double h = grid.dt();
  auto column = [&](const char* name) -> const std::vector<double>& {
    return group.parameter(group.ParameterIndex(name));
  };
  const auto& v_rest = column("v_rest");
  e_rev_i_ = column("e_rev_I").data();
  if (group.ParameterIndex("g_leak") >= 0) {
    const auto& g_leak = column("g_leak");
    for (uint32_t i = 0; i < group.size(); ++i) {
      c_.g_leak[i] = g_leak[i] * 1e-3;
      c_.h_over_cm[i] = h / kFacetsCm;
      c_.e_rev_e[i] = 0.0;
      c_.rest_drive[i] = c_.g_leak[i] * v_rest[i];
      c_.tau_refrac[i] = kFacetsTauRefrac;
    }
    uniform_ = IsUniform(c_.g_leak) && IsUniform(c_.rest_drive) && IsUniform(column("e_rev_I"));
    return;
  }
  const auto &cm = column("cm"), &tau_m = column("tau_m");
  c_.e_rev_e = column("e_rev_E");
  const auto& i_offset = column("i_offset");
  c_.tau_refrac = column("tau_refrac");
  for (uint32_t i = 0; i < group.size(); ++i) {
    c_.g_leak[i] = cm[i] / tau_m[i];
    c_.h_over_cm[i] = h / cm[i];
    c_.rest_drive[i] = c_.g_leak[i] * v_rest[i] + i_offset[i];
  }
  uniform_ = IsUniform(c_.g_leak) && IsUniform(c_.h_over_cm) && IsUniform(c_.e_rev_e) &&
             IsUniform(c_.rest_drive) && IsUniform(column("e_rev_I"));
}

}  // namespace spikeserve::engine
