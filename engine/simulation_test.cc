#include "engine/simulation.h"

#include <malloc.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

#include "engine/cell_probe.h"
#include "engine/errors.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

std::unique_ptr<Simulation> NewSim(uint64_t seed = 5, int threads = 1) {
  SimulationConfig config;
  config.seed = seed;
  config.threads = threads;
  return *Simulation::Create(config);
}

ProjectionSpec Proj(PopulationId pre, PopulationId post, ConnectorSpec connector, double weight,
                    double delay) {
  ProjectionSpec p;
  p.pre.parts = {Selector{pre}};
  p.post.parts = {Selector{post}};
  p.connector = std::move(connector);
  p.synapse.parameters = {{"weight", weight}, {"delay", delay}};
  return p;
}

// Poisson drive into a randomly connected IF_cond_exp network.
std::vector<double> PoissonNetworkSpikes(uint64_t seed) {
  auto sim = NewSim(seed);
  const PopulationId in = Add(*sim, "SpikeSourcePoisson", 50, {{"rate", 50.0}});
  const PopulationId net = Add(*sim, "IF_cond_exp", 100);
  EXPECT_TRUE(sim->AddProjection(
                     Proj(in, net, {"FixedProbabilityConnector", {{"p_connect", 0.2}}}, 0.02, 1.0))
                  .ok());
  EXPECT_TRUE(sim->AddProjection(Proj(net, net, {"FixedProbabilityConnector", {{"p_connect", 0.1}}},
                                      0.005, 1.5))
                  .ok());
  EXPECT_TRUE(sim->Record(Selector{net}, {"spikes"}, 0).ok());
  EXPECT_TRUE(sim->Run(200.0).ok());
  std::vector<double> out;
  const auto& s = sim->segments().back().populations[0].spikes;
  for (size_t k = 0; k < s.index.size(); ++k) {
    out.push_back(s.index[k]);
    out.push_back(s.time_ms[k]);
  }
  return out;
}

