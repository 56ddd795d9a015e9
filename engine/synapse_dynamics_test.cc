// Synapse types against analytic expectations.
#include "engine/synapse_dynamics.h"

#include <cmath>
#include <cstdio>

#include "engine/cell_probe.h"
#include "engine/ring_buffer.h"
#include "engine/simulation.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

std::unique_ptr<Simulation> NewSim() {
  SimulationConfig config;
  config.seed = 9;
  return *Simulation::Create(config);
}

ProjectionId Connect(Simulation& sim, PopulationId pre, PopulationId post, SynapseSpec synapse) {
  ProjectionSpec p;
  p.pre.parts = {Selector{pre}};
  p.post.parts = {Selector{post}};
  p.connector = {"AllToAllConnector"};
  p.synapse = std::move(synapse);
  auto info = sim.AddProjection(p);
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? info->id : 0;
}

// NEST tsodyks_synapse's recursion, written out for a regular train: the PSC
// amplitudes (weight u x) of spikes at t0, t0 + interval, ...
std::vector<double> TsodyksAmplitudes(int n, double t0, double interval, double weight, double use,
                                      double tau_rec, double tau_facil, double tau_psc, double u0) {
  double x = 1, y = 0, u = u0, last = 0;
  std::vector<double> out;
  for (int k = 0; k < n; ++k) {
    const double t = t0 + k * interval, h = t - last;
    const double z = 1 - x - y;
    const double pzz = std::exp(-h / tau_rec), pyy = std::exp(-h / tau_psc);
    x += ((pzz - 1) * tau_rec - (pyy - 1) * tau_psc) / (tau_psc - tau_rec) * y + (1 - pzz) * z;
    y *= pyy;
    u = tau_facil > 0 ? u * std::exp(-h / tau_facil) : 0;
    u += use * (1 - u);
    out.push_back(weight * u * x);
    x -= u * x;
    y += out.back() / weight;
    last = t;
  }
  return out;
}

// An amplitude as a cell receives it: rounded to the ring buffers' float
// (ring_buffer.h).
double Delivered(double amplitude) { return static_cast<RingBuffer::Input>(amplitude); }

// PSC amplitudes seen by an IF_cond_exp cell (tau_syn_E 5 ms) from a regular
// train through a TsodyksMarkramSynapse (delay 1 ms, weight 0.01 uS).
std::vector<double> MeasuredAmplitudes(ParameterMap params, double u0, int n, double t0,
                                       double interval) {
  auto sim = NewSim();
  std::vector<double> times;
  for (int k = 0; k < n; ++k) times.push_back(t0 + k * interval);
  const PopulationId src = Add(*sim, "SpikeSourceArray", 1, {{"spike_times", Sequence{times}}});
  const PopulationId cell = Add(*sim, "IF_cond_exp", 1, {{"tau_syn_E", 5.0}});
  params["weight"] = 0.01;
  params["delay"] = 1.0;
  const ProjectionId p = Connect(*sim, src, cell, {"TsodyksMarkramSynapse", "", "", params});
  if (u0 != 0) {
    EXPECT_TRUE(sim->InitializeSynapses(p, {{"u", u0}}).ok());
  }
  EXPECT_TRUE(sim->Record(Selector{cell}, {"gsyn_exc"}, 0).ok());
  EXPECT_TRUE(sim->Run(t0 + n * interval + 2).ok());
  const auto& g = sim->segments().back().populations[0].signals[0].samples;
  const double decay = std::exp(-0.1 / 5.0);
  std::vector<double> out;
  for (double t : times) {
    const size_t j = static_cast<size_t>(std::lround((t + 1.0) / 0.1));  // arrival step
    out.push_back(g[j + 1] / decay - g[j]);
  }
  return out;
}

