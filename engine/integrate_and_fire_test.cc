// The newer integrate-and-fire models against independent references.
#include <cmath>
#include <memory>
#include <vector>

#include "engine/cell_probe.h"
#include "engine/simulation.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

constexpr double kDt = 0.1;

using Probe = CellProbe;

// `n` cells of `type`; a non-zero weight sends one input spike arriving at t0 = 2.0 ms.
Probe Make(const std::string& type, const ParameterMap& params, const ParameterMap& init,
           double weight, const std::vector<std::string>& vars, int n = 1) {
  return MakeCellProbe({type, params, init, weight, vars, n, kDt, /*seed=*/11});
}

const PopulationRecording& Rec(const Probe& p) { return p.sim->segments().back().populations[0]; }

TEST(IfCurrDeltaTest, ExactJumpAndExponentialRelaxation) {
  const double tau_m = 10.0, cm = 0.5, i = 0.2, w = 2.0, v_rest = -65.0, t0 = 2.0;
  Probe p = Make("IF_curr_delta",
                 {{"tau_m", tau_m}, {"cm", cm}, {"i_offset", i}, {"v_thresh", 0.0}}, {}, w, {"v"});
  ASSERT_TRUE(p.sim->Run(30.0).ok());
  const auto& v = Rec(p).signals[0].samples;
  for (int k : {0, 5, 20, 21, 22, 40, 150, 300}) {
    const double t = k * kDt;
    // The jump arrives at t0 and relaxes with the membrane from there on.
    const double jump = t > t0 + 1e-9 ? w * std::exp(-(t - t0) / tau_m) : 0.0;
    EXPECT_NEAR(v[k], v_rest + i * tau_m / cm * (1 - std::exp(-t / tau_m)) + jump, 1e-9) << t;
  }
}

TEST(IfCurrDeltaTest, InputDuringRefractorinessIsDropped) {
  // Fires at once (v starts above threshold), refractory for 5 ms over t0.
  Probe p = Make("IF_curr_delta", {{"tau_refrac", 5.0}, {"v_thresh", -60.0}}, {{"v", -55.0}}, 3.0,
                 {"v", "spikes"});
  ASSERT_TRUE(p.sim->Run(10.0).ok());
  EXPECT_EQ(Rec(p).spikes.time_ms.size(), 1u);
  EXPECT_DOUBLE_EQ(Rec(p).signals[0].samples.back(), -65.0);
}