TEST(SimulationTest, SameSeedSameSpikesDifferentSeedDifferent) {
  const auto a = PoissonNetworkSpikes(11), b = PoissonNetworkSpikes(11),
             c = PoissonNetworkSpikes(12);
  EXPECT_GT(a.size(), 100u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(SimulationTest, RecordingSampleCountsAndContinuation) {
  auto sim = NewSim();
  const PopulationId p = Add(*sim, "IF_cond_exp", 3, {{"i_offset", 1.0}});
  ASSERT_TRUE(sim->Initialize(Selector{p}, {{"v", -70.0}}).ok());
  ASSERT_TRUE(sim->Record(Selector{p}, {"v", "gsyn_exc", "spikes"}, 0).ok());
  auto r = sim->Run(50.0);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->requested_ms, 50.0);
  const SignalData* v = &sim->segments().back().populations[0].signals[0];
  EXPECT_EQ(v->variable, "v");
  EXPECT_EQ(v->units, "mV");
  EXPECT_EQ(v->num_samples(), 501u);
  EXPECT_EQ(v->samples[0], -70.0);  // first sample = initial value
  EXPECT_EQ(v->channels, (std::vector<uint32_t>{0, 1, 2}));
  ASSERT_TRUE(sim->Run(50.0).ok());
  v = &sim->segments().back().populations[0].signals[0];
  EXPECT_EQ(v->num_samples(), 1001u);
  EXPECT_DOUBLE_EQ(sim->segments().back().t_stop_ms, 100.0);
  EXPECT_FALSE(sim->segments().back().populations[0].spikes.time_ms.empty());
}

// 10 cells' v and spikes: 80 bytes a step plus 12 a spike, so a 64 kB
// limit is crossed after about 70 ms.
TEST(SimulationTest, RecordedBytesLimitStopsTheRunAndKeepsTheData) {
  SimulationConfig config;
  config.seed = 3;
  config.limits.max_recorded_bytes = 64'000;
  auto sim = *Simulation::Create(config);
  const PopulationId p = Add(*sim, "IF_curr_exp", 10, {{"i_offset", 2.0}});
  ASSERT_TRUE(sim->Record(Selector{p}, {"v", "spikes"}, 0).ok());
  const auto run = sim->Run(1000.0);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorField(run.status()), "max_recorded_bytes");
  EXPECT_EQ(ErrorReason(run.status()), "LIMIT_EXCEEDED");
  EXPECT_NE(run.status().message().find("the run stopped at t = "), std::string::npos);
  // Stopped at the first epoch past the limit (min_delay is one step here).
  const double t = sim->time_ms();
  const auto& recording = sim->segments().back().populations[0];
  const uint64_t rows = recording.signals[0].num_samples();
  const uint64_t spikes = recording.spikes.index.size();
  EXPECT_GT(spikes, 0u);
  EXPECT_EQ(rows, static_cast<uint64_t>(std::lround(t / 0.1)) + 1);
  EXPECT_GT(rows * 80 + spikes * 12, 64'000u);
  EXPECT_LE((rows - 1) * 80 + spikes * 12, 64'000u + 12 * 10);
  EXPECT_DOUBLE_EQ(sim->segments().back().t_stop_ms, t);
  // Refused before it starts until the data is cleared.
  EXPECT_EQ(sim->Run(10.0).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(sim->time_ms(), t);
  ASSERT_TRUE(sim->ClearRecording({p}).ok());
  ASSERT_TRUE(sim->Run(10.0).ok());
  EXPECT_EQ(sim->segments().back().populations[0].signals[0].num_samples(), 101u);
}

TEST(SimulationTest, ResetRerunGivesSameSpikesAndNewSegment) {
  auto sim = NewSim();
  const PopulationId src = Add(*sim, "SpikeSourceArray", 2);
  ASSERT_TRUE(sim->SetParameters(Selector{src},
                                 {{"spike_times", SequenceList{{{5, 10, 15, 20}, {7, 8, 9}}}}})
                  .ok());
  const PopulationId net = Add(*sim, "IF_curr_exp", 4, {{"v_thresh", -64.0}});
  ASSERT_TRUE(sim->AddProjection(Proj(src, net, {"AllToAllConnector"}, 1.0, 2.0)).ok());
  auto dc =
      sim->AddCurrentSource({"DCSource", {{"amplitude", 0.5}, {"start", 30.0}, {"stop", 40.0}}});
  ASSERT_TRUE(dc.ok());
  ASSERT_TRUE(sim->Inject(*dc, Selector{net, false, {1, 3}}).ok());
  ASSERT_TRUE(sim->Record(Selector{net}, {"spikes", "v"}, 1.0).ok());
  ASSERT_TRUE(sim->Run(60.0).ok());
  ASSERT_TRUE(sim->Reset({{"trial", "1"}}).ok());
  EXPECT_EQ(sim->time_ms(), 0.0);
  ASSERT_TRUE(sim->Run(60.0).ok());
  const auto& segs = sim->segments();
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_TRUE(segs[0].closed);
  EXPECT_EQ(segs[0].annotations.at("trial"), "1");
  EXPECT_DOUBLE_EQ(segs[0].t_stop_ms, 60.0);
  const auto& s0 = segs[0].populations[0].spikes;
  const auto& s1 = segs[1].populations[0].spikes;
  EXPECT_GT(s0.time_ms.size(), 4u);
  EXPECT_EQ(s0.time_ms, s1.time_ms);
  EXPECT_EQ(s0.index, s1.index);
  EXPECT_EQ(segs[0].populations[0].signals[0].samples, segs[1].populations[0].signals[0].samples);
  EXPECT_EQ(segs[1].populations[0].signals[0].num_samples(), 61u);
  // Electrode: cells 1 and 3 depolarise only from step 30 on (v changes at 30 + dt).
  const auto& v = segs[0].populations[0].signals[0];
  EXPECT_EQ(v.samples[30 * 4 + 1], v.samples[30 * 4 + 0]);
  EXPECT_GT(v.samples[31 * 4 + 1], v.samples[31 * 4 + 0]);
}

TEST(SimulationTest, FromListRoundTripAndCanonicalOrder) {
  auto sim = NewSim();
  const PopulationId a = Add(*sim, "IF_curr_exp", 3), b = Add(*sim, "IF_curr_exp", 2);
  ConnectorSpec conn{"FromListConnector"};
  conn.rows = {{2, 1, 0.25, 1.5}, {0, 1, -0.5, 0.3}, {0, 0, 0.125, 2.0}};
  auto p = sim->AddProjection(Proj(a, b, conn, 0, 1));
  ASSERT_TRUE(p.ok()) << p.status();
  auto t = sim->GetConnections(p->id, {"weight", "delay"});
  ASSERT_TRUE(t.ok());
  // Canonical order: by pre, then post, whatever the delays.
  EXPECT_EQ(t->pre, (std::vector<uint32_t>{0, 0, 2}));
  EXPECT_EQ(t->post, (std::vector<uint32_t>{0, 1, 1}));
  EXPECT_EQ(t->values["weight"], (std::vector<double>{0.125, -0.5, 0.25}));
  const auto& d = t->values["delay"];
  EXPECT_NEAR(d[0], 2.0, 1e-12);
  EXPECT_NEAR(d[1], 0.3, 1e-12);
  EXPECT_NEAR(d[2], 1.5, 1e-12);
  ASSERT_TRUE(sim->Run(5).ok());
  ASSERT_TRUE(sim->SetSynapseParameters(p->id, {{"weight", std::vector<double>{1, 2, 3}}}).ok());
  EXPECT_EQ(sim->GetConnections(p->id, {"weight"})->values["weight"],
            (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(sim->num_synapses(), 3u);
}

TEST(SimulationTest, GlobalIdsAndPositions) {
  auto sim = NewSim();
  Add(*sim, "IF_curr_exp", 10);
  PopulationSpec spec;
  spec.size = 6;
  spec.cell_type = "IF_cond_alpha";
  spec.structure = {"Grid2D", {{"aspect_ratio", 1.5}, {"dx", 2.0}}};
  auto info = sim->AddPopulation(spec);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->first_id, 11u);
  auto pos = sim->Positions(Selector{info->id, false, {1, 2}});
  ASSERT_TRUE(pos.ok());
  EXPECT_EQ((*pos)[0], (std::array<double, 3>{0, 1, 0}));  // nx = 3, ny = 2, y fastest
  EXPECT_EQ((*pos)[1], (std::array<double, 3>{2, 0, 0}));
}

// The heap in use: blocks handed out and not freed, mmapped ones included.
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

TEST(SimulationTest, ACellWithSharedParametersCostsItsStateAndRingBuffersOnly) {
  constexpr int64_t kCells = 1'000'000;
  const size_t before = HeapInUse();
  auto sim = NewSim();
  PopulationSpec spec;
  spec.size = kCells;
  spec.cell_type = "IF_curr_exp";
  spec.parameters = {{"tau_m", 15.0}, {"v_thresh", -52.0}};
  spec.initial_values = {{"v", RandomSpec{"uniform", {{"low", -70.0}, {"high", -55.0}}}}};
  const PopulationId cells = sim->AddPopulation(spec)->id;
  ASSERT_TRUE(sim->Run(1.0).ok());  // the constants are lowered at the start of a run
  const double per_cell = static_cast<double>(HeapInUse() - before) / kCells;
  // v, the two synaptic currents and the refractory count (8 + 16 + 4), a
  // firing mark and a recording flag (2), the drawn initial v (8) and two
  // receptors' ring buffers of two slots (16): 54 bytes. Parameters, shared
  // initial values, lowered constants and positions kept per cell were some
  // 200 more, and each parameter set to one value for all cost 8 more until
  // its per-cell values were freed again.
  EXPECT_LT(per_cell, 60.0);
  // One cell given its own value: that column alone is kept per cell.
  ASSERT_TRUE(sim->SetParameters(Selector{cells, false, {7}}, {{"tau_m", 20.0}}).ok());
  EXPECT_LT(static_cast<double>(HeapInUse() - before) / kCells, 60.0 + 8.0);
  auto tau_m = sim->GetParameter(Selector{cells, false, {6, 7, 8}}, "tau_m");
  ASSERT_TRUE(tau_m.ok());
  EXPECT_EQ(std::get<std::vector<double>>(*tau_m), (std::vector<double>{15.0, 20.0, 15.0}));
  // Positions are generated when asked for, and kept once some are set.
  ASSERT_TRUE(sim->SetPositions(Selector{cells, false, {0}}, {{1.0, 2.0, 3.0}}).ok());
  auto positions = sim->Positions(Selector{cells, false, {0, 5}});
  ASSERT_TRUE(positions.ok());
  EXPECT_EQ((*positions)[0], (std::array<double, 3>{1.0, 2.0, 3.0}));
  EXPECT_EQ((*positions)[1], (std::array<double, 3>{5.0, 0.0, 0.0}));  // Line: x = index
}

TEST(SimulationTest, StopsWhenAskedAndKeepsData) {
  auto sim = NewSim();
  const PopulationId p = Add(*sim, "IF_curr_exp", 1);
  ASSERT_TRUE(sim->Record(Selector{p}, {"v"}, 0).ok());
  RunControl control;
  control.report_every_ms = 10.0;
  int calls = 0;
  control.keep_going = [&](double t) { return ++calls < 3 && t < 1000; };
  auto r = sim->Run(100.0, control);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->stopped);
  EXPECT_NEAR(r->t_ms, 30.0, 1e-9);
  EXPECT_EQ(sim->segments().back().populations[0].signals[0].num_samples(), 301u);
}

// Live data (server/live_data.h) sends, at each epoch, the tail of every
// recording past what it sent before: that is only right if what a caller
// saw during a run is a prefix of what the run leaves.
TEST(SimulationTest, RecordingsOnlyGrowWhileARunGoesOn) {
  auto sim = NewSim();
  const PopulationId in = Add(*sim, "SpikeSourcePoisson", 20, {{"rate", 200.0}});
  const PopulationId net = Add(*sim, "IF_cond_exp", 30);
  ASSERT_TRUE(sim->AddProjection(
                     Proj(in, net, {"FixedProbabilityConnector", {{"p_connect", 0.5}}}, 0.02, 1.0))
                  .ok());
  ASSERT_TRUE(sim->Record(Selector{in}, {"spikes"}, 0).ok());
  ASSERT_TRUE(sim->Record(Selector{net}, {"spikes", "v"}, 0).ok());
  // What a caller sees of the open segment: v of `net`, spikes of both.
  using View = std::array<std::vector<double>, 5>;
  auto view = [&] {
    const Segment& segment = sim->segments().back();
    View v;
    v[0] = segment.populations[1].signals[0].samples;
    for (size_t p = 0; p < 2; ++p) {
      const SpikeData& spikes = segment.populations[p].spikes;
      v[1 + 2 * p].assign(spikes.index.begin(), spikes.index.end());
      v[2 + 2 * p] = spikes.time_ms;
    }
    return v;
  };
  std::vector<View> seen;
  RunControl control;
  control.report_every_ms = 1.0;
  control.keep_going = [&](double) {
    seen.push_back(view());
    return true;
  };
  for (int run = 0; run < 2; ++run) ASSERT_TRUE(sim->Run(50.0, control).ok());
  const View last = view();
  ASSERT_GT(seen.size(), 90u);
  EXPECT_GT(last[2].size(), 300u);  // input spikes: 20 x 200 Hz x 100 ms
  EXPECT_GT(last[4].size(), 10u);   // network spikes
  for (const View& earlier : seen) {
    for (size_t k = 0; k < last.size(); ++k) {
      ASSERT_LE(earlier[k].size(), last[k].size());
      ASSERT_TRUE(std::equal(earlier[k].begin(), earlier[k].end(), last[k].begin()));
    }
  }
}

void ExpectError(const absl::Status& s, absl::StatusCode code, const std::string& field,
                 const std::string& reason) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(ErrorField(s), field) << s;
  EXPECT_EQ(ErrorReason(s), reason) << s;
}

TEST(SimulationTest, BadInputs) {
  using C = absl::StatusCode;
  auto sim = NewSim();
  ExpectError(sim->AddPopulation({0, "IF_curr_exp"}).status(), C::kInvalidArgument, "size",
              "OUT_OF_RANGE");
  ExpectError(sim->AddPopulation({-3, "IF_curr_exp"}).status(), C::kInvalidArgument, "size",
              "OUT_OF_RANGE");
  auto s = sim->AddPopulation({2, "IF_foo"}).status();
  ExpectError(s, C::kInvalidArgument, "cell_type", "UNKNOWN_CELL_TYPE");
  EXPECT_NE(std::string(s.message()).find("IF_cond_exp"), std::string::npos);
  ExpectError(sim->AddPopulation({2, "IF_curr_exp", {{"tau_x", 1.0}}}).status(),
              C::kInvalidArgument, "parameters.tau_x", "UNKNOWN_PARAMETER");
  s = sim->AddPopulation({2, "IF_curr_exp", {{"tau_m", std::vector<double>{1, 2, 3}}}}).status();
  ExpectError(s, C::kInvalidArgument, "parameters.tau_m", "WRONG_LENGTH");
  EXPECT_NE(std::string(s.message()).find("expected 2 values, got 3"), std::string::npos);
  ExpectError(sim->AddPopulation({2, "IF_curr_exp", {{"cm", -1.0}}}).status(), C::kInvalidArgument,
              "parameters.cm", "OUT_OF_RANGE");
  ExpectError(sim->AddPopulation({2, "IF_curr_exp", {{"v_rest", NAN}}}).status(),
              C::kInvalidArgument, "parameters.v_rest", "NOT_FINITE");
  // Positive, non-negative and merely finite parameters, at their limits.
  s = sim->AddPopulation({2, "IF_curr_exp", {{"tau_m", std::vector<double>{10.0, 0.0}}}}).status();
  ExpectError(s, C::kInvalidArgument, "parameters.tau_m", "OUT_OF_RANGE");
  EXPECT_NE(std::string(s.message()).find("tau_m must be > 0, got 0"), std::string::npos) << s;
  s = sim->AddPopulation({2, "IF_curr_exp", {{"tau_refrac", -0.5}}}).status();
  ExpectError(s, C::kInvalidArgument, "parameters.tau_refrac", "OUT_OF_RANGE");
  EXPECT_NE(std::string(s.message()).find("tau_refrac must be >= 0"), std::string::npos) << s;
  EXPECT_TRUE(
      sim->AddPopulation({2, "IF_curr_exp", {{"tau_refrac", 0.0}, {"v_rest", -80.0}}}).ok());
  ExpectError(
      sim->AddPopulation({1, "SpikeSourceArray", {{"spike_times", Sequence{{3, 1}}}}}).status(),
      C::kInvalidArgument, "parameters.spike_times", "NOT_SORTED");
  ExpectError(
      sim->AddPopulation({1, "SpikeSourceArray", {{"spike_times", Sequence{{1, NAN}}}}}).status(),
      C::kInvalidArgument, "parameters.spike_times", "NOT_FINITE");
  s = sim->AddPopulation({1, "GIF_cond_exp", {{"tau_eta", Sequence{{10.0, 0.0}}}}}).status();
  ExpectError(s, C::kInvalidArgument, "parameters.tau_eta", "OUT_OF_RANGE");
  EXPECT_NE(std::string(s.message()).find("every value of tau_eta must be > 0, got 0"),
            std::string::npos)
      << s;
  const PopulationId cur = Add(*sim, "IF_curr_exp", 4);
  const PopulationId cond = Add(*sim, "IF_cond_exp", 4);
  const PopulationId src = Add(*sim, "SpikeSourcePoisson", 4);
  EXPECT_EQ(sim->num_neurons(), 14u);
  ExpectError(sim->SetParameters(Selector{9}, {}), C::kNotFound, "population",
              "UNKNOWN_POPULATION");
  s = sim->SetParameters(Selector{cur, false, {1, 4}}, {});
  ExpectError(s, C::kInvalidArgument, "indices[1]", "INDEX_OUT_OF_RANGE");
  EXPECT_NE(std::string(s.message()).find("size 4"), std::string::npos);
  ExpectError(sim->AddProjection(Proj(src, cur, {"AllToAllConnector"}, 1.0, 0.05)).status(),
              C::kInvalidArgument, "synapse.parameters.delay", "BELOW_TIME_STEP");
  ExpectError(sim->AddProjection(Proj(src, cur, {"AllToAllConnector"}, 1.0, 20.0)).status(),
              C::kInvalidArgument, "synapse.parameters.delay", "ABOVE_MAX_DELAY");
  ExpectError(sim->AddProjection(Proj(src, cond, {"AllToAllConnector"}, -0.1, 1.0)).status(),
              C::kInvalidArgument, "synapse.parameters.weight", "OUT_OF_RANGE");
  ExpectError(sim->AddProjection(Proj(cur, src, {"AllToAllConnector"}, 0.1, 1.0)).status(),
              C::kInvalidArgument, "receptor_type", "UNKNOWN_RECEPTOR_TYPE");
  ExpectError(sim->AddProjection(
                     Proj(src, cur, {"FixedProbabilityConnector", {{"p_connect", -0.1}}}, 0.1, 1.0))
                  .status(),
              C::kInvalidArgument, "connector.p_connect", "OUT_OF_RANGE");
  EXPECT_EQ(sim->num_synapses(), 0u);  // nothing half-built
  ExpectError(sim->Record(Selector{cur}, {"gsyn_exc"}, 0), C::kInvalidArgument, "variables[0]",
              "NOT_RECORDABLE");
  ExpectError(sim->Record(Selector{cur}, {"v"}, 0.25), C::kInvalidArgument, "sampling_interval_ms",
              "NOT_ON_TIME_GRID");
  ASSERT_TRUE(sim->Record(Selector{cur}, {"v"}, 0.5).ok());
  ExpectError(sim->Record(Selector{cur}, {"v"}, 1.0), C::kInvalidArgument, "sampling_interval_ms",
              "CONFLICT");
  auto dc = sim->AddCurrentSource({"DCSource", {}});
  ASSERT_TRUE(dc.ok());
  ExpectError(sim->Inject(*dc, Selector{src}), C::kInvalidArgument, "cells", "NOT_INJECTABLE");
  ExpectError(sim->Run(-1.0).status(), C::kInvalidArgument, "duration_ms", "OUT_OF_RANGE");
  ASSERT_TRUE(sim->Run(10.0).ok());
  ExpectError(sim->RunUntil(5.0).status(), C::kInvalidArgument, "t_ms", "OUT_OF_RANGE");
  SimulationConfig too_many_threads;
  too_many_threads.threads = too_many_threads.limits.max_threads + 1;
  ExpectError(Simulation::Create(too_many_threads).status(), C::kInvalidArgument, "threads",
              "OUT_OF_RANGE");

  SimulationConfig small;
  small.limits.max_neurons = 5;
  small.limits.max_synapses = 10;
  auto lim = *Simulation::Create(small);
  ExpectError(lim->AddPopulation({6, "IF_curr_exp"}).status(), C::kResourceExhausted, "size",
              "LIMIT_EXCEEDED");
  const PopulationId x = Add(*lim, "IF_curr_exp", 4);
  ExpectError(lim->AddProjection(Proj(x, x, {"AllToAllConnector"}, 0.1, 1.0)).status(),
              C::kResourceExhausted, "connector", "LIMIT_EXCEEDED");
  EXPECT_EQ(lim->num_synapses(), 0u);
}

TEST(SimulationTest, DelayErrorsNameTheFirstBadDelay) {
  using C = absl::StatusCode;
  SimulationConfig config;
  config.min_delay_ms = 0.5;
  config.max_delay_ms = 3.0;
  auto sim = *Simulation::Create(config);
  const PopulationId a = Add(*sim, "IF_curr_exp", 3);
  auto p = sim->AddProjection(Proj(a, a, {"AllToAllConnector"}, 0.1, 1.0));
  ASSERT_TRUE(p.ok()) << p.status();
  // Nine synapses; one bad delay among good ones, at each kind of fault.
  auto delays_with = [](size_t k, double bad) {
    std::vector<double> d(9, 1.0);
    d[k] = bad;
    return d;
  };
  absl::Status s = sim->SetSynapseParameters(p->id, {{"delay", delays_with(4, 0.05)}});
  ExpectError(s, C::kInvalidArgument, "parameters.delay", "BELOW_TIME_STEP");
  EXPECT_NE(std::string(s.message()).find("delay 4 is 0.05 ms"), std::string::npos) << s;
  s = sim->SetSynapseParameters(p->id, {{"delay", delays_with(7, 3.2)}});
  ExpectError(s, C::kInvalidArgument, "parameters.delay", "ABOVE_MAX_DELAY");
  EXPECT_NE(std::string(s.message()).find("delay 7 is 3.2 ms"), std::string::npos) << s;
  s = sim->SetSynapseParameters(p->id, {{"delay", delays_with(8, 0.3)}});
  ExpectError(s, C::kInvalidArgument, "parameters.delay", "OUT_OF_RANGE");
  EXPECT_NE(std::string(s.message()).find("delay 8 is 0.3 ms, below min_delay 0.5 ms"),
            std::string::npos)
      << s;
  // Nothing changed: every delay is still 1 ms.
  auto c = sim->GetConnections(p->id, {"delay"});
  ASSERT_TRUE(c.ok()) << c.status();
  for (double d : c->values.at("delay")) EXPECT_DOUBLE_EQ(d, 1.0);
}

TEST(SimulationTest, RunRoundsToTheGrid) {
  auto sim = NewSim();
  Add(*sim, "IF_curr_exp", 1);
  auto r = sim->Run(0.3);  // 2.9999999999999996 steps
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->steps, 3u);
  r = sim->Run(0.04);
  EXPECT_EQ(r->steps, 0u);
  EXPECT_NEAR(r->requested_ms, 0.3, 1e-12);
}

// Timing, not a correctness check: 1000 IF_cond_exp with FixedProbability 0.1
// and Poisson drive for 1 s of biological time.
TEST(SimulationTest, DISABLED_Benchmark1000CondExp) {
  auto sim = NewSim();
  const PopulationId in = Add(*sim, "SpikeSourcePoisson", 1000, {{"rate", 20.0}});
  const PopulationId net = Add(*sim, "IF_cond_exp", 1000, {{"tau_refrac", 2.0}});
  ASSERT_TRUE(sim->AddProjection(
                     Proj(in, net, {"FixedProbabilityConnector", {{"p_connect", 0.1}}}, 0.003, 1.0))
                  .ok());
  ASSERT_TRUE(sim->AddProjection(Proj(net, net, {"FixedProbabilityConnector", {{"p_connect", 0.1}}},
                                      0.001, 1.0))
                  .ok());
  ASSERT_TRUE(sim->Record(Selector{net}, {"spikes"}, 0).ok());
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(sim->Run(1000.0).ok());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  printf("1000 IF_cond_exp, %lu synapses, 1 s: %.3f s wall, %zu spikes\n",
         (unsigned long)sim->num_synapses(), s,
         sim->segments().back().populations[0].spikes.index.size());
}

TEST(SimulationTest, WeightsReadBackExactlyAndConnectionsKeepTheirPlace) {
  auto sim = NewSim();
  const PopulationId a = Add(*sim, "IF_curr_exp", 2), b = Add(*sim, "IF_curr_exp", 3);
  auto p = sim->AddProjection(Proj(a, b, {"AllToAllConnector"}, 0.05, 1.0));
  ASSERT_TRUE(p.ok()) << p.status();
  auto t = sim->GetConnections(p->id, {"weight"});
  EXPECT_EQ(t->values["weight"], std::vector<double>(6, 0.05));
  const std::vector<double> w = {0.0123, 0.05, 1e-7, 0.1 + 0.2, 3.0, -0.7};
  ASSERT_TRUE(sim->SetSynapseParameters(p->id, {{"weight", w}}).ok());
  EXPECT_EQ(sim->GetConnections(p->id, {"weight"})->values["weight"], w);
  // New delays regroup row 0 in storage; the canonical order stays.
  ASSERT_TRUE(
      sim->SetSynapseParameters(p->id, {{"delay", std::vector<double>{2.0, 1.0, 2.0, 1, 1, 1}}})
          .ok());
  t = sim->GetConnections(p->id, {"weight", "delay"});
  EXPECT_EQ(t->pre, (std::vector<uint32_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(t->post, (std::vector<uint32_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(t->values["weight"], w);
  EXPECT_EQ(t->values["delay"], (std::vector<double>{2, 1, 2, 1, 1, 1}));
  // PyNN's scenario: change connection 2's weight and delay; only entry 2
  // changes. Arrays set after the reorder are in canonical order too.
  auto before = *sim->GetConnections(p->id, {"weight", "delay"});
  auto weights = before.values["weight"];
  auto delays = before.values["delay"];
  weights[2] = 0.0123;
  delays[2] = 1.0;
  ASSERT_TRUE(sim->SetSynapseParameters(p->id, {{"weight", weights}, {"delay", delays}}).ok());
  auto after = *sim->GetConnections(p->id, {"weight", "delay"});
  EXPECT_EQ(after.pre, before.pre);
  EXPECT_EQ(after.post, before.post);
  EXPECT_EQ(after.values["weight"], weights);
  EXPECT_EQ(after.values["delay"], delays);
}

TEST(SimulationTest, MultapsesKeepTheirOrderAndRandomValuesFollowConnections) {
  auto sim = NewSim();
  const PopulationId a = Add(*sim, "IF_curr_exp", 2), b = Add(*sim, "IF_curr_exp", 2);
  ConnectorSpec conn{"FromListConnector"};
  // Three connections 0 -> 1, listed with weights 1, 2, 3.
  conn.rows = {
      {0, 1, 1.0, 3.0}, {1, 0, 9.0, 1.0}, {0, 1, 2.0, 2.0}, {0, 0, 5.0, 1.0}, {0, 1, 3.0, 1.0}};
  auto p = sim->AddProjection(Proj(a, b, conn, 0, 1));
  ASSERT_TRUE(p.ok()) << p.status();
  auto t = *sim->GetConnections(p->id, {"weight", "delay"});
  EXPECT_EQ(t.pre, (std::vector<uint32_t>{0, 0, 0, 0, 1}));
  EXPECT_EQ(t.post, (std::vector<uint32_t>{0, 1, 1, 1, 0}));
  EXPECT_EQ(t.values["weight"], (std::vector<double>{5, 1, 2, 3, 9}));
  EXPECT_EQ(t.values["delay"], (std::vector<double>{1, 3, 2, 1, 1}));
  // Reverse the multapses' delays: they keep their places.
  ASSERT_TRUE(
      sim->SetSynapseParameters(p->id, {{"delay", std::vector<double>{4, 1, 2, 3, 1}}}).ok());
  t = *sim->GetConnections(p->id, {"weight", "delay"});
  EXPECT_EQ(t.values["weight"], (std::vector<double>{5, 1, 2, 3, 9}));
  EXPECT_EQ(t.values["delay"], (std::vector<double>{4, 1, 2, 3, 1}));
  // A distribution draws by canonical position, not by storage index.
  const RandomSpec dist{"uniform", {{"low", 0.0}, {"high", 1.0}}};
  ASSERT_TRUE(sim->SetSynapseParameters(p->id, {{"weight", dist}}).ok());
  const auto drawn = sim->GetConnections(p->id, {"weight"})->values["weight"];
  ASSERT_TRUE(sim->SetSynapseParameters(p->id, {{"delay", 1.0}}).ok());
  ASSERT_TRUE(sim->SetSynapseParameters(p->id, {{"weight", dist}}).ok());
  EXPECT_EQ(sim->GetConnections(p->id, {"weight"})->values["weight"], drawn);
}

TEST(SimulationTest, SpikeSourceArrayRecordsExactTimes) {
  SimulationConfig config;
  config.timestep_ms = 0.05;
  config.seed = 3;
  auto sim = *Simulation::Create(config);
  const PopulationId a = Add(*sim, "SpikeSourceArray", 2,
                             {{"spike_times", SequenceList{{{0.075, 0.9, 1.01}, {0.06, 0.12}}}}});
  ASSERT_TRUE(sim->Record(Selector{a}, {"spikes"}, 0).ok());
  ASSERT_TRUE(sim->Run(1.0).ok());
  const auto& s = sim->segments().back().populations[0].spikes;
  // 0.06 is delivered at 0.05, 0.075 and 0.12 at 0.1; 1.01 rounds onto 1.0,
  // the end of the segment, and is recorded there.
  EXPECT_EQ(s.time_ms, (std::vector<double>{0.06, 0.075, 0.12, 0.9, 1.0}));
  EXPECT_EQ(s.index, (std::vector<uint32_t>{1, 0, 1, 0, 0}));
}

TEST(SimulationTest, AutoMinDelayIsTheSmallestDelayPresent) {
  SimulationConfig config;
  config.min_delay_ms = 0;
  config.seed = 3;
  auto sim = *Simulation::Create(config);
  EXPECT_DOUBLE_EQ(sim->min_delay_ms(), 0.1);  // no synapses: dt
  const PopulationId a = Add(*sim, "SpikeSourceArray", 1, {{"spike_times", Sequence{{1.0}}}});
  const PopulationId b = Add(*sim, "IF_curr_exp", 1);
  ASSERT_TRUE(sim->AddProjection(Proj(a, b, {"AllToAllConnector"}, 1.0, 1.5)).ok());
  EXPECT_DOUBLE_EQ(sim->min_delay_ms(), 1.5);
  ASSERT_TRUE(sim->AddProjection(Proj(a, b, {"AllToAllConnector"}, 1.0, 0.5)).ok());
  EXPECT_DOUBLE_EQ(sim->min_delay_ms(), 0.5);
  EXPECT_DOUBLE_EQ(sim->config().min_delay_ms, 0.5);
  EXPECT_DOUBLE_EQ(sim->max_delay_ms(), 10.0);
  // Below the old minimum is fine: the minimum follows.
  ASSERT_TRUE(sim->SetSynapseParameters(1, {{"delay", 0.2}}).ok());
  EXPECT_DOUBLE_EQ(sim->min_delay_ms(), 0.2);
  ASSERT_TRUE(sim->Record(Selector{b}, {"v"}, 0).ok());
  ASSERT_TRUE(sim->Run(5.0).ok());
  // The spike at 1.0 arrives at 1.2 and 2.5: v moves after both.
  const auto& v = sim->segments().back().populations[0].signals[0].samples;
  EXPECT_EQ(v[12], v[0]);
  EXPECT_GT(v[14], v[0]);
}

TEST(SimulationTest, AutoMaxDelayGrowsRingBuffersKeepingInputInFlight) {
  SimulationConfig config;
  config.max_delay_ms = 0;
  config.seed = 3;
  auto sim = *Simulation::Create(config);
  EXPECT_DOUBLE_EQ(sim->max_delay_ms(), 0.1);
  const PopulationId a = Add(*sim, "SpikeSourceArray", 1, {{"spike_times", Sequence{{0.5}}}});
  const PopulationId b = Add(*sim, "IF_curr_delta", 1, {{"tau_m", 1e9}});
  ASSERT_TRUE(sim->AddProjection(Proj(a, b, {"AllToAllConnector"}, 1.0, 3.0)).ok());
  EXPECT_DOUBLE_EQ(sim->max_delay_ms(), 3.0);
  ASSERT_TRUE(sim->Record(Selector{b}, {"v"}, 0).ok());
  ASSERT_TRUE(sim->Run(1.0).ok());  // the spike is in flight, due at 3.5
  ASSERT_TRUE(sim->AddProjection(Proj(a, b, {"AllToAllConnector"}, 2.0, 40.0)).ok());
  EXPECT_DOUBLE_EQ(sim->max_delay_ms(), 40.0);
  EXPECT_DOUBLE_EQ(sim->min_delay_ms(), 0.1);  // fixed min_delay is kept
  ASSERT_TRUE(sim->SetParameters(Selector{a}, {{"spike_times", Sequence{{2.0}}}}).ok());
  ASSERT_TRUE(sim->Run(45.0).ok());
  const auto& v = sim->segments().back().populations[0].signals[0].samples;
  const double rest = v[0];
  EXPECT_NEAR(v[36] - rest, 1.0, 1e-6);   // 0.5 + 3.0, buffered before the growth
  EXPECT_NEAR(v[51] - rest, 2.0, 1e-6);   // 2.0 + 3.0 and ...
  EXPECT_NEAR(v[421] - rest, 4.0, 1e-6);  // 2.0 + 40.0 (weight 2)
  // A fixed max_delay still rejects longer delays.
  auto fixed = NewSim();
  const PopulationId c = Add(*fixed, "IF_curr_exp", 1);
  EXPECT_EQ(fixed->AddProjection(Proj(c, c, {"AllToAllConnector"}, 1.0, 40.0)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SimulationTest, RingBuffersHoldOnlyTheLongestDelayThatReachesAPopulation) {
  SimulationConfig config;
  config.max_delay_ms = 10.0;  // allows 100 steps; the delays used need far fewer slots
  config.seed = 3;
  auto sim = *Simulation::Create(config);
  const PopulationId a = Add(*sim, "SpikeSourceArray", 1, {{"spike_times", Sequence{{0.5}}}});
  const PopulationId near = Add(*sim, "IF_curr_exp", 100);
  const PopulationId far = Add(*sim, "IF_curr_exp", 100);
  const uint64_t per_receptor_slot = 100 * sizeof(float);
  // Two populations, two receptors, two slots each.
  EXPECT_EQ(sim->memory_footprint().ring_buffers, 2 * 2 * 2 * per_receptor_slot);
  ASSERT_TRUE(sim->AddProjection(Proj(a, near, {"AllToAllConnector"}, 1.0, 0.2)).ok());
  ASSERT_TRUE(sim->AddProjection(Proj(a, far, {"AllToAllConnector"}, 1.0, 3.0)).ok());
  // Excitatory: 2 + 2 slots rounded to 4; 30 + 2 to 32. Inhibitory: nothing
  // arrives, 2 slots each.
  EXPECT_EQ(sim->memory_footprint().ring_buffers, (4 + 2 + 32 + 2) * per_receptor_slot);
  ASSERT_TRUE(sim->SetSynapseParameters(0, {{"delay", 9.0}}).ok());  // 92 slots -> 128
  EXPECT_EQ(sim->memory_footprint().ring_buffers, (128 + 2 + 32 + 2) * per_receptor_slot);
  // Inhibitory input into `far`, with delays shorter than its excitatory ones.
  ProjectionSpec inhibitory = Proj(a, far, {"AllToAllConnector"}, -1.0, 1.0);
  inhibitory.receptor_type = "inhibitory";
  ASSERT_TRUE(sim->AddProjection(inhibitory).ok());  // 10 + 2 slots -> 16
  EXPECT_EQ(sim->memory_footprint().ring_buffers, (128 + 2 + 32 + 16) * per_receptor_slot);
  EXPECT_DOUBLE_EQ(sim->max_delay_ms(), 10.0);
}

// Input in flight outlives a run: however a simulation is cut into runs, the
// same spikes come out, with delays spread over many steps (rows of many
// delay runs) and some runs shorter than min_delay.
TEST(SimulationTest, RunsSplitAnywhereGiveTheSameSpikesAsOneRun) {
  auto spikes = [](const std::vector<double>& runs) {
    SimulationConfig config;
    config.seed = 11;
    config.min_delay_ms = 0.3;
    auto sim = *Simulation::Create(config);
    const PopulationId in = Add(*sim, "SpikeSourcePoisson", 50, {{"rate", 80.0}});
    const PopulationId net = Add(*sim, "IF_cond_exp", 200);
    const RandomSpec delays{"uniform", {{"low", 0.3}, {"high", 4.0}}};
    ProjectionSpec drive =
        Proj(in, net, {"FixedProbabilityConnector", {{"p_connect", 0.3}}}, 0.02, 1.0);
    drive.synapse.parameters["delay"] = delays;
    ProjectionSpec recurrent =
        Proj(net, net, {"FixedProbabilityConnector", {{"p_connect", 0.1}}}, 0.01, 1.0);
    recurrent.synapse.parameters["delay"] = delays;
    EXPECT_TRUE(sim->AddProjection(drive).ok());
    EXPECT_TRUE(sim->AddProjection(recurrent).ok());
    EXPECT_TRUE(sim->Record(Selector{net}, {"spikes"}, 0).ok());
    for (double ms : runs) EXPECT_TRUE(sim->Run(ms).ok());
    const SpikeData& s = sim->segments().back().populations[0].spikes;
    return std::make_pair(s.index, s.time_ms);
  };
  const auto whole = spikes({300.0});
  EXPECT_GT(whole.first.size(), 100u);
  EXPECT_EQ(spikes({0.1, 37.3, 0.2, 62.4, 200.0}), whole);
}

// Without current sources, synapse dynamics, gap junctions or sampled
// signals, every cell advances all steps of a min_delay epoch in one go, a
// block of cells at a time (simulation.cc's StepsFusible). Sampling v of one
// cell makes the engine go step by step; the spikes, exact times of a
// SpikeSourceArray included, must not change, with one thread or two, epochs
// cut short by the runs' ends included.
TEST(SimulationTest, CellsAdvancingAWholeEpochAtOnceGiveTheSameSpikes) {
  auto spikes = [](bool sample_v, int threads) {
    SimulationConfig config;
    config.seed = 23;
    config.threads = threads;
    config.min_delay_ms = 0.3;  // 3 steps per epoch
    auto sim = *Simulation::Create(config);
    const PopulationId in = Add(*sim, "SpikeSourcePoisson", 100, {{"rate", 30.0}});
    const PopulationId net = Add(*sim, "IF_cond_exp", 20000);  // several blocks per thread
    ProjectionSpec drive =
        Proj(in, net, {"FixedProbabilityConnector", {{"p_connect", 0.1}}}, 0.02, 0.3);
    ProjectionSpec recurrent =
        Proj(net, net, {"FixedProbabilityConnector", {{"p_connect", 0.001}}}, 0.004, 1.0);
    recurrent.synapse.parameters["delay"] = RandomSpec{"uniform", {{"low", 0.3}, {"high", 2.0}}};
    EXPECT_TRUE(sim->AddProjection(drive).ok());
    EXPECT_TRUE(sim->AddProjection(recurrent).ok());
    const PopulationId times = Add(*sim, "SpikeSourceArray", 2,
                                   {{"spike_times", Sequence{{1.03, 1.07, 2.21, 40.0, 60.04}}}});
    EXPECT_TRUE(
        sim->AddProjection(
               Proj(times, net, {"FixedProbabilityConnector", {{"p_connect", 0.05}}}, 0.5, 0.4))
            .ok());
    EXPECT_TRUE(sim->Record(Selector{times}, {"spikes"}, 0).ok());
    // A group one thread updates whole, with input from both threads' cells.
    const PopulationId whole = Add(*sim, "Izhikevich", 500);
    ProjectionSpec to_whole =
        Proj(net, whole, {"FixedProbabilityConnector", {{"p_connect", 0.01}}}, 2.0, 1.0);
    to_whole.synapse.parameters["delay"] = RandomSpec{"uniform", {{"low", 0.3}, {"high", 0.6}}};
    EXPECT_TRUE(sim->AddProjection(to_whole).ok());
    EXPECT_TRUE(sim->Record(Selector{net}, {"spikes"}, 0).ok());
    EXPECT_TRUE(sim->Record(Selector{whole}, {"spikes"}, 0).ok());
    if (sample_v) EXPECT_TRUE(sim->Record(Selector{net, false, {0}}, {"v"}, 0).ok());
    for (double ms : {50.05, 49.95}) EXPECT_TRUE(sim->Run(ms).ok());
    std::vector<std::vector<uint32_t>> index;
    std::vector<std::vector<double>> time_ms;
    for (const PopulationRecording& p : sim->segments().back().populations) {
      index.push_back(p.spikes.index);
      time_ms.push_back(p.spikes.time_ms);
    }
    return std::make_pair(index, time_ms);
  };
  const auto stepwise = spikes(true, 1);
  ASSERT_EQ(stepwise.first.size(), 3u);  // net, times, whole: in population order
  EXPECT_GT(stepwise.first[0].size(), 1000u);
  EXPECT_EQ(stepwise.second[1],  // exact times, two cells each
            (std::vector<double>{1.03, 1.03, 1.07, 1.07, 2.21, 2.21, 40.0, 40.0, 60.04, 60.04}));
  EXPECT_GT(stepwise.first[2].size(), 100u);
  EXPECT_EQ(spikes(false, 1), stepwise);
  EXPECT_EQ(spikes(false, 2), stepwise);
}

// Threads share out the cells of big groups and the delivery of their input;
// the numbers must not depend on how many there are. Large enough for the
// engine to split (>= 8192 cells per thread), with static and
// Tsodyks-Markram synapses, a current source, a Poisson input and a
// non-splittable group, over several epochs and a reset.
// Every segment's recorded spikes (index, time) and signal samples, in
// order: equal vectors mean bitwise equal recordings.
std::vector<double> RecordedValues(const Simulation& sim) {
  std::vector<double> out;
  for (const Segment& segment : sim.segments())
    for (const PopulationRecording& r : segment.populations) {
      for (size_t k = 0; k < r.spikes.index.size(); ++k) {
        out.push_back(r.spikes.index[k]);
        out.push_back(r.spikes.time_ms[k]);
      }
      for (const SignalData& signal : r.signals)
        out.insert(out.end(), signal.samples.begin(), signal.samples.end());
    }
  return out;
}

TEST(SimulationTest, TwoThreadsGiveBitwiseTheSameResultsAsOne) {
  auto run = [](int threads) {
    auto sim = NewSim(17, threads);
    const PopulationId in = Add(*sim, "SpikeSourcePoisson", 200, {{"rate", 40.0}});
    const PopulationId exc = Add(*sim, "IF_cond_exp", 16000, {{"tau_m", 15.0}});
    const PopulationId inh = Add(*sim, "IF_curr_alpha", 4100);
    auto connect = [&](PopulationId pre, PopulationId post, double p, double w,
                       const std::string& synapse) {
      ProjectionSpec spec = Proj(pre, post, {"FixedProbabilityConnector", {{"p_connect", p}}}, w,
                                 synapse == "StaticSynapse" ? 0.3 : 1.0);
      spec.synapse.type = synapse;
      EXPECT_TRUE(sim->AddProjection(spec).ok());
    };
    connect(in, exc, 0.05, 0.02, "StaticSynapse");
    connect(in, inh, 0.05, 0.8, "StaticSynapse");
    connect(exc, exc, 0.002, 0.004, "StaticSynapse");
    connect(exc, inh, 0.002, 0.3, "TsodyksMarkramSynapse");
    // Post cells in two populations (an assembly), and one population
    // listed twice (its synapses interleave the two parts within a run).
    auto connect_parts = [&](std::vector<Selector> post, double p, double w) {
      ProjectionSpec spec =
          Proj(inh, exc, {"FixedProbabilityConnector", {{"p_connect", p}}}, w, 0.5);
      spec.post.parts = std::move(post);
      spec.receptor_type = "inhibitory";
      EXPECT_TRUE(sim->AddProjection(spec).ok());
    };
    std::vector<uint32_t> even, odd, middle, first_quarter;
    for (uint32_t i = 0; i < 4100; ++i) (i % 2 ? odd : even).push_back(i);
    for (uint32_t i = 4000; i < 12000; ++i) middle.push_back(i);     // across the members' cut
    for (uint32_t i = 0; i < 4000; ++i) first_quarter.push_back(i);  // member 0's cells only
    connect_parts({Selector{exc}, Selector{inh}}, 0.002, 0.01);
    connect_parts({Selector{exc, false, middle}, Selector{inh}}, 0.002, 0.01);
    connect_parts({Selector{exc, false, first_quarter}}, 0.004, 0.01);
    connect_parts({Selector{inh, false, odd}, Selector{inh, false, even}}, 0.01, 0.5);
    // A Poisson background per cell (OneToOne: delivered as the sources fire,
    // by the member that draws them).
    const PopulationId background = Add(*sim, "SpikeSourcePoisson", 16000, {{"rate", 800.0}});
    EXPECT_TRUE(sim->AddProjection(Proj(background, exc, {"OneToOneConnector"}, 0.003, 0.2)).ok());
    auto dc = sim->AddCurrentSource({"DCSource", {{"amplitude", 0.2}, {"start", 20.0}}});
    EXPECT_TRUE(dc.ok());
    EXPECT_TRUE(sim->Inject(*dc, Selector{inh, false, {0, 1, 4095, 4099}}).ok());
    EXPECT_TRUE(sim->Record(Selector{exc}, {"spikes"}, 0).ok());
    EXPECT_TRUE(sim->Record(Selector{inh}, {"spikes"}, 0).ok());
    EXPECT_TRUE(sim->Record(Selector{exc, false, {0, 8191, 8192, 15999}}, {"v"}, 0).ok());
    EXPECT_TRUE(sim->Run(60.0).ok());
    EXPECT_TRUE(sim->Reset({}).ok());
    // New delays regroup the exc -> exc rows, already grouped by member,
    // into runs of several delays; and the assembly's synapses get weights
    // of their own.
    EXPECT_TRUE(sim->SetSynapseParameters(
                       2, {{"delay", RandomSpec{"uniform", {{"low", 0.3}, {"high", 2.0}}}}})
                    .ok());
    EXPECT_TRUE(sim->SetSynapseParameters(
                       4, {{"weight", RandomSpec{"uniform", {{"low", 0.0}, {"high", 0.02}}}}})
                    .ok());
    EXPECT_TRUE(sim->Run(40.0).ok());
    std::vector<double> out = RecordedValues(*sim);
    // Connections read back in canonical order, however the threads stored them.
    for (ProjectionId id : {2, 4, 7}) {
      auto table = sim->GetConnections(id, {"weight", "delay"});
      EXPECT_TRUE(table.ok());
      out.insert(out.end(), table->pre.begin(), table->pre.end());
      out.insert(out.end(), table->post.begin(), table->post.end());
      for (const auto& [name, values] : table->values)
        out.insert(out.end(), values.begin(), values.end());
    }
    return out;
  };
  const std::vector<double> one = run(1);
  EXPECT_GT(one.size(), 20000u);  // thousands of spikes: the network is active
  EXPECT_EQ(run(2), one);
}

TEST(SimulationTest, WholePopulationsPerMemberGiveBitwiseTheSameResultsAsOne) {
  // Populations that balance whole (9000 + 4500 cells a member, each with
  // its Poisson background): each member updates and delivers to its own
  // populations, and walks only the rows into them.
  auto run = [](int threads) {
    auto sim = NewSim(23, threads);
    std::vector<PopulationId> pops;
    for (int n : {9000, 9000, 4500, 4500}) {
      const PopulationId pop = Add(*sim, "IF_curr_exp", n, {{"tau_syn_E", 0.5}});
      const PopulationId background = Add(*sim, "SpikeSourcePoisson", n, {{"rate", 20000.0}});
      EXPECT_TRUE(
          sim->AddProjection(Proj(background, pop, {"OneToOneConnector"}, 0.0878, 1.5)).ok());
      pops.push_back(pop);
    }
    for (PopulationId pre : pops)
      for (PopulationId post : pops) {
        ProjectionSpec spec =
            Proj(pre, post, {"FixedProbabilityConnector", {{"p_connect", 0.002}}}, 0.0, 1.0);
        const bool inhibitory = pre % 2 == 1;
        spec.receptor_type = inhibitory ? "inhibitory" : "excitatory";
        spec.synapse.parameters = {{"weight", inhibitory ? -0.35 : 0.0878},
                                   {"delay", RandomSpec{"uniform", {{"low", 0.1}, {"high", 3.0}}}}};
        EXPECT_TRUE(sim->AddProjection(spec).ok());
      }
    for (PopulationId pop : pops) {
      EXPECT_TRUE(sim->Record(Selector{pop}, {"spikes"}, 0).ok());
      EXPECT_TRUE(sim->Record(Selector{pop, false, {0, 4499}}, {"v"}, 0).ok());
    }
    EXPECT_TRUE(sim->Run(50.0).ok());
    return RecordedValues(*sim);
  };
  const std::vector<double> one = run(1);
  EXPECT_GT(one.size(), 20000u);
  EXPECT_EQ(run(2), one);
}

TEST(SimulationTest, WholePopulationsMoveBetweenMembersByTheirMeasuredLoad) {
  // Four equal populations with equally many incoming synapses: the estimate
  // gives a and c to one member, b and d to the other. But a and c take a
  // busy source's spikes and b and d a silent one's, so the measured load
  // puts a and c apart. Moving them changes no result.
  auto run = [](int threads, std::vector<int>* estimated, std::vector<int>* measured) {
    auto sim = NewSim(29, threads);
    std::vector<PopulationId> pops;
    for (int k = 0; k < 4; ++k) pops.push_back(Add(*sim, "IF_curr_exp", 5000));
    const PopulationId busy = Add(*sim, "SpikeSourcePoisson", 200, {{"rate", 500.0}});
    const PopulationId silent = Add(*sim, "SpikeSourcePoisson", 200, {{"rate", 0.0}});
    for (int k = 0; k < 4; ++k)
      EXPECT_TRUE(sim->AddProjection(Proj(k % 2 == 0 ? busy : silent, pops[k],
                                          {"AllToAllConnector"}, 0.01, 0.1))
                      .ok());
    for (PopulationId pop : pops) {
      EXPECT_TRUE(sim->Record(Selector{pop}, {"spikes"}, 0).ok());
      EXPECT_TRUE(sim->Record(Selector{pop, false, {0, 4999}}, {"v"}, 0).ok());
    }
    EXPECT_TRUE(sim->Run(0.1).ok());
    if (estimated) *estimated = sim->PopulationThreads();
    EXPECT_TRUE(sim->Run(60.0).ok());
    if (measured) *measured = sim->PopulationThreads();
    return RecordedValues(*sim);
  };
  std::vector<int> estimated, measured;
  const std::vector<double> two = run(2, &estimated, &measured);
  ASSERT_EQ(estimated.size(), 6u);
  EXPECT_EQ(estimated[0], estimated[2]);
  EXPECT_EQ(estimated[1], estimated[3]);
  ASSERT_EQ(measured.size(), 6u);
  EXPECT_NE(measured[0], measured[2]);
  const std::vector<double> one = run(1, nullptr, nullptr);
  EXPECT_GT(one.size(), 20000u);
  EXPECT_EQ(two, one);
}

TEST(SimulationTest, OneToOneInputAsItsSpikesFireEqualsInputAtTheEpochsEnd) {
  // The same Poisson drive into 64 cells, once through OneToOneConnector into
  // a population of 64 (delivered as the sources fire) and once through the
  // same pairs listed into a population of 65 (a projection that is not one
  // to one, delivered at the end of each min_delay epoch): equal traces.
  auto run = [](bool one_to_one) {
    SimulationConfig config;
    config.seed = 5;
    config.min_delay_ms = 0.5;  // delay 1 ms: several steps per epoch
    auto sim = *Simulation::Create(config);
    const PopulationId drive = Add(*sim, "SpikeSourcePoisson", 64, {{"rate", 3000.0}});
    const PopulationId cells = Add(*sim, "IF_curr_exp", one_to_one ? 64 : 65);
    ConnectorSpec connector{"OneToOneConnector"};
    if (!one_to_one) {
      connector = ConnectorSpec{"FromListConnector"};
      for (int i = 0; i < 64; ++i) connector.rows.push_back({double(i), double(i)});
    }
    EXPECT_TRUE(sim->AddProjection(Proj(drive, cells, connector, 0.4, 1.0)).ok());
    std::vector<uint32_t> first(64);
    for (uint32_t i = 0; i < 64; ++i) first[i] = i;
    EXPECT_TRUE(sim->Record(Selector{cells, false, first}, {"v"}, 0).ok());
    EXPECT_TRUE(sim->Run(50.0).ok());
    return sim->segments().back().populations[0].signals.at(0).samples;
  };
  const std::vector<double> direct = run(true);
  ASSERT_FALSE(direct.empty());
  EXPECT_EQ(direct, run(false));
  // The drive moved the cells (v_rest -65 mV, 0.4 nA kicks at 3 kHz).
  EXPECT_GT(*std::max_element(direct.begin(), direct.end()), -60.0);
}

TEST(SimulationTest, DistanceExpressionsGiveSynapseValuesInTheProjectionsSpace) {
  auto sim = NewSim();
  PopulationSpec line;  // 10 cells at x = 0, 10, ..., 90 µm
  line.size = 10;
  line.cell_type = "IF_curr_exp";
  line.structure = {"Line", {{"dx", 10.0}}};
  const PopulationId a = sim->AddPopulation(line)->id;
  ProjectionSpec spec = Proj(a, a, {"AllToAllConnector"}, 0.0, 1.0);
  spec.synapse.parameters["weight"] = DistanceExpression{"0.01 * d + 0.5"};
  spec.synapse.parameters["delay"] = DistanceExpression{"1 + d / 10"};
  spec.space.periodic_min = {0, 0, 0};
  spec.space.periodic_max = {100, 0, 0};  // a ring of 100 µm
  auto info = sim->AddProjection(spec);
  ASSERT_TRUE(info.ok()) << info.status();
  auto table = sim->GetConnections(info->id, {"weight", "delay"});
  ASSERT_TRUE(table.ok());
  for (size_t k = 0; k < table->pre.size(); ++k) {
    const double dx = std::fabs(10.0 * table->pre[k] - 10.0 * table->post[k]);
    const double d = std::min(dx, 100 - dx);
    EXPECT_NEAR(table->values["weight"][k], 0.01 * d + 0.5, 1e-12);
    EXPECT_NEAR(table->values["delay"][k], 1 + d / 10, 1e-9);
  }
  // Later values use the positions the cells have then.
  std::vector<std::array<double, 3>> moved(10, {0.0, 0.0, 0.0});
  ASSERT_TRUE(sim->SetPositions(Selector{a}, moved).ok());
  ASSERT_TRUE(sim->SetSynapseParameters(info->id, {{"weight", DistanceExpression{"1 + d"}}}).ok());
  auto after = sim->GetConnections(info->id, {"weight"});
  ASSERT_TRUE(after.ok());
  for (double w : after->values["weight"]) EXPECT_EQ(w, 1.0);
  // Bad expressions and bad positions name their field; nothing changes.
  auto bad = sim->SetSynapseParameters(info->id, {{"weight", DistanceExpression{"d.x"}}});
  EXPECT_EQ(ErrorField(bad), "parameters.weight");
  bad = sim->SetSynapseParameters(info->id, {{"weight", DistanceExpression{"1 / d"}}});
  EXPECT_EQ(ErrorReason(bad), "NOT_FINITE");
  EXPECT_EQ(ErrorField(sim->SetPositions(Selector{a}, {{0, 0, 0}})), "positions");
  spec.space.axes = "w";
  EXPECT_EQ(ErrorField(sim->AddProjection(spec).status()), "space.axes");
}

TEST(SimulationTest, CloneConnectorCopiesTheConnectedPairsOnce) {
  auto sim = NewSim();
  const PopulationId a = Add(*sim, "IF_curr_exp", 6), b = Add(*sim, "IF_curr_exp", 5);
  ConnectorSpec list{"FromListConnector"};
  list.rows = {{4, 1}, {0, 3}, {0, 3}, {2, 2}};  // one multapse
  const ProjectionId ref = sim->AddProjection(Proj(a, b, list, 0.5, 1.0))->id;
  ConnectorSpec clone{"CloneConnector"};
  clone.reference_projection = ref;
  auto info = sim->AddProjection(Proj(a, b, clone, 0.25, 2.0));
  ASSERT_TRUE(info.ok()) << info.status();
  auto table = sim->GetConnections(info->id, {"weight"});
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->pre, (std::vector<uint32_t>{0, 2, 4}));
  EXPECT_EQ(table->post, (std::vector<uint32_t>{3, 2, 1}));
  EXPECT_EQ(table->values["weight"], (std::vector<double>{0.25, 0.25, 0.25}));
  clone.reference_projection = 7;
  EXPECT_EQ(ErrorReason(sim->AddProjection(Proj(a, b, clone, 0.25, 2.0)).status()),
            "UNKNOWN_PROJECTION");
  clone.reference_projection = ref;
  auto mismatch = sim->AddProjection(Proj(b, a, clone, 0.25, 2.0));
  EXPECT_EQ(ErrorField(mismatch.status()), "connector.reference_projection_id");
  ConnectorSpec all{"AllToAllConnector"};
  all.reference_projection = 1;
  EXPECT_EQ(ErrorReason(sim->AddProjection(Proj(a, b, all, 0.25, 2.0)).status()), "CONFLICT");
}

}  // namespace
}  // namespace spikeserve::engine
