#include "engine/lif_current.h"

#include <cmath>
#include <memory>

#include "engine/cell_probe.h"
#include "engine/simulation.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

constexpr double kDt = 0.1;

using Probe = CellProbe;

// One subthreshold cell of `type`, optionally driven by one input spike
// arriving at t0 = 2.0 ms, v recorded every step.
Probe MakeProbe(const std::string& type, ParameterMap params, double weight) {
  params["v_thresh"] = 1000.0;
  return MakeCellProbe({type, params, {}, weight});
}

const SignalData& V(const Simulation& sim) {
  return sim.segments().back().populations[0].signals[0];
}

TEST(LifCurrentTest, StepOfOffsetCurrentMatchesClosedForm) {
  const double tau_m = 15.0, cm = 0.5, i = 0.3, v_rest = -60.0;
  Probe p = MakeProbe("IF_curr_exp",
                      {{"tau_m", tau_m}, {"cm", cm}, {"i_offset", i}, {"v_rest", v_rest}}, 0);
  ASSERT_TRUE(p.sim->Initialize(Selector{p.cell}, {{"v", v_rest}}).ok());
  ASSERT_TRUE(p.sim->Run(50.0).ok());
  const SignalData& v = V(*p.sim);
  ASSERT_EQ(v.num_samples(), 501u);
  for (int k : {0, 1, 7, 100, 333, 500}) {
    const double t = k * kDt;
    EXPECT_NEAR(v.samples[k], v_rest + i * tau_m / cm * (1 - std::exp(-t / tau_m)), 1e-9)
        << "t=" << t;
  }
}

// v - v_rest after a current kernel s(t) = w e^{-t/tau_s} starting at 0.
double ExpPsp(double t, double w, double tau_s, double tau_m, double cm) {
  if (t <= 0) return 0;
  if (tau_s == tau_m) return w * t * std::exp(-t / tau_m) / cm;
  return w * tau_m * tau_s / (cm * (tau_s - tau_m)) * (std::exp(-t / tau_s) - std::exp(-t / tau_m));
}

// v - v_rest after the PyNN alpha current w (t/tau) e^{1 - t/tau}.
double AlphaPsp(double t, double w, double tau, double tau_m, double cm) {
  if (t <= 0) return 0;
  const double c = 1 / tau_m - 1 / tau;
  const double integral = c == 0 ? t * t / 2 : (std::exp(c * t) * (c * t - 1) + 1) / (c * c);
  return w * std::exp(1.0) / (tau * cm) * std::exp(-t / tau_m) * integral;
}

void CheckPsp(const std::string& type, double tau_syn, double weight,
              double (*psp)(double, double, double, double, double)) {
  const double tau_m = 20.0, cm = 0.8, t0 = 2.0;
  Probe p = MakeProbe(type, {{"tau_m", tau_m}, {"cm", cm}, {"tau_syn_E", tau_syn}}, weight);
  ASSERT_TRUE(p.sim->Run(40.0).ok());
  const SignalData& v = V(*p.sim);
  double peak = 0;
  for (int k : {0, 19, 20, 21, 25, 30, 60, 150, 399}) {
    const double t = k * kDt;
    const double expected = -65.0 + psp(t - t0, weight, tau_syn, tau_m, cm);
    EXPECT_NEAR(v.samples[k], expected, 1e-9) << type << " t=" << t;
    peak = std::max(peak, std::fabs(expected + 65.0));
  }
  EXPECT_GT(peak, 0.01) << "the test input must move v";
}

TEST(LifCurrentTest, ExpSynapseSpikeMatchesClosedForm) {
  CheckPsp("IF_curr_exp", 5.0, 0.5, ExpPsp);
}

TEST(LifCurrentTest, ExpSynapseWithTauSynEqualTauM) { CheckPsp("IF_curr_exp", 20.0, 0.5, ExpPsp); }

TEST(LifCurrentTest, AlphaSynapseSpikeMatchesClosedForm) {
  CheckPsp("IF_curr_alpha", 0.5, 1.0, AlphaPsp);
}

TEST(LifCurrentTest, AlphaSynapseWithTauSynEqualTauM) {
  CheckPsp("IF_curr_alpha", 20.0, 0.25, AlphaPsp);  // weights are float32: use exact ones
}