TEST(TsodyksMarkramTest, DepressionFollowsTheRecursionToItsSteadyState) {
  const auto measured =
      MeasuredAmplitudes({{"U", 0.5}, {"tau_rec", 100.0}, {"tau_facil", 0.0}}, 0, 20, 10, 20);
  const auto expected = TsodyksAmplitudes(20, 10, 20, 0.01, 0.5, 100, 0, 5, 0);
  ASSERT_EQ(measured.size(), expected.size());
  for (size_t k = 0; k < measured.size(); ++k)
    EXPECT_NEAR(measured[k], Delivered(expected[k]), 1e-12) << k;
  EXPECT_NEAR(measured[0], Delivered(0.01 * 0.5), 1e-12);
  EXPECT_LT(measured[5], 0.6 * measured[0]);      // depressed
  EXPECT_NEAR(measured[19], measured[18], 1e-6);  // steady state
}

TEST(TsodyksMarkramTest, FacilitationAndInitialU) {
  ParameterMap params{{"U", 0.1}, {"tau_rec", 10.0}, {"tau_facil", 200.0}};
  const auto measured = MeasuredAmplitudes(params, 0.3, 10, 5, 10);
  const auto expected = TsodyksAmplitudes(10, 5, 10, 0.01, 0.1, 10, 200, 5, 0.3);
  for (size_t k = 0; k < measured.size(); ++k)
    EXPECT_NEAR(measured[k], Delivered(expected[k]), 1e-12) << k;
  EXPECT_GT(measured[9], measured[1]);  // facilitated
}

TEST(TsodyksMarkramTest, RejectsBadParameters) {
  auto sim = NewSim();
  const PopulationId a = Add(*sim, "IF_curr_exp", 2);
  ProjectionSpec p;
  p.pre.parts = {Selector{a}};
  p.post.parts = {Selector{a}};
  p.connector = {"AllToAllConnector"};
  p.synapse = {"TsodyksMarkramSynapse", "", "", {{"U", 1.5}}};
  EXPECT_EQ(sim->AddProjection(p).status().code(), absl::StatusCode::kInvalidArgument);
  p.synapse = {"TsodyksMarkramSynapse", "", "", {{"U", std::vector<double>{0.1, 0.2, 1.3, 0.4}}}};
  EXPECT_EQ(sim->AddProjection(p).status().code(), absl::StatusCode::kInvalidArgument);
  p.synapse = {"StaticSynapse", "", "", {{"U", 0.5}}};
  EXPECT_EQ(sim->AddProjection(p).status().code(), absl::StatusCode::kInvalidArgument);
  p.synapse = {"STDPMechanism", "SpikePairRule", "NoSuchDependence", {}};
  EXPECT_EQ(sim->AddProjection(p).status().code(), absl::StatusCode::kInvalidArgument);
  // STDP parameters are per projection, and the error says so.
  p.synapse = {"STDPMechanism",
               "SpikePairRule",
               "AdditiveWeightDependence",
               {{"A_plus", std::vector<double>{0.1, 0.2, 0.3, 0.4}}}};
  auto s = sim->AddProjection(p).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("one value of A_plus per projection"), std::string::npos) << s;
  // FromList columns are checked against the projection's synapse type.
  p.connector = {"FromListConnector", {}, {"weight", "delay", "X"}, {{0, 1, 0.1, 1.0, 0.5}}};
  p.synapse = {"TsodyksMarkramSynapse", "", "", {}};
  s = sim->AddProjection(p).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("TsodyksMarkramSynapse has: weight, delay, U, tau_rec, tau_facil"),
            std::string::npos)
      << s;
  EXPECT_EQ(sim->num_synapses(), 0u);
}

