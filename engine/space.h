// PyNN's Space (pyNN.space.Space): how the distance between a pre- and a
// post-synaptic cell is measured.
//
// As pyNN.space.Space.distances: the post position is shifted by `offset`,
// then scaled by `scale_factor`; the difference is taken on the chosen axes
// only; on a periodic axis of range L the difference |dx| becomes
// min(|dx|, L - |dx|); the distance is the Euclidean norm.
#ifndef SPIKESERVE_ENGINE_SPACE_H_
#define SPIKESERVE_ENGINE_SPACE_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace spikeserve::engine {

using Position = std::array<double, 3>;  // x, y, z (µm)

struct SpaceSpec {
  std::string axes;  // "" (= "xyz"), "x", "y", "z", "xy", "yz", "xz", "xyz"
  double scale_factor = 1.0;
  std::vector<double> offset;  // µm: none (0), one value for every axis, or x, y, z
  // µm, per axis x, y, z (both empty: no periodic axis); an axis with
  // max == min is not periodic, as PyNN's None.
  std::vector<double> periodic_min;
  std::vector<double> periodic_max;
};

class Space {
 public:
  // Errors name fields under "space".
  static absl::StatusOr<Space> Create(const SpaceSpec& spec);
  Space() : Space(SpaceSpec{}, {0, 1, 2}) {}

  double Distance(const Position& pre, const Position& post) const;

 private:
  Space(const SpaceSpec& spec, std::vector<int> axes);
  std::vector<int> axes_;
  double scale_ = 1.0;
  Position offset_{0, 0, 0};
  Position range_{0, 0, 0};  // 0: not periodic
};

// The distances between the cells of a projection: pre cell i, post cell j
// (positions in the projection's CellSets).
class PairDistances {
 public:
  PairDistances(Space space, std::vector<Position> pre, std::vector<Position> post)
      : space_(std::move(space)), pre_(std::move(pre)), post_(std::move(post)) {}
  double operator()(uint32_t i, uint32_t j) const { return space_.Distance(pre_[i], post_[j]); }

 private:
  Space space_;
  std::vector<Position> pre_, post_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SPACE_H_
