#include "engine/gap_junction.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/errors.h"

namespace spikeserve::engine {

template <class F>
void GapJunctions::ForEach(const F& f) const {
  const Projection& p = synapses_;
  for (uint32_t row = 0; row < pre_.size(); ++row)
    for (uint64_t r = p.run_begin(row); r < p.run_begin(row + 1); ++r)
      for (uint64_t k = p.run_start(r); k < p.run_start(r + 1); ++k) {
        const PostTarget t = p.post_target(p.post()[k]);
        f(pre_[row].first, pre_[row].second, post_populations_[t.part], t.index, p.weights()[k]);
      }
}

std::vector<uint32_t> GapJunctions::Populations() const {
  std::vector<uint32_t> out = post_populations_;
  for (const auto& [population, index] : pre_) out.push_back(population);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void GapJunctions::AddPartnerDrive(const std::vector<const double*>& v_hat,
                                   const std::vector<double*>& ge) const {
  ForEach([&](uint32_t pa, uint32_t a, uint32_t pb, uint32_t b, double g) {
    ge[pb][b] += g * v_hat[pa][a];
    ge[pa][a] += g * v_hat[pb][b];
  });
}

void GapJunctions::AddConductances(const std::vector<double*>& g_total) const {
  ForEach([&](uint32_t pa, uint32_t a, uint32_t pb, uint32_t b, double g) {
    g_total[pb][b] += g;
    g_total[pa][a] += g;
  });
}

absl::Status CheckGapStability(const std::vector<const std::vector<double>*>& g_total,
                               const std::vector<const CellColumn*>& cm, double h) {
  for (size_t p = 0; p < g_total.size(); ++p) {
    if (g_total[p] == nullptr) continue;
    for (size_t i = 0; i < g_total[p]->size(); ++i) {
      const double stiffness = h * (*g_total[p])[i] / (*cm[p])[static_cast<uint32_t>(i)];
      if (stiffness > 1.0)
        return InvalidArgument(
            "weight", reason::kOutOfRange,
            absl::StrCat("gap junctions of cell ", i, " of population ", p, " total ",
                         (*g_total[p])[i], " uS: the coupling, explicit in the partners' v, needs "
                         "dt * sum(g) / cm <= 1 (", stiffness,
                         " here); use smaller weights or a smaller time step"));
    }
  }
  return absl::OkStatus();
}

}  // namespace spikeserve::engine