// Three cells receive one train through synapses with their own U, tau_rec
// and tau_facil: each sees its own recursion, set by array, FromList column
// or distribution, and the values stay with their connections.
TEST(TsodyksMarkramTest, ParametersPerConnection) {
  auto sim = NewSim();
  std::vector<double> times;
  for (int k = 0; k < 6; ++k) times.push_back(5.0 + 10.0 * k);
  const PopulationId src = Add(*sim, "SpikeSourceArray", 1, {{"spike_times", Sequence{times}}});
  const PopulationId cells = Add(*sim, "IF_cond_exp", 3, {{"tau_syn_E", 5.0}});
  ProjectionSpec spec;
  spec.pre.parts = {Selector{src}};
  spec.post.parts = {Selector{cells}};
  spec.connector = {"FromListConnector",
                    {},
                    {"weight", "delay", "U"},
                    {{0, 2, 0.01, 1.0, 0.8}, {0, 0, 0.01, 1.0, 0.2}, {0, 1, 0.01, 1.0, 0.5}}};
  spec.synapse = {"TsodyksMarkramSynapse",
                  "",
                  "",
                  {{"tau_rec", std::vector<double>{50.0, 100.0, 200.0}}, {"tau_facil", 0.0}}};
  auto p = sim->AddProjection(spec);
  ASSERT_TRUE(p.ok()) << p.status();
  auto t = *sim->GetConnections(p->id, {"U", "tau_rec", "tau_facil"});
  EXPECT_EQ(t.values["U"], (std::vector<double>{0.2, 0.5, 0.8}));
  EXPECT_EQ(t.values["tau_rec"], (std::vector<double>{50.0, 100.0, 200.0}));
  EXPECT_EQ(t.values["tau_facil"], (std::vector<double>(3, 0.0)));
  // A delay change reorders storage; the values stay with their connections.
  ASSERT_TRUE(
      sim->SetSynapseParameters(p->id, {{"delay", std::vector<double>{2.0, 1.0, 1.0}}}).ok());
  ASSERT_TRUE(sim->SetSynapseParameters(p->id, {{"delay", 1.0}}).ok());
  t = *sim->GetConnections(p->id, {"U", "tau_rec"});
  EXPECT_EQ(t.values["U"], (std::vector<double>{0.2, 0.5, 0.8}));
  EXPECT_EQ(t.values["tau_rec"], (std::vector<double>{50.0, 100.0, 200.0}));
  ASSERT_TRUE(sim->Record(Selector{cells}, {"gsyn_exc"}, 0).ok());
  ASSERT_TRUE(sim->Run(70).ok());
  const auto& g = sim->segments().back().populations[0].signals[0].samples;
  const double decay = std::exp(-0.1 / 5.0);
  const double use[] = {0.2, 0.5, 0.8}, tau_rec[] = {50.0, 100.0, 200.0};
  for (int c = 0; c < 3; ++c) {
    const auto expected = TsodyksAmplitudes(6, 5, 10, 0.01, use[c], tau_rec[c], 0, 5, 0);
    for (size_t k = 0; k < times.size(); ++k) {
      const size_t j = static_cast<size_t>(std::lround((times[k] + 1.0) / 0.1));
      EXPECT_NEAR(g[(j + 1) * 3 + c] / decay - g[j * 3 + c], Delivered(expected[k]), 1e-12)
          << c << " " << k;
    }
  }
  // Distributions draw one value per connection.
  ASSERT_TRUE(sim->SetSynapseParameters(
                     p->id, {{"U", RandomSpec{"uniform", {{"low", 0.1}, {"high", 0.9}}}}})
                  .ok());
  const auto drawn = sim->GetConnections(p->id, {"U"})->values["U"];
  EXPECT_NE(drawn[0], drawn[1]);
  for (double u : drawn) EXPECT_TRUE(u >= 0.1 && u <= 0.9) << u;
  // A bad value anywhere changes nothing.
  EXPECT_FALSE(sim->SetSynapseParameters(p->id, {{"U", std::vector<double>{0.3, 0.3, 1.5}}}).ok());
  EXPECT_EQ(sim->GetConnections(p->id, {"U"})->values["U"], drawn);
}

