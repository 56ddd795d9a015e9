#include "engine/structure.h"

#include <cmath>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/counter_rng.h"
#include "engine/errors.h"

namespace spikeserve::engine {
namespace {

// PyNN's defaults per structure; the values given override them.
absl::StatusOr<std::map<std::string, double>> WithDefaults(const StructureSpec& spec,
                                                           std::map<std::string, double> params) {
  for (const auto& [name, value] : spec.params) {
    if (params.count(name) == 0) {
      std::vector<std::string> names;
      for (const auto& p : params) names.push_back(p.first);
      return InvalidArgument(absl::StrCat("structure.params.", name), reason::kUnknownParameter,
                             absl::StrCat("structure ", spec.name, " has no parameter '", name,
                                          "'; parameters: ", absl::StrJoin(names, ", ")));
    }
    if (!std::isfinite(value))
      return InvalidArgument(absl::StrCat("structure.params.", name), reason::kNotFinite,
                             absl::StrCat(name, " must be finite"));
    params[name] = value;
  }
  return params;
}

absl::Status NotFactorisable(const std::string& name, uint64_t n) {
  return InvalidArgument(
      "structure", reason::kOutOfRange,
      absl::StrCat(name, ": ", n, " cells cannot fill the grid with the given aspect ratio"));
}

// PyNN's Cuboid and Sphere samples: uniform density inside the shape, centred
// on the origin. A sphere point is drawn from the enclosing cube until it
// falls inside, as PyNN does, within the cell's own stream.
absl::StatusOr<std::vector<std::array<double, 3>>> RandomPositions(const StructureSpec& spec,
                                                                   uint64_t n, uint64_t seed) {
  const bool sphere = spec.boundary == "Sphere";
  if (!sphere && spec.boundary != "Cuboid")
    return InvalidArgument(
        "structure.boundary", reason::kOutOfRange,
        absl::StrCat("RandomStructure's boundary '", spec.boundary, "' is not Cuboid or Sphere"));
  const double kRequired = std::nan("");
  std::map<std::string, double> defaults = {
      {"origin_x", 0.0}, {"origin_y", 0.0}, {"origin_z", 0.0}};
  const std::vector<std::string> extent =
      sphere ? std::vector<std::string>{"radius"}
             : std::vector<std::string>{"width", "height", "depth"};
  for (const auto& name : extent) defaults[name] = kRequired;
  auto p = WithDefaults(spec, defaults);
  if (!p.ok()) return p.status();
  auto& q = *p;
  for (const auto& name : extent) {
    if (std::isnan(q[name]))
      return InvalidArgument(absl::StrCat("structure.params.", name), reason::kMissing,
                             absl::StrCat(spec.boundary, " needs ", absl::StrJoin(extent, ", ")));
    if (!(q[name] >= 0))
      return InvalidArgument(absl::StrCat("structure.params.", name), reason::kOutOfRange,
                             absl::StrCat(name, " must be >= 0, got ", q[name]));
  }
  const std::array<double, 3> origin = {q["origin_x"], q["origin_y"], q["origin_z"]};
  std::vector<std::array<double, 3>> pos(n);
  for (uint64_t i = 0; i < n; ++i) {
    CounterRng rng(seed, RngPurpose::kCellPosition, i);
    std::array<double, 3> u;
    do {
      for (double& c : u) c = 2.0 * rng.Uniform() - 1.0;  // in (-1, 1), as PyNN's uniform(-1, 1)
    } while (sphere && u[0] * u[0] + u[1] * u[1] + u[2] * u[2] >= 1.0);
    for (int a = 0; a < 3; ++a)
      pos[i][a] = origin[a] + (sphere ? q["radius"] * u[a] : 0.5 * u[a] * q[extent[a]]);
  }
  return pos;
}

}  // namespace

absl::StatusOr<std::vector<std::array<double, 3>>> GeneratePositions(const StructureSpec& spec,
                                                                     uint64_t n, uint64_t seed) {
  if (spec.name == "RandomStructure") return RandomPositions(spec, n, seed);
  if (!spec.boundary.empty())
    return InvalidArgument("structure.boundary", reason::kConflict,
                           "a boundary is only for RandomStructure");
  std::vector<std::array<double, 3>> pos(n);
  if (spec.name.empty() || spec.name == "Line") {
    auto p = WithDefaults(spec, {{"dx", 1.0}, {"x0", 0.0}, {"y", 0.0}, {"z", 0.0}});
    if (!p.ok()) return p.status();
    auto& q = *p;
    for (uint64_t i = 0; i < n; ++i)
      pos[i] = {q["x0"] + q["dx"] * static_cast<double>(i), q["y"], q["z"]};
    return pos;
  }
  if (spec.name == "Grid2D") {
    auto p = WithDefaults(
        spec,
        {{"aspect_ratio", 1.0}, {"dx", 1.0}, {"dy", 1.0}, {"x0", 0.0}, {"y0", 0.0}, {"z", 0.0}});
    if (!p.ok()) return p.status();
    auto& q = *p;
    if (!(q["aspect_ratio"] > 0))
      return InvalidArgument("structure.params.aspect_ratio", reason::kOutOfRange,
                             "aspect_ratio must be > 0");
    const uint64_t nx = static_cast<uint64_t>(std::llround(std::sqrt(n * q["aspect_ratio"])));
    const uint64_t ny =
        nx == 0 ? 0 : static_cast<uint64_t>(std::llround(static_cast<double>(n) / nx));
    if (nx * ny != n) return NotFactorisable(spec.name, n);
    // Filled y fastest, as numpy.indices((nx, ny, 1)) in pyNN.space.
    for (uint64_t i = 0; i < n; ++i)
      pos[i] = {q["x0"] + q["dx"] * static_cast<double>(i / ny),
                q["y0"] + q["dy"] * static_cast<double>(i % ny), q["z"]};
    return pos;
  }
  if (spec.name == "Grid3D") {
    auto p = WithDefaults(spec, {{"aspect_ratioXY", 1.0},
                                 {"aspect_ratioXZ", 1.0},
                                 {"dx", 1.0},
                                 {"dy", 1.0},
                                 {"dz", 1.0},
                                 {"x0", 0.0},
                                 {"y0", 0.0},
                                 {"z0", 0.0}});
    if (!p.ok()) return p.status();
    auto& q = *p;
    const double a = q["aspect_ratioXY"], b = q["aspect_ratioXZ"];
    if (!(a > 0) || !(b > 0))
      return InvalidArgument("structure.params", reason::kOutOfRange, "aspect ratios must be > 0");
    const uint64_t nx = static_cast<uint64_t>(std::llround(std::cbrt(n * a * b)));
    const uint64_t ny = static_cast<uint64_t>(std::llround(nx / a));
    const uint64_t nz = static_cast<uint64_t>(std::llround(nx / b));
    if (nx * ny * nz != n) return NotFactorisable(spec.name, n);
    // z fastest, then y, then x.
    for (uint64_t i = 0; i < n; ++i)
      pos[i] = {q["x0"] + q["dx"] * static_cast<double>(i / (ny * nz)),
                q["y0"] + q["dy"] * static_cast<double>((i / nz) % ny),
                q["z0"] + q["dz"] * static_cast<double>(i % nz)};
    return pos;
  }
  return InvalidArgument("structure.name", reason::kUnknownParameter,
                         absl::StrCat("unknown structure '", spec.name,
                                      "'; known: Line, Grid2D, Grid3D, RandomStructure"));
}

}  // namespace spikeserve::engine
