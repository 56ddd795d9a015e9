#include "engine/current_source.h"

#include <cmath>

#include "engine/catalogue.h"
#include "engine/simulation.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

const CurrentSourceInfo& Info(const std::string& name) {
  for (const auto& c : CurrentSources())
    if (c.name == name) return c;
  ADD_FAILURE() << name;
  return CurrentSources()[0];
}

TEST(CurrentSourceTest, AcSourceSamplesTheSinusoidFromStart) {
  const TimeGrid grid(0.1);
  CurrentSource s(Info("ACSource"));
  s.parameters() = {{"amplitude", 0.5}, {"offset", 0.1}, {"frequency", 40.0},
                    {"phase", 30.0},    {"start", 10.0}, {"stop", 60.0}};
  ASSERT_TRUE(s.Check(grid).ok());
  s.Prepare(grid, 1, 0, 0);
  EXPECT_EQ(s.AmplitudeAt(99), 0.0);
  EXPECT_EQ(s.AmplitudeAt(600), 0.0);
  for (uint64_t k : {100, 101, 137, 599}) {
    const double t = k * 0.1;
    EXPECT_NEAR(s.AmplitudeAt(k),
                0.1 + 0.5 * std::sin(2 * M_PI * 40.0 * (t - 10.0) / 1000 + M_PI / 6), 1e-12)
        << k;
  }
}

TEST(CurrentSourceTest, StepSourceRoundsTimesAndHoldsTheLastAmplitude) {
  const TimeGrid grid(0.1);
  CurrentSource s(Info("StepCurrentSource"));
  s.sequences()["times"] = {1.04, 2.0, 2.01, 5.0};  // 2.0 and 2.01 both round to step 20
  s.sequences()["amplitudes"] = {0.3, 0.7, -0.2, 0.9};
  ASSERT_TRUE(s.Check(grid).ok());
  s.Prepare(grid, 1, 0, 0);
  EXPECT_EQ(s.AmplitudeAt(9), 0.0);
  EXPECT_EQ(s.AmplitudeAt(10), 0.3);
  EXPECT_EQ(s.AmplitudeAt(19), 0.3);
  EXPECT_EQ(s.AmplitudeAt(20), -0.2);
  EXPECT_EQ(s.AmplitudeAt(49), -0.2);
  EXPECT_EQ(s.AmplitudeAt(50), 0.9);
  EXPECT_EQ(s.AmplitudeAt(1000000), 0.9);
}

TEST(CurrentSourceTest, StepSourceRejectsBadTimes) {
  auto sim = *Simulation::Create(SimulationConfig{});
  for (const auto& times :
       {std::vector<double>{2.0, 1.0}, std::vector<double>{-1.0}, std::vector<double>{1.0, 1.0}}) {
    auto id =
        sim->AddCurrentSource({"StepCurrentSource",
                               {{"times", Sequence{times}},
                                {"amplitudes", Sequence{std::vector<double>(times.size(), 1)}}}});
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  }
  auto id = sim->AddCurrentSource({"StepCurrentSource", {{"times", Sequence{{1.0}}}}});
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);  // lengths differ
}

TEST(CurrentSourceTest, NoisySourceMeanStdevAndInterval) {
  const TimeGrid grid(0.1);
  CurrentSource s(Info("NoisyCurrentSource"));
  s.parameters() = {{"mean", 0.2}, {"stdev", 0.5}, {"dt", 0.3}, {"start", 0.0}, {"stop", 1e12}};
  ASSERT_TRUE(s.Check(grid).ok());
  s.Prepare(grid, 5, 2, 0);
  double sum = 0, sq = 0;
  const int n = 30000;
  for (int k = 0; k < n; ++k) {
    const double a = s.AmplitudeAt(3 * k);
    EXPECT_EQ(s.AmplitudeAt(3 * k + 2), a);  // held for dt
    sum += a;
    sq += a * a;
  }
  const double mean = sum / n, sd = std::sqrt(sq / n - mean * mean);
  EXPECT_NEAR(mean, 0.2, 5 * 0.5 / std::sqrt(n));
  EXPECT_NEAR(sd, 0.5, 5 * 0.5 / std::sqrt(2.0 * n));
  s.parameters()["dt"] = 0.25;
  EXPECT_EQ(s.Check(grid).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CurrentSourceTest, ParametersChangeBetweenRuns) {
  auto sim = *Simulation::Create(SimulationConfig{});
  PopulationSpec spec;
  spec.size = 1;
  spec.cell_type = "IF_curr_exp";
  spec.parameters["v_thresh"] = 1000.0;
  const PopulationId p = sim->AddPopulation(spec)->id;
  auto id = sim->AddCurrentSource({"ACSource", {{"amplitude", 0.0}, {"offset", 0.0}}});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(sim->Inject(*id, Selector{p}).ok());
  ASSERT_TRUE(sim->Record(Selector{p}, {"v"}, 0).ok());
  ASSERT_TRUE(sim->Run(10.0).ok());
  ASSERT_TRUE(sim->SetCurrentSourceParameters(*id, {{"offset", 1.0}}).ok());
  ASSERT_TRUE(sim->Run(10.0).ok());
  const auto& v = sim->segments().back().populations[0].signals[0].samples;
  EXPECT_EQ(v[100], -65.0);
  EXPECT_GT(v[200], -64.0);
}

}  // namespace
}  // namespace spikeserve::engine