// u (value and initial), x and y per synapse; U, tau_rec and tau_facil cost
// nothing per synapse while shared, 8 bytes each once they differ.
TEST(TsodyksMarkramTest, BytesPerSynapse) {
  const uint32_t n_pre = 100, n_post = 1000;
  std::vector<uint32_t> pre, post;
  for (uint32_t i = 0; i < n_pre; ++i)
    for (uint32_t j = 0; j < n_post; ++j) {
      pre.push_back(i);
      post.push_back(j);
    }
  std::vector<PostTarget> targets(n_post);
  for (uint32_t j = 0; j < n_post; ++j) targets[j] = {0, j};
  RingBuffer ring;
  Projection p(0, "p", 0, n_pre, pre, post, 10, std::move(targets), {&ring});
  auto dyn = MakeSynapseDynamics("TsodyksMarkramSynapse", "", "", p);
  ASSERT_TRUE(dyn.ok());
  const double n = static_cast<double>(p.size());
  const double shared = (p.MemoryBytes() + (*dyn)->MemoryBytes()) / n;
  std::vector<double> use(p.size());
  for (size_t k = 0; k < use.size(); ++k) use[k] = 0.001 * (k % 1000);
  (*dyn)->connection_parameter("U")->Assign(use);
  const double own_u = (p.MemoryBytes() + (*dyn)->MemoryBytes()) / n;
  std::printf("TsodyksMarkram: %.3f bytes/synapse, %.3f with per-connection U\n", shared, own_u);
  EXPECT_LE(shared, 12.5 + 32);
  EXPECT_LE(own_u, 12.5 + 40);
}

// One pre spike (pre1 at 10 ms, pre2 at 30 ms) and one post spike (a cell
// made to fire once near 13 ms) through STDP synapses with delay 1 ms.
struct StdpRun {
  double t_post = 0;
  std::vector<double> weights;  // per projection after the run
  std::vector<double> after_reset;
};

StdpRun RunPair(const std::vector<SynapseSpec>& synapses, const std::vector<bool>& late_pre) {
  auto sim = NewSim();
  const PopulationId pre1 = Add(*sim, "SpikeSourceArray", 1, {{"spike_times", Sequence{{10.0}}}});
  const PopulationId pre2 = Add(*sim, "SpikeSourceArray", 1, {{"spike_times", Sequence{{30.0}}}});
  const PopulationId drive = Add(*sim, "SpikeSourceArray", 1, {{"spike_times", Sequence{{12.0}}}});
  const PopulationId post = Add(*sim, "IF_curr_exp", 1, {{"tau_refrac", 200.0}});
  Connect(*sim, drive, post, {"StaticSynapse", "", "", {{"weight", 40.0}, {"delay", 0.1}}});
  std::vector<ProjectionId> ids;
  for (size_t k = 0; k < synapses.size(); ++k)
    ids.push_back(Connect(*sim, late_pre[k] ? pre2 : pre1, post, synapses[k]));
  EXPECT_TRUE(sim->Record(Selector{post}, {"spikes"}, 0).ok());
  EXPECT_TRUE(sim->Run(100).ok());
  StdpRun out;
  const auto& spikes = sim->segments().back().populations[0].spikes.time_ms;
  EXPECT_EQ(spikes.size(), 1u);
  out.t_post = spikes.empty() ? 0 : spikes[0];
  for (ProjectionId id : ids)
    out.weights.push_back(sim->GetConnections(id, {"weight"})->values["weight"][0]);
  EXPECT_TRUE(sim->Reset({}).ok());
  for (ProjectionId id : ids)
    out.after_reset.push_back(sim->GetConnections(id, {"weight"})->values["weight"][0]);
  return out;
}

SynapseSpec Stdp(const std::string& weight_dependence, double w, double fraction,
                 double a_plus = 0.01) {
  return {"STDPMechanism",
          "SpikePairRule",
          weight_dependence,
          {{"weight", w},
           {"delay", 1.0},
           {"dendritic_delay_fraction", fraction},
           {"A_plus", a_plus},
           {"A_minus", 0.02},
           {"tau_plus", 20.0},
           {"tau_minus", 10.0},
           {"w_max", 1.0}}};
}

