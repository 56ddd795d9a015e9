// Cell positions (µm) from a PyNN structure (pyNN.space): Line, Grid2D, Grid3D
// and RandomStructure (uniform in a Cuboid or a Sphere).
#ifndef SPIKESERVE_ENGINE_STRUCTURE_H_
#define SPIKESERVE_ENGINE_STRUCTURE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/simulation.h"

namespace spikeserve::engine {

// Errors name fields under "structure". `seed` is the resolved seed of a
// RandomStructure: cell i's position comes from the counter stream (seed, i),
// so it depends on nothing else.
absl::StatusOr<std::vector<std::array<double, 3>>> GeneratePositions(const StructureSpec& spec,
                                                                     uint64_t n, uint64_t seed);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_STRUCTURE_H_
