#include "engine/population_owners.h"

#include <algorithm>
#include <numeric>

namespace spikeserve::engine {

std::vector<int> WholePopulationOwners(const std::vector<PopulationWork>& populations,
                                       const std::vector<std::pair<uint32_t, uint32_t>>& joined,
                                       int members, double slack) {
  const size_t n = populations.size();
  if (members <= 1) return std::vector<int>(n, 0);
  // Units: populations joined directly or through others (union-find).
  std::vector<size_t> unit(n);
  std::iota(unit.begin(), unit.end(), 0);
  auto root = [&](size_t p) {
    while (unit[p] != p) p = unit[p] = unit[unit[p]];
    return p;
  };
  for (const auto& [a, b] : joined) unit[root(a)] = root(b);
  std::vector<double> unit_load(n, 0.0), member_load(members, 0.0);
  std::vector<int> unit_owner(n, -1);
  for (size_t p = 0; p < n; ++p) {
    unit_load[root(p)] += populations[p].load;
    if (!populations[p].splittable) unit_owner[root(p)] = 0;
  }
  std::vector<size_t> units;
  for (size_t p = 0; p < n; ++p) {
    if (root(p) != p) continue;
    if (unit_owner[p] == 0) {
      member_load[0] += unit_load[p];
    } else {
      units.push_back(p);
    }
  }
  std::stable_sort(units.begin(), units.end(),
                   [&](size_t a, size_t b) { return unit_load[a] > unit_load[b]; });
  for (size_t u : units) {
    const int m = static_cast<int>(std::min_element(member_load.begin(), member_load.end()) -
                                   member_load.begin());
    unit_owner[u] = m;
    member_load[m] += unit_load[u];
  }
  const double mean = std::accumulate(member_load.begin(), member_load.end(), 0.0) / members;
  if (*std::max_element(member_load.begin(), member_load.end()) > slack * mean) return {};
  std::vector<int> owner(n);
  for (size_t p = 0; p < n; ++p) owner[p] = unit_owner[root(p)];
  return owner;
}

std::vector<double> MemberLoads(const std::vector<PopulationWork>& populations,
                                const std::vector<int>& owner, int members) {
  std::vector<double> load(members, 0.0);
  for (size_t p = 0; p < populations.size(); ++p) load[owner[p]] += populations[p].load;
  return load;
}

}  // namespace spikeserve::engine
