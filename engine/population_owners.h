// Which thread of a run (member of the split) owns each population whole,
// when whole populations balance the members: a member then updates its own
// populations and walks only the rows of projections into them, where
// populations cut into ranges make every member walk every row for its part
// of it (simulation.cc's Split).
#ifndef SPIKESERVE_ENGINE_POPULATION_OWNERS_H_
#define SPIKESERVE_ENGINE_POPULATION_OWNERS_H_

#include <cstdint>
#include <utility>
#include <vector>

namespace spikeserve::engine {

struct PopulationWork {
  double load = 0.0;       // estimated or measured work, any unit shared by all
  bool splittable = true;  // false: the group is updated whole by member 0
};

// The member of each population, or {} when the most loaded member would
// carry more than `slack` times the members' mean load. Populations named
// together in `joined` (an aligned projection's pre and post, which must be
// split alike) get the same member; a group joined to one that is not
// splittable goes to member 0 with it. Whole units go largest first, each
// to the least loaded member.
std::vector<int> WholePopulationOwners(const std::vector<PopulationWork>& populations,
                                       const std::vector<std::pair<uint32_t, uint32_t>>& joined,
                                       int members, double slack);

// Each member's summed load under `owner` (one member per population).
std::vector<double> MemberLoads(const std::vector<PopulationWork>& populations,
                                const std::vector<int>& owner, int members);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_POPULATION_OWNERS_H_