TEST(StdpTest, SinglePairsMatchThePairRule) {
  const auto r = RunPair(
      {Stdp("AdditiveWeightDependence", 0.0, 1.0), Stdp("AdditiveWeightDependence", 0.0, 0.0),
       Stdp("MultiplicativeWeightDependence", 0.5, 1.0), Stdp("AdditiveWeightDependence", 0.5, 1.0),
       Stdp("MultiplicativeWeightDependence", 0.5, 0.0),
       Stdp("AdditiveWeightDependence", 0.9, 1.0, 5.0)},
      {false, false, false, true, true, false});
  ASSERT_GT(r.t_post, 12.0);
  ASSERT_LT(r.t_post, 20.0);
  // Dendritic delay (fraction 1): pre at 10 meets post at t_post + 1.
  const double dt_dend = r.t_post + 1.0 - 10.0;
  // Axonal delay (fraction 0): pre at 10 + 1 meets post at t_post.
  const double dt_axon = r.t_post - 11.0;
  EXPECT_NEAR(r.weights[0], 0.01 * 1.0 * std::exp(-dt_dend / 20.0), 1e-12);
  EXPECT_NEAR(r.weights[1], 0.01 * 1.0 * std::exp(-dt_axon / 20.0), 1e-12);
  EXPECT_NEAR(r.weights[2], 0.5 + 0.01 * (1.0 - 0.5) * std::exp(-dt_dend / 20.0), 1e-12);
  // Post before pre: pre2 at 30 against post at t_post + 1 (or 30 + 1 against t_post).
  EXPECT_NEAR(r.weights[3], 0.5 - 0.02 * 1.0 * std::exp(-(30.0 - r.t_post - 1.0) / 10.0), 1e-12);
  EXPECT_NEAR(r.weights[4], 0.5 - 0.02 * 0.5 * std::exp(-(31.0 - r.t_post) / 10.0), 1e-12);
  EXPECT_EQ(r.weights[5], 1.0);  // bounded by w_max
  EXPECT_EQ(r.after_reset, (std::vector<double>{0.0, 0.0, 0.5, 0.5, 0.5, 0.9}));
}

TEST(StdpTest, GutigAndVogelsRespectBounds) {
  SynapseSpec gutig = Stdp("GutigWeightDependence", 0.5, 1.0);
  gutig.parameters["mu_plus"] = 0.5;
  SynapseSpec vogels{"STDPMechanism",
                     "Vogels2011Rule",
                     "AdditiveWeightDependence",
                     {{"weight", 0.5}, {"delay", 1.0}, {"eta", 0.1}, {"rho", 3.0}, {"tau", 20.0}}};
  const auto r = RunPair({gutig, vogels}, {false, false});
  const double dt_dend = r.t_post + 1.0 - 10.0;
  EXPECT_NEAR(r.weights[0], 0.5 + 0.01 * std::sqrt(0.5) * std::exp(-dt_dend / 20.0), 1e-12);
  // Vogels: the pre spike (no earlier post) depresses by 2 rho tau eta, then
  // the post spike adds eta e^{-dt/tau}.
  EXPECT_NEAR(r.weights[1], 0.5 - 2 * 3.0 * 0.02 * 0.1 + 0.1 * std::exp(-dt_dend / 20.0), 1e-12);
}

TEST(StochasticSynapseTest, TransmitsAFractionPOfSpikes) {
  auto count = [](double p, uint64_t seed) {
    SimulationConfig config;
    config.seed = seed;
    auto sim = *Simulation::Create(config);
    std::vector<double> times;
    for (int k = 1; k <= 200; ++k) times.push_back(k * 1.0);
    const PopulationId src = Add(*sim, "SpikeSourceArray", 1, {{"spike_times", Sequence{times}}});
    const PopulationId cells =
        Add(*sim, "IF_curr_delta", 50, {{"tau_m", 1e12}, {"v_thresh", 1e9}, {"v_rest", 0.0}});
    Connect(*sim, src, cells,
            {"SimpleStochasticSynapse", "", "", {{"weight", 1.0}, {"delay", 1.0}, {"p", p}}});
    EXPECT_TRUE(sim->Record(Selector{cells}, {"v"}, 0).ok());
    EXPECT_TRUE(sim->Run(202).ok());
    const auto& s = sim->segments().back().populations[0].signals[0];
    double total = 0;
    for (uint32_t c = 0; c < 50; ++c)
      total += s.samples[(s.num_samples() - 1) * 50 + c] - s.samples[c];
    return std::lround(total);
  };
  const long n = count(0.3, 1);
  // 10000 trials: mean 3000, sd 45.8; 5 sd.
  EXPECT_NEAR(n, 3000, 230);
  EXPECT_EQ(count(0.3, 1), n);
  EXPECT_NE(count(0.3, 2), n);
  EXPECT_EQ(count(1.0, 1), 10000);
  EXPECT_EQ(count(0.0, 1), 0);
}

