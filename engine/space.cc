#include "engine/space.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/errors.h"

namespace spikeserve::engine {

Space::Space(const SpaceSpec& spec, std::vector<int> axes)
    : axes_(std::move(axes)), scale_(spec.scale_factor) {
  for (int a = 0; a < 3; ++a) {
    if (spec.offset.size() == 1) offset_[a] = spec.offset[0];
    if (spec.offset.size() == 3) offset_[a] = spec.offset[a];
    if (!spec.periodic_min.empty()) range_[a] = spec.periodic_max[a] - spec.periodic_min[a];
  }
}

absl::StatusOr<Space> Space::Create(const SpaceSpec& spec) {
  static const char* const kAxes[] = {"x", "y", "z", "xy", "yz", "xz", "xyz"};
  const std::string axes = spec.axes.empty() ? "xyz" : spec.axes;
  if (std::find(std::begin(kAxes), std::end(kAxes), axes) == std::end(kAxes))
    return InvalidArgument(
        "space.axes", reason::kOutOfRange,
        absl::StrCat("axes '", spec.axes, "' is not one of: x, y, z, xy, yz, xz, xyz (or empty)"));
  std::vector<int> index;
  for (char c : axes) index.push_back(c - 'x');
  if (!std::isfinite(spec.scale_factor))
    return InvalidArgument("space.scale_factor", reason::kNotFinite, "scale_factor must be finite");
  if (spec.offset.size() != 0 && spec.offset.size() != 1 && spec.offset.size() != 3)
    return InvalidArgument(
        "space.offset", reason::kWrongLength,
        absl::StrCat("offset takes 0, 1 (every axis) or 3 (x, y, z) values, got ",
                     spec.offset.size()));
  for (double v : spec.offset)
    if (!std::isfinite(v))
      return InvalidArgument("space.offset", reason::kNotFinite, "offset must be finite");
  for (const auto* bound : {&spec.periodic_min, &spec.periodic_max}) {
    const std::string field =
        bound == &spec.periodic_min ? "space.periodic_min" : "space.periodic_max";
    if (bound->size() != 0 && bound->size() != 3)
      return InvalidArgument(field, reason::kWrongLength,
                             absl::StrCat("periodic boundaries take one value per axis (x, y, z), "
                                          "got ",
                                          bound->size()));
    for (double v : *bound)
      if (!std::isfinite(v))
        return InvalidArgument(field, reason::kNotFinite, "periodic boundaries must be finite");
  }
  if (spec.periodic_min.size() != spec.periodic_max.size())
    return InvalidArgument(
        "space.periodic_max", reason::kWrongLength,
        "periodic_min and periodic_max must both be empty or both hold 3 values");
  for (size_t a = 0; a < spec.periodic_min.size(); ++a)
    if (spec.periodic_max[a] < spec.periodic_min[a])
      return InvalidArgument(absl::StrCat("space.periodic_max[", a, "]"), reason::kOutOfRange,
                             absl::StrCat("periodic_max ", spec.periodic_max[a],
                                          " is below periodic_min ", spec.periodic_min[a]));
  return Space(spec, std::move(index));
}

double Space::Distance(const Position& pre, const Position& post) const {
  double sum = 0.0;
  for (int a : axes_) {
    double diff = pre[a] - scale_ * (post[a] + offset_[a]);
    // PyNN applies min(|d|, L - |d|) on every axis it was given a boundary
    // for; a zero range leaves |d| unchanged after squaring, as here.
    if (range_[a] != 0.0) diff = std::min(std::fabs(diff), range_[a] - std::fabs(diff));
    sum += diff * diff;
  }
  return std::sqrt(sum);
}

}  // namespace spikeserve::engine
