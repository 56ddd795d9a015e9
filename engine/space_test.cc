#include "engine/space.h"

#include <cmath>

#include "engine/errors.h"
#include "engine/simulation.h"
#include "engine/structure.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

Space Make(const SpaceSpec& spec) {
  auto s = Space::Create(spec);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : Space();
}

TEST(SpaceTest, EuclideanByDefault) {
  EXPECT_DOUBLE_EQ(Space().Distance({0, 0, 0}, {3, 4, 12}), 13.0);
}

TEST(SpaceTest, AxesSelectTheComponents) {
  SpaceSpec spec;
  spec.axes = "xy";
  EXPECT_DOUBLE_EQ(Make(spec).Distance({0, 0, 0}, {3, 4, 12}), 5.0);
  spec.axes = "z";
  EXPECT_DOUBLE_EQ(Make(spec).Distance({0, 0, 1}, {3, 4, 12}), 11.0);
  spec.axes = "xz";
  EXPECT_DOUBLE_EQ(Make(spec).Distance({0, 0, 0}, {3, 4, 4}), 5.0);
}

TEST(SpaceTest, OffsetIsAddedToThePostPositionBeforeScaling) {
  // PyNN: B = scale_factor * (B + offset); d = |A - B|.
  SpaceSpec spec;
  spec.scale_factor = 2.0;
  spec.offset = {1.0};
  EXPECT_DOUBLE_EQ(Make(spec).Distance({10, 0, 0}, {1, -1, -1}), 6.0);  // (10-4, 0, 0)
  spec.offset = {1.0, 2.0, 3.0};
  // B = 2 * ((1,-1,-1) + (1,2,3)) = (4, 2, 4); A - B = (6, -2, -4)
  EXPECT_DOUBLE_EQ(Make(spec).Distance({10, 0, 0}, {1, -1, -1}), std::sqrt(36.0 + 4 + 16));
}

TEST(SpaceTest, PeriodicAxesWrapAround) {
  SpaceSpec spec;
  spec.periodic_min = {0, 0, 0};
  spec.periodic_max = {10, 0, 0};  // x periodic with range 10, y and z not
  const Space space = Make(spec);
  EXPECT_DOUBLE_EQ(space.Distance({1, 0, 0}, {9, 0, 0}), 2.0);
  EXPECT_DOUBLE_EQ(space.Distance({1, 0, 0}, {4, 0, 0}), 3.0);
  EXPECT_DOUBLE_EQ(space.Distance({0, 1, 0}, {0, 9, 0}), 8.0);
  EXPECT_DOUBLE_EQ(space.Distance({1, 1, 0}, {9, 9, 0}), std::sqrt(4.0 + 64.0));
  // PyNN does not reduce modulo the range: |d| > L gives |L - |d||.
  EXPECT_DOUBLE_EQ(space.Distance({0, 0, 0}, {13, 0, 0}), 3.0);
}

TEST(SpaceTest, RejectsBadOptionsNamingTheField) {
  SpaceSpec spec;
  spec.axes = "xx";
  EXPECT_EQ(ErrorField(Space::Create(spec).status()), "space.axes");
  spec = {};
  spec.offset = {1, 2};
  EXPECT_EQ(ErrorField(Space::Create(spec).status()), "space.offset");
  spec = {};
  spec.scale_factor = NAN;
  EXPECT_EQ(ErrorField(Space::Create(spec).status()), "space.scale_factor");
  spec = {};
  spec.periodic_min = {0, 0};
  spec.periodic_max = {1, 1};
  EXPECT_EQ(ErrorField(Space::Create(spec).status()), "space.periodic_min");
  spec.periodic_min = {0, 0, 0};
  spec.periodic_max = {};
  EXPECT_EQ(ErrorField(Space::Create(spec).status()), "space.periodic_max");
  spec.periodic_max = {1, -1, 0};
  EXPECT_EQ(ErrorField(Space::Create(spec).status()), "space.periodic_max[1]");
}

TEST(RandomStructureTest, CuboidAndSpherePositionsStayInsideAndAreSeeded) {
  StructureSpec cuboid{"RandomStructure",
                       {{"width", 10}, {"height", 20}, {"depth", 4}, {"origin_x", 100}},
                       "Cuboid"};
  auto a = GeneratePositions(cuboid, 2000, 7);
  ASSERT_TRUE(a.ok()) << a.status();
  double mean_x = 0;
  for (const auto& p : *a) {
    EXPECT_LT(std::fabs(p[0] - 100), 5.0);
    EXPECT_LT(std::fabs(p[1]), 10.0);
    EXPECT_LT(std::fabs(p[2]), 2.0);
    mean_x += p[0] / a->size();
  }
  // Uniform on a width of 10: sd of the mean = 10 / sqrt(12 * 2000) = 0.065.
  EXPECT_NEAR(mean_x, 100.0, 0.3);
  EXPECT_EQ(*a, *GeneratePositions(cuboid, 2000, 7));
  EXPECT_NE(*a, *GeneratePositions(cuboid, 2000, 8));
  // Cell i's position does not depend on the population size.
  EXPECT_EQ((*GeneratePositions(cuboid, 10, 7))[9], (*a)[9]);

  StructureSpec sphere{"RandomStructure", {{"radius", 3}}, "Sphere"};
  auto b = GeneratePositions(sphere, 4000, 7);
  ASSERT_TRUE(b.ok()) << b.status();
  int inner = 0;
  for (const auto& p : *b) {
    const double r = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
    EXPECT_LT(r, 3.0);
    inner += r < 3.0 * std::cbrt(0.5);
  }
  // Uniform density: half the points lie inside radius R / 2^(1/3).
  EXPECT_NEAR(inner / 4000.0, 0.5, 0.03);
}

TEST(RandomStructureTest, RejectsMissingOrUnknownBoundary) {
  auto s = GeneratePositions({"RandomStructure", {{"width", 1}}, "Cuboid"}, 3, 1);
  EXPECT_EQ(ErrorField(s.status()), "structure.params.height");
  s = GeneratePositions({"RandomStructure", {{"radius", 1}}, "Torus"}, 3, 1);
  EXPECT_EQ(ErrorField(s.status()), "structure.boundary");
  s = GeneratePositions({"RandomStructure", {{"radius", -1}}, "Sphere"}, 3, 1);
  EXPECT_EQ(ErrorField(s.status()), "structure.params.radius");
  s = GeneratePositions({"Line", {}, "Sphere"}, 3, 1);
  EXPECT_EQ(ErrorField(s.status()), "structure.boundary");
}

}  // namespace
}  // namespace spikeserve::engine
