// AdEx, Izhikevich and HH against reference solutions of the same ODEs
// computed here with classical RK4 at a tiny fixed step (1e-4 ms, local error
// ~1e-16 per step for these smooth right-hand sides between events), with
// the same event rules, under a step current from a DCSource.
#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include "engine/simulation.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

constexpr double kDt = 0.1;

struct Trace {
  std::vector<double> v;  // sampled every step
  std::vector<double> w;  // second recorded variable, if any
  std::vector<double> spikes;
};

// One cell of `type` with `params`, a DCSource of `amplitude` nA from `start`
// ms, recording `vars`, simulated for `t_end` ms.
Trace Simulate(const std::string& type, const ParameterMap& params, double amplitude, double start,
               double t_end, const std::vector<std::string>& vars) {
  SimulationConfig config;
  config.timestep_ms = kDt;
  config.seed = 7;
  auto sim = *Simulation::Create(config);
  PopulationSpec spec;
  spec.size = 1;
  spec.cell_type = type;
  spec.parameters = params;
  const PopulationId id = sim->AddPopulation(spec)->id;
  auto src = sim->AddCurrentSource({"DCSource", {{"amplitude", amplitude}, {"start", start}}});
  EXPECT_TRUE(src.ok());
  EXPECT_TRUE(sim->Inject(*src, Selector{id}).ok());
  std::vector<std::string> record = vars;
  record.push_back("spikes");
  EXPECT_TRUE(sim->Record(Selector{id}, record, 0).ok());
  EXPECT_TRUE(sim->Run(t_end).ok());
  const auto& rec = sim->segments().back().populations[0];
  Trace r;
  r.v = rec.signals[0].samples;
  if (rec.signals.size() > 1) r.w = rec.signals[1].samples;
  r.spikes = rec.spikes.time_ms;
  return r;
}

// RK4 reference at step h with the input current switched on at the start of
// the engine step after `start` (time-grid convention), events checked after
// every substep by `event` (which may reset y and returns true on a spike).
// Samples y[0] every kDt.
Trace Reference(
    std::vector<double> y,
    const std::function<void(const std::vector<double>&, double, std::vector<double>&)>& f,
    const std::function<bool(std::vector<double>&, double)>& event, double amplitude, double start,
    double t_end, double h = 1e-4) {
  Trace r;
  const long steps = std::lround(t_end / h), every = std::lround(kDt / h);
  const long on = std::lround(start / h);
  const size_t n = y.size();
  std::vector<double> k1(n), k2(n), k3(n), k4(n), s(n);
  for (long k = 0; k <= steps; ++k) {
    if (k % every == 0) {
      r.v.push_back(y[0]);
      if (n > 1) r.w.push_back(y[1]);
    }
    if (k == steps) break;
    const double i = k >= on ? amplitude : 0.0;
    f(y, i, k1);
    for (size_t j = 0; j < n; ++j) s[j] = y[j] + h / 2 * k1[j];
    f(s, i, k2);
    for (size_t j = 0; j < n; ++j) s[j] = y[j] + h / 2 * k2[j];
    f(s, i, k3);
    for (size_t j = 0; j < n; ++j) s[j] = y[j] + h * k3[j];
    f(s, i, k4);
    for (size_t j = 0; j < n; ++j) y[j] += h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
    if (event(y, (k + 1) * h)) r.spikes.push_back((k + 1) * h);
  }
  return r;
}

// Engine spikes are stamped at the end of their step: within one step of the
// reference's.
void ExpectSameSpikes(const Trace& got, const Trace& ref, size_t at_least) {
  ASSERT_GE(ref.spikes.size(), at_least) << "the input must make the cell fire";
  ASSERT_EQ(got.spikes.size(), ref.spikes.size());
  for (size_t k = 0; k < ref.spikes.size(); ++k)
    EXPECT_NEAR(got.spikes[k], ref.spikes[k], kDt + 1e-9) << "spike " << k;
}

double MaxDiff(const std::vector<double>& a, const std::vector<double>& b, size_t n) {
  double e = 0;
  for (size_t k = 0; k < n; ++k) e = std::max(e, std::fabs(a[k] - b[k]));
  return e;
}

TEST(AdexTest, MatchesRk4ReferenceAndAdapts) {
  // PyNN defaults; tau_refrac 0 so both event rules are the same.
  const double cm = 0.281, tau_m = 9.3667, g_l = cm / tau_m, e_l = -70.6, v_t = -50.4, d_t = 2.0,
               a = 4e-3, b = 0.0805, tau_w = 144.0, v_peak = -40.0, v_reset = -70.6;
  const double amp = 1.0, start = 5.0, t_end = 300.0;
  const Trace got =
      Simulate("EIF_cond_exp_isfa_ista", {{"tau_refrac", 0.0}}, amp, start, t_end, {"v", "w"});
  auto f = [&](const std::vector<double>& y, double i, std::vector<double>& d) {
    const double v = std::min(y[0], v_peak);
    d[0] = (-g_l * (v - e_l) + g_l * d_t * std::exp((v - v_t) / d_t) - y[1] + i) / cm;
    d[1] = (a * (v - e_l) - y[1]) / tau_w;
  };
  auto event = [&](std::vector<double>& y, double) {
    if (y[0] < v_peak) return false;
    y[0] = v_reset;
    y[1] += b;
    return true;
  };
  const Trace ref = Reference({e_l, 0.0}, f, event, amp, start, t_end);
  ExpectSameSpikes(got, ref, 5);
  // Before the first spike both solve the same smooth ODE; the engine's local
  // tolerance (1e-6 abs/rel per substep) bounds the drift to well below 1e-3 mV.
  const size_t before = static_cast<size_t>((ref.spikes[0] - 1.0) / kDt);
  EXPECT_LT(MaxDiff(got.v, ref.v, before), 1e-3);
  // Adaptation: w jumps by b at each spike and the intervals lengthen.
  const size_t k1 = std::lround(got.spikes[1] / kDt);
  EXPECT_NEAR(got.w[k1] - got.w[k1 - 1], b, 0.01 * b);
  for (size_t k = 2; k < got.spikes.size(); ++k)
    EXPECT_GT(got.spikes[k] - got.spikes[k - 1], got.spikes[k - 1] - got.spikes[k - 2] - kDt);
  EXPECT_GT(got.spikes.back() - got.spikes[got.spikes.size() - 2],
            1.5 * (got.spikes[1] - got.spikes[0]));
}

