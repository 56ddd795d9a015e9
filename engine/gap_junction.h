// Gap junctions (PyNN's ElectricalSynapse; NEST gap_junction, NEURON Gap):
// a connection of conductance g (uS, its weight) between cells a (pre) and
// b (post) is bidirectional, as PyNN documents it and NEST and NEURON make
// it: it drives
//   I_b = g (v_a - v_b)  into b   and   I_a = g (v_b - v_a)  into a   (nA).
// Coupling scheme, per step [t, t + h]: each cell sees its junctions as a
// conductance G = sum g with reversal potential E = sum g v^_partner / G,
// where v^ is the partner's v extrapolated to the middle of the step,
//   v^ = v(t) + (v(t) - v(t - h)) / 2   (v(t) in the first step of each run,
//   which has no history: state may have been set between runs),
// and the cell's own v enters G (E - v) inside its integrator. The partner is
// thus a linear function of time taken at its midpoint (local error O(h^3)),
// so the coupling is second order: global error O(h^2) (first order in each
// run's first step only). The explicit part is stable while h G / cm <= 1
// for every cell, which CheckGapStability enforces at the start of a run.
//
// Only cell types with the receptor type kGapReceptor (PyNN: HH_cond_exp)
// take them, on both sides.
#ifndef SPIKESERVE_ENGINE_GAP_JUNCTION_H_
#define SPIKESERVE_ENGINE_GAP_JUNCTION_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "engine/catalogue.h"
#include "engine/cell_column.h"
#include "engine/projection.h"

namespace spikeserve::engine {

class GapJunctions {
 public:
  // `pre`: (population, index) of each pre position (CSR row) of `synapses`;
  // `post_populations`: the population of each post ring part.
  GapJunctions(const Projection& synapses, std::vector<std::pair<uint32_t, uint32_t>> pre,
               std::vector<uint32_t> post_populations)
      : synapses_(synapses), pre_(std::move(pre)), post_populations_(std::move(post_populations)) {}

  // Every population this projection couples (pre and post).
  std::vector<uint32_t> Populations() const;

  // Adds g v^_partner (uS mV) to ge[population][cell] for both ends of every
  // junction, with v^ indexed by population id.
  void AddPartnerDrive(const std::vector<const double*>& v_hat,
                       const std::vector<double*>& ge) const;

  // Adds each coupled cell's total gap conductance (uS) to g[population][cell].
  void AddConductances(const std::vector<double*>& g) const;

 private:
  template <class F>
  void ForEach(const F& f) const;

  const Projection& synapses_;
  std::vector<std::pair<uint32_t, uint32_t>> pre_;
  std::vector<uint32_t> post_populations_;
};

// INVALID_ARGUMENT (field "weight") unless h g_total / cm <= 1 for every
// coupled cell; `g_total` and `cm` per population id (nullptr: not coupled).
absl::Status CheckGapStability(const std::vector<const std::vector<double>*>& g_total,
                               const std::vector<const CellColumn*>& cm, double h);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_GAP_JUNCTION_H_
