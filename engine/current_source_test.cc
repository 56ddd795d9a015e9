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

// Four leak-free cells (tau_m 1e6 ms, cm 1 nF), one per source: the v
// increment over step k is i_k dt / cm, so the recorded current can be checked
// against what each source really applied.
TEST(CurrentSourceTest, RecordedCurrentIsWhatTheSourceApplies) {
  SimulationConfig config;
  config.seed = 11;
  auto sim = *Simulation::Create(config);
  PopulationSpec spec;
  spec.size = 4;
  spec.cell_type = "IF_curr_exp";
  spec.parameters = {{"tau_m", 1e6}, {"cm", 1.0}, {"v_rest", 0.0}, {"v_thresh", 1e9}};
  spec.initial_values = {{"v", 0.0}};
  const PopulationId cells = sim->AddPopulation(spec)->id;
  const std::vector<CurrentSourceSpec> specs = {
      {"DCSource", {{"amplitude", 0.5}, {"start", 2.0}, {"stop", 6.0}}},
      {"ACSource",
       {{"amplitude", 1.0},
        {"offset", 0.1},
        {"frequency", 100.0},
        {"phase", 90.0},
        {"start", 1.0},
        {"stop", 8.0}}},
      {"StepCurrentSource",
       {{"times", Sequence{{0.41, 0.42, 0.86}}}, {"amplitudes", Sequence{{0.5, -0.5, 0.5}}}}},
      {"NoisyCurrentSource",
       {{"mean", 0.2}, {"stdev", 0.5}, {"dt", 0.5}, {"start", 1.0}, {"stop", 9.0}}}};
  for (uint32_t c = 0; c < 4; ++c) {
    auto id = sim->AddCurrentSource(specs[c]);
    ASSERT_TRUE(id.ok()) << id.status();
    ASSERT_TRUE(sim->Inject(*id, Selector{cells, false, {c}}).ok());
    ASSERT_TRUE(sim->RecordCurrentSource(*id).ok());
  }
  ASSERT_TRUE(sim->RecordCurrentSource(0).ok());  // again: no change
  EXPECT_EQ(sim->RecordCurrentSource(4).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(sim->Record(Selector{cells}, {"v"}, 0).ok());
  ASSERT_TRUE(sim->Run(5.0).ok());
  ASSERT_TRUE(sim->Run(5.0).ok());  // recording continues across runs
  const Segment& seg = sim->segments().back();
  ASSERT_EQ(seg.current_sources.size(), 4u);
  const auto& v = seg.populations[0].signals[0];
  ASSERT_EQ(v.num_samples(), 101u);
  for (uint32_t c = 0; c < 4; ++c) {
    const CurrentSourceRecording& r = seg.current_sources[c];
    EXPECT_EQ(r.source, c);
    EXPECT_EQ(r.current.variable, "i");
    EXPECT_EQ(r.current.units, "nA");
    EXPECT_EQ(r.current.channels, std::vector<uint32_t>{0});
    EXPECT_DOUBLE_EQ(r.current.sampling_period_ms, 0.1);
    EXPECT_EQ(r.current.t_start_ms, 0.0);
    ASSERT_EQ(r.current.num_samples(), 101u);  // t = 0 included
    for (uint64_t k = 0; k < 100; ++k)
      EXPECT_NEAR((v.samples[(k + 1) * 4 + c] - v.samples[k * 4 + c]) / 0.1, r.current.samples[k],
                  1e-5)
          << c << " " << k;
  }
  const auto& dc = seg.current_sources[0].current.samples;
  EXPECT_EQ(dc[19], 0.0);
  EXPECT_EQ(dc[20], 0.5);
  EXPECT_EQ(dc[59], 0.5);
  EXPECT_EQ(dc[60], 0.0);
  const auto& ac = seg.current_sources[1].current.samples;
  for (uint64_t k : {10, 11, 37, 79})
    EXPECT_NEAR(ac[k], 0.1 + std::sin(2 * M_PI * 100.0 * (k * 0.1 - 1.0) / 1000 + M_PI / 2), 1e-12);
  EXPECT_EQ(ac[80], 0.0);
  const auto& step = seg.current_sources[2].current.samples;
  EXPECT_EQ(step[3], 0.0);
  EXPECT_EQ(step[4], -0.5);  // 0.41 and 0.42 round onto 0.4: the last wins
  EXPECT_EQ(step[9], 0.5);
  EXPECT_EQ(step[100], 0.5);
  const auto& noisy = seg.current_sources[3].current.samples;
  EXPECT_EQ(noisy[9], 0.0);
  EXPECT_NE(noisy[10], noisy[15]);
  EXPECT_EQ(noisy[10], noisy[14]);  // held for dt = 5 steps
  EXPECT_EQ(noisy[90], 0.0);

  // A change between runs shows from the boundary sample on.
  ASSERT_TRUE(sim->SetCurrentSourceParameters(0, {{"stop", 20.0}, {"amplitude", 0.25}}).ok());
  ASSERT_TRUE(sim->Run(1.0).ok());
  const auto& dc2 = sim->segments().back().current_sources[0].current.samples;
  ASSERT_EQ(dc2.size(), 111u);
  EXPECT_EQ(dc2[99], 0.0);
  EXPECT_EQ(dc2[100], 0.25);
  EXPECT_EQ(dc2[110], 0.25);

  // Clearing restarts at the current time; a reset opens a new segment from 0.
  ASSERT_TRUE(sim->ClearCurrentSourceRecording({0}).ok());
  EXPECT_EQ(sim->ClearCurrentSourceRecording({7}).code(), absl::StatusCode::kNotFound);
  const auto& cleared = sim->segments().back().current_sources[0].current;
  EXPECT_DOUBLE_EQ(cleared.t_start_ms, 11.0);
  EXPECT_EQ(cleared.num_samples(), 0u);
  ASSERT_TRUE(sim->Run(1.0).ok());
  EXPECT_EQ(sim->segments().back().current_sources[0].current.num_samples(), 11u);
  ASSERT_TRUE(sim->Reset({}).ok());
  ASSERT_TRUE(sim->Run(1.0).ok());
  ASSERT_EQ(sim->segments().size(), 2u);
  const auto& fresh = sim->segments().back().current_sources;
  ASSERT_EQ(fresh.size(), 4u);
  EXPECT_EQ(fresh[0].current.t_start_ms, 0.0);
  EXPECT_EQ(fresh[0].current.num_samples(), 11u);
  EXPECT_EQ(sim->segments()[0].current_sources[0].current.num_samples(), 11u);
}

TEST(CurrentSourceTest, ParametersAsApplied) {
  auto sim = *Simulation::Create(SimulationConfig{});
  auto step = sim->AddCurrentSource(
      {"StepCurrentSource",
       {{"times", Sequence{{0.41, 0.42, 0.86}}}, {"amplitudes", Sequence{{0.5, -0.5, 0.5}}}}});
  ASSERT_TRUE(step.ok());
  auto p = sim->CurrentSourceParameters(*step);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(std::get<Sequence>(p->at("times")).values, (std::vector<double>{0.4, 0.9}));
  EXPECT_EQ(std::get<Sequence>(p->at("amplitudes")).values, (std::vector<double>{-0.5, 0.5}));
  auto dc = sim->AddCurrentSource({"DCSource", {{"amplitude", 0.7}}});
  p = sim->CurrentSourceParameters(*dc);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(std::get<double>(p->at("amplitude")), 0.7);
  EXPECT_EQ(std::get<double>(p->at("start")), 0.0);
  EXPECT_EQ(std::get<double>(p->at("stop")), 1e12);
  EXPECT_EQ(sim->CurrentSourceParameters(9).status().code(), absl::StatusCode::kNotFound);
  // dt 0.01: the same times stay apart.
  SimulationConfig fine;
  fine.timestep_ms = 0.01;
  fine.min_delay_ms = 0.01;
  sim = *Simulation::Create(fine);
  step = sim->AddCurrentSource(
      {"StepCurrentSource",
       {{"times", Sequence{{0.41, 0.42, 0.86}}}, {"amplitudes", Sequence{{0.5, -0.5, 0.5}}}}});
  p = sim->CurrentSourceParameters(*step);
  EXPECT_EQ(std::get<Sequence>(p->at("times")).values, (std::vector<double>{0.41, 0.42, 0.86}));
}

}  // namespace
}  // namespace spikeserve::engine