// gsfa_grr below threshold, with g_s and g_r started non-zero so they shape v:
// RK4 at 1e-4 ms on the ODE, conductances in closed form.
TEST(IfCondExpGsfaGrrTest, SubthresholdMatchesRk4Reference) {
  const double cm = 0.5, tau_m = 15.0, v_rest = -65.0, i = 0.4, tau_e = 2.0, w = 0.02, t0 = 2.0;
  const double g_s0 = 30.0, g_r0 = 200.0, tau_sfa = 50.0, tau_rr = 3.0, e_sfa = -75.0, e_rr = -80.0;
  Probe p = Make("IF_cond_exp_gsfa_grr",
                 {{"cm", cm},
                  {"tau_m", tau_m},
                  {"i_offset", i},
                  {"tau_syn_E", tau_e},
                  {"tau_sfa", tau_sfa},
                  {"tau_rr", tau_rr},
                  {"e_rev_sfa", e_sfa},
                  {"e_rev_rr", e_rr},
                  {"v_thresh", 1000.0}},
                 {{"g_s", g_s0}, {"g_r", g_r0}}, w, {"v", "g_s"});
  ASSERT_TRUE(p.sim->Run(30.0).ok());
  const auto& v = Rec(p).signals[0].samples;
  const auto& g_s = Rec(p).signals[1].samples;
  const double h = 1e-4, wf = static_cast<float>(w);
  auto f = [&](double t, double u) {
    const double ge = t < t0 ? 0.0 : wf * std::exp(-(t - t0) / tau_e);
    const double gs = g_s0 * 1e-3 * std::exp(-t / tau_sfa),
                 gr = g_r0 * 1e-3 * std::exp(-t / tau_rr);
    return (cm / tau_m * (v_rest - u) + ge * (0.0 - u) + gs * (e_sfa - u) + gr * (e_rr - u) + i) /
           cm;
  };
  double u = v_rest, max_err = 0.0, swing = 0.0;
  for (long k = 0; k <= 300000; ++k) {
    if (k % 1000 == 0) {
      max_err = std::max(max_err, std::fabs(v[k / 1000] - u));
      swing = std::max(swing, std::fabs(u - v_rest));
      EXPECT_NEAR(g_s[k / 1000], g_s0 * std::exp(-k * h / tau_sfa), 1e-9);
    }
    const double t = k * h + 1e-12;
    const double k1 = f(t, u), k2 = f(t + h / 2, u + h / 2 * k1), k3 = f(t + h / 2, u + h / 2 * k2),
                 k4 = f(t + h, u + h * k3);
    u += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  EXPECT_GT(swing, 2.0);
  // Second-order exponential midpoint at dt = 0.1 ms: the fastest conductance
  // here has tau 2-3 ms, like LifConductanceTest where the error is ~1e-3 mV.
  EXPECT_LT(max_err, 3e-3);
}

TEST(IfCondExpGsfaGrrTest, SpikesIncrementAdaptationConductances) {
  Probe p = Make("IF_cond_exp_gsfa_grr", {{"i_offset", 2.0}}, {}, 0, {"spikes", "g_s", "g_r"});
  ASSERT_TRUE(p.sim->Run(200.0).ok());
  const auto& rec = Rec(p);
  ASSERT_GE(rec.spikes.time_ms.size(), 3u);
  const size_t k = std::lround(rec.spikes.time_ms[0] / kDt);
  EXPECT_NEAR(rec.signals[0].samples[k] - rec.signals[0].samples[k - 1], 15.0, 0.1);
  EXPECT_NEAR(rec.signals[1].samples[k] - rec.signals[1].samples[k - 1], 3000.0, 1.0);
  const auto& t = rec.spikes.time_ms;
  EXPECT_GT(t[t.size() - 1] - t[t.size() - 2], t[1] - t[0]);  // adaptation
}

TEST(IfFacetsHardware1Test, IsIfCondExpWithFixedCapacitanceAndRefractoriness) {
  const double g_leak = 40.0;
  Probe a = Make("IF_facets_hardware1", {{"g_leak", g_leak}, {"v_thresh", -60.0}}, {}, 0.01,
                 {"v", "spikes"});
  Probe b = Make("IF_cond_exp",
                 {{"cm", 0.2},
                  {"tau_m", 0.2 / (g_leak * 1e-3)},
                  {"tau_refrac", 1.0},
                  {"tau_syn_E", 30.0},
                  {"tau_syn_I", 30.0},
                  {"v_reset", -80.0},
                  {"e_rev_I", -80.0},
                  {"v_thresh", -60.0}},
                 {}, 0.01, {"v", "spikes"});
  ASSERT_TRUE(a.sim->Run(50.0).ok());
  ASSERT_TRUE(b.sim->Run(50.0).ok());
  EXPECT_EQ(Rec(a).signals[0].samples, Rec(b).signals[0].samples);
  EXPECT_EQ(Rec(a).spikes.time_ms, Rec(b).spikes.time_ms);
}

TEST(GifCondExpTest, WithoutEscapeItIsALif) {
  const double tau_m = 20.0, cm = 1.0, i = 0.5;
  Probe p =
      Make("GIF_cond_exp", {{"lambda0", 0.0}, {"i_offset", i}}, {}, 0, {"v", "spikes", "v_t"});
  ASSERT_TRUE(p.sim->Run(50.0).ok());
  EXPECT_TRUE(Rec(p).spikes.time_ms.empty());
  const auto& v = Rec(p).signals[0].samples;
  for (int k : {0, 10, 100, 500})
    EXPECT_NEAR(v[k], -65.0 + i * tau_m / cm * (1 - std::exp(-k * kDt / tau_m)), 1e-9);
  EXPECT_DOUBLE_EQ(Rec(p).signals[1].samples.back(), -48.0);
}

TEST(GifCondExpTest, EscapeRateMatchesHazardWithRefractoriness) {
  // v stays at v_rest = v_t_star, no adaptation: constant hazard lambda0, so
  // intervals are tau_refrac plus a geometric number of steps with
  // p = 1 - exp(-lambda0 dt).
  const double lambda0 = 100.0, tau_refrac = 4.0;
  const int n = 50;
  const double t_end = 10000.0;
  Probe p = Make("GIF_cond_exp",
                 {{"lambda0", lambda0},
                  {"v_t_star", -65.0},
                  {"tau_refrac", tau_refrac},
                  {"a_eta", Sequence{{0.0, 0.0, 0.0}}},
                  {"a_gamma", Sequence{{0.0, 0.0, 0.0}}}},
                 {{"v_t", -65.0}}, 0, {"spikes"}, n);
  ASSERT_TRUE(p.sim->Run(t_end).ok());
  const double prob = -std::expm1(-lambda0 * 1e-3 * kDt);
  const double mean_isi = tau_refrac + kDt / prob;
  const double expected = n * t_end / mean_isi;
  const double count = Rec(p).spikes.time_ms.size();
  EXPECT_NEAR(count, expected, 5 * std::sqrt(expected));
}

TEST(GifCondExpTest, SpikeTriggeredCurrentAndThresholdJump) {
  Probe p = Make("GIF_cond_exp", {{"lambda0", 1e6}, {"tau_refrac", 1.0}, {"v_t_star", -65.0}},
                 {{"v_t", -65.0}}, 0, {"spikes", "i_eta", "v_t"});
  ASSERT_TRUE(p.sim->Run(3.0).ok());
  const auto& rec = Rec(p);
  ASSERT_FALSE(rec.spikes.time_ms.empty());
  const size_t k = std::lround(rec.spikes.time_ms[0] / kDt);
  EXPECT_NEAR(rec.signals[0].samples[k] - rec.signals[0].samples[k - 1], 3.0, 1e-9);  // sum a_eta
  EXPECT_NEAR(rec.signals[1].samples[k] - rec.signals[1].samples[k - 1], 3.0, 1e-9);
}

TEST(GifCondExpTest, VectorLengthsMustMatch) {
  Probe p = Make("GIF_cond_exp", {}, {}, 0, {"v"});
  auto s = p.sim->SetParameters(Selector{p.cell}, {{"tau_eta", Sequence{{1.0, 2.0}}}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(p.sim
                  ->SetParameters(Selector{p.cell}, {{"tau_eta", Sequence{{1.0, 2.0}}},
                                                     {"a_eta", Sequence{{0.5, 0.1}}}})
                  .ok());
  ASSERT_TRUE(p.sim->Run(10.0).ok());
}

// A group whose cells share their constants takes the shared-constant loop;
// one with per-cell constants the general one. Both must give the same
// numbers: three cells with different tau_m in one group against the same
// cells as three groups of one, under a Poisson drive shared through one
// projection per group. The same spikes, and traces equal up to rounding:
// the compiler may fuse a multiply and an add into an FMA in one loop and
// not in the other (seen for IF_cond_alpha: 6e-14 mV).
TEST(IntegrateAndFireTest, SharedAndPerCellConstantsGiveTheSameResults) {
  const std::vector<double> tau_m = {8.0, 15.0, 30.0};
  for (const std::string type :
       {"IF_curr_exp", "IF_curr_alpha", "IF_curr_delta", "IF_cond_exp", "IF_cond_alpha"}) {
    SCOPED_TRACE(type);
    const bool conductance = type.rfind("IF_cond", 0) == 0;
    const double weight = type == "IF_curr_delta" ? 3.0 : (conductance ? 0.02 : 1.5);
    auto run = [&](bool one_group) {
      SimulationConfig config;
      config.seed = 3;
      auto sim = *Simulation::Create(config);
      PopulationSpec drive;
      drive.size = 20;
      drive.cell_type = "SpikeSourcePoisson";
      drive.parameters = {{"rate", 200.0}};
      const PopulationId source = sim->AddPopulation(drive)->id;
      std::vector<PopulationId> groups;
      for (size_t g = 0; g < (one_group ? 1 : tau_m.size()); ++g) {
        PopulationSpec cells;
        cells.size = one_group ? static_cast<int64_t>(tau_m.size()) : 1;
        cells.cell_type = type;
        cells.parameters = {{"i_offset", 0.3}};
        if (one_group) {
          cells.parameters["tau_m"] = tau_m;
        } else {
          cells.parameters["tau_m"] = tau_m[g];
        }
        groups.push_back(sim->AddPopulation(cells)->id);
        ProjectionSpec projection;
        projection.pre.parts = {Selector{source}};
        projection.post.parts = {Selector{groups.back()}};
        projection.connector.name = "AllToAllConnector";
        projection.synapse.parameters = {{"weight", weight}, {"delay", 0.5}};
        EXPECT_TRUE(sim->AddProjection(projection).ok());
        EXPECT_TRUE(sim->Record(Selector{groups.back()}, {"v", "spikes"}, 0).ok());
      }
      EXPECT_TRUE(sim->Run(200.0).ok());
      // Per cell: its v trace, then its spike times.
      std::vector<std::vector<double>> out(tau_m.size());
      for (const PopulationRecording& r : sim->segments().back().populations) {
        if (r.signals.empty()) continue;
        const SignalData& v = r.signals[0];
        const size_t first = one_group ? 0 : r.population - groups.front();
        for (size_t c = 0; c < v.channels.size(); ++c) {
          for (size_t k = 0; k < v.num_samples(); ++k)
            out[first + c].push_back(v.samples[k * v.channels.size() + c]);
          for (size_t k = 0; k < r.spikes.index.size(); ++k)
            if (r.spikes.index[k] == c) out[first + c].push_back(r.spikes.time_ms[k]);
        }
      }
      return out;
    };
    const auto per_cell = run(true);
    const auto shared = run(false);
    ASSERT_EQ(per_cell.size(), shared.size());
    for (size_t c = 0; c < per_cell.size(); ++c) {
      ASSERT_EQ(per_cell[c].size(), shared[c].size()) << "cell " << c;
      for (size_t k = 0; k < per_cell[c].size(); ++k)
        ASSERT_NEAR(per_cell[c][k], shared[c][k], 1e-12) << "cell " << c << ", value " << k;
      EXPECT_GT(per_cell[c].size(), 2001u) << "cell " << c << " never fired";
    }
  }
}

}  // namespace
}  // namespace spikeserve::engine
