#include "engine/lif_conductance.h"

namespace spikeserve::engine {
namespace {
// PyNN's NEST translation of IF_facets_hardware1.
constexpr double kFacetsCm = 0.2;         // nF
constexpr double kFacetsTauRefrac = 1.0;  // ms
}  // namespace

void LifConductanceMembrane::Prepare(const CellGroup& group, const TimeGrid& grid, uint32_t n) {
  const double h = grid.dt();
  const CellColumn& v_rest = group.parameter("v_rest");
  c_.e_rev_i = group.parameter("e_rev_I").Values(n);
  for (auto* p : {&c_.g_leak, &c_.h_over_cm, &c_.rest_drive}) p->resize(n);
  if (group.ParameterIndex("g_leak") >= 0) {
    const CellColumn& g_leak = group.parameter("g_leak");
    c_.e_rev_e.assign(n, 0.0);
    c_.tau_refrac.assign(n, kFacetsTauRefrac);
    for (uint32_t p = 0; p < n; ++p) {
      c_.g_leak[p] = g_leak[p] * 1e-3;
      c_.h_over_cm[p] = h / kFacetsCm;
      c_.rest_drive[p] = c_.g_leak[p] * v_rest[p];
    }
    return;
  }
  const CellColumn &cm = group.parameter("cm"), &tau_m = group.parameter("tau_m"),
                   &i_offset = group.parameter("i_offset");
  c_.e_rev_e = group.parameter("e_rev_E").Values(n);
  c_.tau_refrac = group.parameter("tau_refrac").Values(n);
  for (uint32_t p = 0; p < n; ++p) {
    c_.g_leak[p] = cm[p] / tau_m[p];
    c_.h_over_cm[p] = h / cm[p];
    c_.rest_drive[p] = c_.g_leak[p] * v_rest[p] + i_offset[p];
  }
}

}  // namespace spikeserve::engine
