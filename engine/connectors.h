// PyNN connectors: which (pre, post) pairs a projection gets.
//
// Randomness: each random connector draws from counter streams keyed by the
// connector seed and the cell that "owns" the draw (the post cell for
// FixedProbability and FixedNumberPre, the pre cell for FixedNumberPost, one
// stream for FixedTotalNumber), so the network is the same whatever the
// number of threads. FixedProbability skips geometrically, O(connections).
#ifndef SPIKESERVE_ENGINE_CONNECTORS_H_
#define SPIKESERVE_ENGINE_CONNECTORS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/simulation.h"
#include "engine/space.h"
#include "engine/worker_pool.h"

namespace spikeserve::engine {

// Connections in canonical order (by pre position, then post position, the
// connections of one pair in the order they were listed), plus
// FromListConnector's per-connection columns ("weight", "delay", "U", ...;
// the caller checks that they name parameters of the synapse type).
struct ConnectionList {
  std::vector<uint32_t> pre;
  std::vector<uint32_t> post;
  std::map<std::string, std::vector<double>> columns;
};

// `reference` (CloneConnector only): the reference projection's connections,
// canonical order. `pool`, if given, shares the draws of FixedNumberPre and
// FixedNumberPost and the canonical order's sorting among its members; the
// connections are the same with or without it.
// `pre_gids` / `post_gids` are the global ids of the CellSets' cells, used to
// recognise self-connections (same cell on both sides). `seed` is the
// resolved connector seed; `distance` measures pre cell i to post cell j for
// the distance-based connectors. Errors name fields under "connector".
absl::StatusOr<ConnectionList> Connect(const ConnectorSpec& spec,
                                       const std::vector<uint64_t>& pre_gids,
                                       const std::vector<uint64_t>& post_gids, uint64_t seed,
                                       const PairDistances& distance,
                                       const ConnectionList* reference = nullptr,
                                       WorkerPool* pool = nullptr);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_CONNECTORS_H_