// Total PSC (in units of the weight) that 50 leak-free IF_curr_delta cells
// receive from `spikes` regular spikes (every `interval` ms) through
// `synapse`, with the synaptic state `initial`.
double TotalReleased(const SynapseSpec& synapse, double interval, uint64_t seed,
                     const ParameterMap& initial = {}, int spikes = 200) {
  SimulationConfig config;
  config.seed = seed;
  auto sim = *Simulation::Create(config);
  std::vector<double> times;
  for (int k = 1; k <= spikes; ++k) times.push_back(k * interval);
  const PopulationId src = Add(*sim, "SpikeSourceArray", 1, {{"spike_times", Sequence{times}}});
  const PopulationId cells =
      Add(*sim, "IF_curr_delta", 50, {{"tau_m", 1e12}, {"v_thresh", 1e9}, {"v_rest", 0.0}});
  const ProjectionId p = Connect(*sim, src, cells, synapse);
  if (!initial.empty()) {
    auto s = sim->InitializeSynapses(p, initial);
    EXPECT_TRUE(s.ok()) << s;
  }
  EXPECT_TRUE(sim->Record(Selector{cells}, {"v"}, 0).ok());
  EXPECT_TRUE(sim->Run(spikes * interval + 2).ok());
  const auto& s = sim->segments().back().populations[0].signals[0];
  double total = 0;
  for (uint32_t c = 0; c < 50; ++c)
    total += s.samples[(s.num_samples() - 1) * 50 + c] - s.samples[c];
  return total;
}

// Expected release per synapse over the train: a site available with
// probability a releases with probability U (no facilitation), then
// a' = a (1 - U) + (1 - a (1 - U)) (1 - e^{-T/tau_rec}), a = 1 at first.
double ExpectedReleased(double use, double tau_rec, double interval) {
  const double recover = 1 - std::exp(-interval / tau_rec);
  double a = 1, total = 0;
  for (int k = 0; k < 200; ++k) {
    total += use * a;
    a = a * (1 - use) + (1 - a * (1 - use)) * recover;
  }
  return total;
}

TEST(QuantalReleaseTest, MeanReleaseFollowsTheDepressionRecursion) {
  const double expected = 50 * ExpectedReleased(0.5, 20.0, 10.0);  // ~2830
  // One site: at most 200 Bernoulli draws per cell, sd <= sqrt(50 * 50) = 50.
  SynapseSpec one{"StochasticTsodyksMarkramSynapse",
                  "",
                  "",
                  {{"weight", 1.0}, {"delay", 1.0}, {"U", 0.5}, {"tau_rec", 20.0}}};
  const double single = TotalReleased(one, 10.0, 1);
  EXPECT_NEAR(single, expected, 250);
  EXPECT_EQ(TotalReleased(one, 10.0, 1), single);
  EXPECT_NE(TotalReleased(one, 10.0, 2), single);
  // Five independent sites of weight 1/5 each: same mean, less spread.
  SynapseSpec five{"MultiQuantalSynapse",
                   "",
                   "",
                   {{"weight", 1.0}, {"delay", 1.0}, {"U", 0.5}, {"n", 5.0}, {"tau_rec", 20.0}}};
  EXPECT_NEAR(TotalReleased(five, 10.0, 1), expected, 120);
  // Without recovery each synapse releases its n sites once: the weight.
  five.parameters["tau_rec"] = 1e9;
  EXPECT_NEAR(TotalReleased(five, 10.0, 3), 50.0, 1e-4);  // releases come in 0.2s
  // Fast recovery: every spike finds every site, the mean is U per spike.
  five.parameters["tau_rec"] = 1e-3;
  EXPECT_NEAR(TotalReleased(five, 10.0, 4), 50 * 200 * 0.5, 5 * std::sqrt(10000 * 0.25 / 5));
}