TEST(AdexTest, AlphaConductanceVariantRunsAndFires) {
  const Trace got = Simulate("EIF_cond_alpha_isfa_ista", {}, 1.0, 5.0, 100.0, {"v", "gsyn_exc"});
  EXPECT_GE(got.spikes.size(), 2u);
}

TEST(AdexTest, ZeroDeltaTSpikesAtThreshold) {
  // No exponential term: v rises as a leaky integrator and spikes at
  // v_thresh (-50.4 mV), well below v_spike (-40 mV).
  const Trace got = Simulate("EIF_cond_exp_isfa_ista", {{"delta_T", 0.0}, {"a", 0.0}, {"b", 0.0}},
                             1.0, 5.0, 100.0, {"v", "w"});
  ASSERT_GE(got.spikes.size(), 2u);
  for (double v : got.v) EXPECT_LT(v, -50.4 + 1e-9);
}

TEST(IzhikevichTest, RegularSpikingFirstSpikesMatchRk4Reference) {
  const double a = 0.02, b = 0.2, c = -65.0, d = 8.0, i_nA = 0.01, start = 10.0;
  const Trace got = Simulate("Izhikevich", {{"a", a}, {"b", b}, {"c", c}, {"d", d}}, i_nA, start,
                             300.0, {"v", "u"});
  auto f = [&](const std::vector<double>& y, double i, std::vector<double>& dy) {
    dy[0] = 0.04 * y[0] * y[0] + 5 * y[0] + 140 - y[1] + 1000.0 * i;
    dy[1] = a * (b * y[0] - y[1]);
  };
  auto event = [&](std::vector<double>& y, double) {
    if (y[0] < 30.0) return false;
    y[0] = c;
    y[1] += d;
    return true;
  };
  const Trace ref = Reference({-70.0, -14.0}, f, event, i_nA, start, 300.0);
  ExpectSameSpikes(got, ref, 4);
  // Regular spiking adapts: the second interval is longer than the first.
  EXPECT_GT(got.spikes[2] - got.spikes[1], got.spikes[1] - got.spikes[0]);
}

TEST(HhTest, SpikeCountAndFirstSpikeMatchRk4Reference) {
  const double g_na = 20.0, g_k = 6.0, g_l = 0.01, cm = 0.2, v_t = -63.0, e_na = 50.0, e_k = -90.0,
               e_l = -65.0, amp = 0.5, start = 10.0, t_end = 200.0;
  const Trace got = Simulate("HH_cond_exp", {}, amp, start, t_end, {"v"});
  auto ratio = [](double x, double k) {
    return std::fabs(x / k) < 1e-6 ? k * (1 - x / k / 2) : x / std::expm1(x / k);
  };
  auto f = [&](const std::vector<double>& y, double i, std::vector<double>& dy) {
    const double v = y[0], m = y[1], h = y[2], n = y[3], u = v - v_t;
    dy[0] = (-g_na * m * m * m * h * (v - e_na) - g_k * n * n * n * n * (v - e_k) -
             g_l * (v - e_l) + i) /
            cm;
    dy[1] = 0.32 * ratio(13 - u, 4) * (1 - m) - 0.28 * ratio(u - 40, 5) * m;
    dy[2] = 0.128 * std::exp((17 - u) / 18) * (1 - h) - 4 / (1 + std::exp((40 - u) / 5)) * h;
    dy[3] = 0.032 * ratio(15 - u, 5) * (1 - n) - 0.5 * std::exp((10 - u) / 40) * n;
  };
  // NEST's rule, applied on the engine's step grid: above v_T + 30 and below
  // the value at the start of the step, then 2 ms without detection.
  double v_step_start = -65.0, refractory_until = -1.0;
  const long every = std::lround(kDt / 1e-4);
  long substep = 0;
  auto event = [&](std::vector<double>& y, double t) {
    if (++substep % every != 0) return false;
    const bool peak = t > refractory_until + 1e-9 && y[0] > v_t + 30 && y[0] < v_step_start;
    v_step_start = y[0];
    if (peak) refractory_until = t + 2.0 - kDt;
    return peak;
  };
  const Trace ref = Reference({-65.0, 0.0, 1.0, 0.0}, f, event, amp, start, t_end);
  ExpectSameSpikes(got, ref, 3);
  EXPECT_LT(MaxDiff(got.v, ref.v, static_cast<size_t>((ref.spikes[0] - 3.0) / kDt)), 1e-3);
}

}  // namespace
}  // namespace spikeserve::engine