TEST(LifCurrentTest, InhibitoryWeightIsAddedAsGiven) {
  const double tau_m = 20.0, cm = 1.0;
  Probe p = MakeProbe("IF_curr_exp", {}, 0);
  PopulationSpec src;
  src.size = 1;
  src.cell_type = "SpikeSourceArray";
  src.parameters["spike_times"] = Sequence{{1.0}};
  const PopulationId s = p.sim->AddPopulation(src)->id;
  ProjectionSpec proj;
  proj.pre.parts = {Selector{s}};
  proj.post.parts = {Selector{p.cell}};
  proj.connector.name = "OneToOneConnector";
  proj.receptor_type = "inhibitory";
  proj.synapse.parameters = {{"weight", -0.5}, {"delay", 1.0}};
  ASSERT_TRUE(p.sim->AddProjection(proj).ok());
  ASSERT_TRUE(p.sim->Run(10.0).ok());
  EXPECT_NEAR(V(*p.sim).samples[60], -65.0 + ExpPsp(4.0, -0.5, 5.0, tau_m, cm), 1e-9);
}

// `n` IF_curr_exp cells from v_rest, driven above threshold by i_offset
// (i tau_m / cm = 20 mV against a threshold 15 mV up), spikes recorded; the
// rest of their parameters in `own`.
constexpr double kTauM = 20.0, kCm = 1.0, kDrive = 1.0, kVRest = -65.0, kVThresh = -50.0;
Probe DrivenCells(int n, const ParameterMap& own) {
  ParameterMap params = {{"tau_m", kTauM},
                         {"cm", kCm},
                         {"i_offset", kDrive},
                         {"v_rest", kVRest},
                         {"v_thresh", kVThresh}};
  for (const auto& [name, value] : own) params[name] = value;
  return MakeCellProbe({"IF_curr_exp", params, {{"v", kVRest}}, 0.0, {"spikes"}, n});
}

// Inter-spike interval from v_reset: tau_refrac, then the climb to threshold.
double DrivenIsi(double v_reset, double tau_refrac) {
  const double ri = kDrive * kTauM / kCm;
  return tau_refrac + kTauM * std::log((ri - (v_reset - kVRest)) / (ri - (kVThresh - kVRest)));
}

TEST(LifCurrentTest, FiringRateMatchesAnalyticLifRate) {
  const double tau_refrac = 2.0;
  Probe p = DrivenCells(1, {{"tau_refrac", tau_refrac}, {"v_reset", kVRest}});
  ASSERT_TRUE(p.sim->Run(1000.0).ok());
  const auto& times = p.sim->segments().back().populations[0].spikes.time_ms;
  ASSERT_GT(times.size(), 10u);
  const double isi = DrivenIsi(kVRest, tau_refrac);
  // The first spike has no refractory period before it.
  EXPECT_NEAR(times[0], isi - tau_refrac, kDt);
  for (size_t k = 1; k < times.size(); ++k) EXPECT_NEAR(times[k] - times[k - 1], isi, kDt) << k;
}

TEST(LifCurrentTest, EachCellResetsToItsOwnVResetForItsOwnRefractoryPeriod) {
  // Two cells alike but for v_reset and tau_refrac: the update reads shared
  // constants at index 0 only when every cell has the same ones.
  const std::vector<double> v_reset = {-70.0, -55.0}, tau_refrac = {2.0, 5.0};
  Probe p = DrivenCells(2, {{"tau_refrac", tau_refrac}, {"v_reset", v_reset}});
  ASSERT_TRUE(p.sim->Run(500.0).ok());
  const SpikeData& spikes = p.sim->segments().back().populations[0].spikes;
  for (uint32_t cell = 0; cell < 2; ++cell) {
    std::vector<double> times;
    for (size_t k = 0; k < spikes.index.size(); ++k)
      if (spikes.index[k] == cell) times.push_back(spikes.time_ms[k]);
    ASSERT_GT(times.size(), 5u) << cell;
    const double isi = DrivenIsi(v_reset[cell], tau_refrac[cell]);
    for (size_t k = 1; k < times.size(); ++k)
      EXPECT_NEAR(times[k] - times[k - 1], isi, kDt) << cell << " " << k;
  }
}

TEST(KernelIntegralTest, SeriesAgreesWithClosedFormAcrossTheSwitch) {
  const double h = 0.1;
  for (double c : {-2.0, -0.9999, 0.5, 0.9999, 1.0001, 3.0}) {
    const double closed = (std::exp(c * h) * (c * h - 1) + 1) / (c * c);
    EXPECT_NEAR(KernelIntegral1(c, h), closed, 1e-14) << c;
  }
  EXPECT_DOUBLE_EQ(KernelIntegral1(0.0, h), h * h / 2);
  EXPECT_DOUBLE_EQ(KernelIntegral0(0.0, h), h);
}

}  // namespace
}  // namespace spikeserve::engine