TEST(QuantalReleaseTest, InitialAvailableSitesAndReleaseProbability) {
  SynapseSpec five{"MultiQuantalSynapse",
                   "",
                   "",
                   {{"weight", 1.0}, {"delay", 1.0}, {"U", 1.0}, {"n", 5.0}, {"tau_rec", 1e9}}};
  // U = 1 and no recovery: the first spike releases exactly the a available
  // sites (a/5 of the weight), later spikes nothing.
  EXPECT_NEAR(TotalReleased(five, 10.0, 1, {{"a", 2.0}}), 50 * 2.0 / 5, 1e-4);
  EXPECT_NEAR(TotalReleased(five, 10.0, 1, {{"a", 0.0}}), 0.0, 1e-4);
  EXPECT_NEAR(TotalReleased(five, 10.0, 1), 50.0, 1e-4);
  // Facilitation from an initial u (NEST counts the first interval from 0):
  // one spike at 10 ms releases a fraction U + u0 (1 - U) e^{-10/tau_facil}
  // of 10000 sites; sd of the 50-cell total ~0.02.
  SynapseSpec many{"MultiQuantalSynapse",
                   "",
                   "",
                   {{"weight", 1.0},
                    {"delay", 1.0},
                    {"U", 0.04},
                    {"n", 10000.0},
                    {"tau_rec", 1e9},
                    {"tau_facil", 200.0}}};
  const double u1 = 0.04 + 0.04 * 0.96 * std::exp(-10.0 / 200.0);
  EXPECT_NEAR(TotalReleased(many, 10.0, 2, {{"u", 0.04}, {"a", 10000.0}}, 1), 50 * u1, 0.1);
  EXPECT_NEAR(TotalReleased(many, 10.0, 2, {}, 1), 50 * 0.04, 0.1);
}

TEST(QuantalReleaseTest, RejectsBadInitialValues) {
  auto sim = NewSim();
  const PopulationId a = Add(*sim, "IF_curr_exp", 2);
  const ProjectionId p = Connect(
      *sim, a, a, {"MultiQuantalSynapse", "", "", {{"n", std::vector<double>{1, 2, 3, 4}}}});
  for (const ParameterMap& bad : std::vector<ParameterMap>{
           {{"a", 2.0}}, {{"a", -1.0}}, {{"a", 0.5}}, {{"u", 1.5}}, {{"q", 1.0}}}) {
    const absl::Status s = sim->InitializeSynapses(p, bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad.begin()->first;
    EXPECT_NE(s.message().find(bad.begin()->first), std::string::npos) << s;
  }
  // Per connection, within each synapse's n; a failed call changes nothing.
  EXPECT_TRUE(sim->InitializeSynapses(p, {{"a", std::vector<double>{1, 2, 0, 4}}}).ok());
  const ProjectionId tm = Connect(*sim, a, a, {"TsodyksMarkramSynapse", "", "", {}});
  EXPECT_EQ(sim->InitializeSynapses(tm, {{"u", -0.1}}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(QuantalReleaseTest, RejectsBadSiteCounts) {
  auto sim = NewSim();
  const PopulationId a = Add(*sim, "IF_curr_exp", 2);
  ProjectionSpec p;
  p.pre.parts = {Selector{a}};
  p.post.parts = {Selector{a}};
  p.connector = {"AllToAllConnector"};
  for (double n : {0.0, 2.5, 1e5}) {
    p.synapse = {"MultiQuantalSynapse", "", "", {{"n", n}}};
    EXPECT_EQ(sim->AddProjection(p).status().code(), absl::StatusCode::kInvalidArgument) << n;
  }
  p.synapse = {"MultiQuantalSynapse", "", "", {{"n", std::vector<double>{1, 2, 3, 4}}}};
  auto ok = sim->AddProjection(p);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(sim->GetConnections(ok->id, {"n"})->values["n"], (std::vector<double>{1, 2, 3, 4}));
  p.synapse = {"StochasticTsodyksMarkramSynapse", "", "", {{"n", 2.0}}};
  EXPECT_EQ(sim->AddProjection(p).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace spikeserve::engine
