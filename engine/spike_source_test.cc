// Statistics of the stochastic spike sources, with bounds of about five
// standard errors so that a correct implementation fails ~never and a wrong
// rate, dead time or shape fails surely.
#include <cmath>
#include <map>
#include <memory>
#include <vector>

#include "engine/counter_rng.h"
#include "engine/random_distribution.h"
#include "engine/simulation.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

constexpr double kDt = 0.1;

// Spike trains of `n` cells of `type` over `t_end` ms, one vector per cell.
std::vector<std::vector<double>> Trains(const std::string& type, const ParameterMap& params, int n,
                                        double t_end) {
  SimulationConfig config;
  config.timestep_ms = kDt;
  config.seed = 3;
  auto sim = *Simulation::Create(config);
  PopulationSpec spec;
  spec.size = n;
  spec.cell_type = type;
  spec.parameters = params;
  auto pop = sim->AddPopulation(spec);
  EXPECT_TRUE(pop.ok()) << pop.status();
  EXPECT_TRUE(sim->Record(Selector{pop->id}, {"spikes"}, 0).ok());
  EXPECT_TRUE(sim->Run(t_end).ok());
  const SpikeData& s = sim->segments().back().populations[0].spikes;
  std::vector<std::vector<double>> trains(n);
  for (size_t k = 0; k < s.index.size(); ++k) trains[s.index[k]].push_back(s.time_ms[k]);
  return trains;
}

struct IsiStats {
  double mean = 0, cv = 0, min = 1e300;
  size_t count = 0;
};

IsiStats Isis(const std::vector<std::vector<double>>& trains) {
  std::vector<double> isi;
  for (const auto& t : trains)
    for (size_t k = 1; k < t.size(); ++k) isi.push_back(t[k] - t[k - 1]);
  IsiStats s;
  s.count = isi.size();
  double sum = 0, sq = 0;
  for (double x : isi) {
    sum += x;
    sq += x * x;
    s.min = std::min(s.min, x);
  }
  s.mean = sum / isi.size();
  s.cv = std::sqrt(sq / isi.size() - s.mean * s.mean) / s.mean;
  return s;
}

TEST(SpikeSourcePoissonTest, RateCvFanoAndWindow) {
  // 50 Hz from 200 ms for 9 s: Poisson(rate dt) per step, so intervals are
  // geometric (CV sqrt(1 - p) ~ 1 at p = 0.005) and counts Poisson (Fano 1).
  const double rate = 50.0, start = 200.0, duration = 9000.0;
  const int n = 40;
  const auto trains = Trains("SpikeSourcePoisson",
                             {{"rate", rate}, {"start", start}, {"duration", duration}}, n, 10000.0);
  std::vector<double> counts;
  double total = 0;
  for (const auto& t : trains) {
    counts.push_back(static_cast<double>(t.size()));
    total += counts.back();
    for (double x : t) {
      EXPECT_GT(x, start - 1e-9);
      EXPECT_LE(x, start + duration + 1e-9);
    }
  }
  const double expected = rate * n * duration * 1e-3;  // 18000
  EXPECT_NEAR(total, expected, 5 * std::sqrt(expected));
  const IsiStats s = Isis(trains);
  EXPECT_NEAR(s.cv, std::sqrt(1 - rate * kDt * 1e-3), 0.03);
  // Fano factor of the 40 counts (mean 450): its sd is ~sqrt(2/39) ~ 0.23.
  double var = 0;
  for (double c : counts) var += (c - total / n) * (c - total / n);
  var /= n - 1;
  EXPECT_NEAR(var / (total / n), 1.0, 0.8);
}

// Per (cell, step) spike counts of a Poisson population of `n` cells over
// `steps` steps with `threads` threads; also its first global id.
std::map<std::pair<uint64_t, uint64_t>, uint64_t> PoissonCounts(const ParameterMap& parameters,
                                                                int n, int steps, int threads,
                                                                uint64_t* first_id) {
  SimulationConfig config;
  config.timestep_ms = kDt;
  config.seed = 11;
  config.threads = threads;
  auto sim = *Simulation::Create(config);
  PopulationSpec spec;
  spec.size = n;
  spec.cell_type = "SpikeSourcePoisson";
  spec.parameters = parameters;
  auto pop = sim->AddPopulation(spec);
  EXPECT_TRUE(pop.ok()) << pop.status();
  *first_id = pop->first_id;
  EXPECT_TRUE(sim->Record(Selector{pop->id}, {"spikes"}, 0).ok());
  EXPECT_TRUE(sim->Run(steps * kDt).ok());
  const SpikeData& s = sim->segments().back().populations[0].spikes;
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> counts;
  for (size_t k = 0; k < s.index.size(); ++k)
    ++counts[{s.index[k], static_cast<uint64_t>(std::llround(s.time_ms[k] / kDt))}];
  return counts;
}

TEST(SpikeSourcePoissonTest, CountsAreTheDocumentedStreamsWhateverTheThreads) {
  // A microcircuit background drive (8 Hz x 2000 inputs: 1.6 spikes per
  // step), one whose counts often pass the table (9 per step: 2 % reach 16)
  // and one above the inversion range (200 kHz: 20 per step). Each
  // (cell, step) count is PoissonCount of stream (seed, purpose, gid, step,
  // trial), spike for spike, with 1 or 2 threads (20,000 cells are split).
  for (double rate : {16000.0, 90000.0, 200000.0}) {
    const int n = 20000, steps = 3;
    uint64_t first_id = 0;
    const auto one = PoissonCounts({{"rate", rate}}, n, steps, 1, &first_id);
    const auto two = PoissonCounts({{"rate", rate}}, n, steps, 2, &first_id);
    EXPECT_EQ(one, two);
    double sum = 0, sq = 0;
    for (int i = 0; i < n; ++i)
      for (uint64_t k = 0; k < steps; ++k) {
        CounterRng rng(11, RngPurpose::kPoissonSource, first_id + i, k, 0);
        const uint64_t expected = PoissonCount(rng, rate * kDt * 1e-3);
        const auto it = one.find({i, k + 1});  // emitted at the end of step k
        ASSERT_EQ(it == one.end() ? 0 : it->second, expected) << "cell " << i << " step " << k;
        sum += expected;
        sq += static_cast<double>(expected) * expected;
      }
    // Poisson: variance = mean (5 standard errors of each over 60,000 draws).
    const double m = rate * kDt * 1e-3, draws = n * steps;
    EXPECT_NEAR(sum / draws, m, 5 * std::sqrt(m / draws));
    EXPECT_NEAR(sq / draws - (sum / draws) * (sum / draws), m,
                5 * m * std::sqrt(2.0 / draws) + 0.05 * m);
  }
}

TEST(SpikeSourcePoissonTest, CellsOfDifferentRatesAndWindowsDrawTheirOwnStreams) {
  // Runs of equal cells of every length around the 64-cell batches, rates
  // within and above the table's range and 0, and windows that open and close
  // mid-run: each cell fires by its own stream inside its window only.
  const int n = 1000, steps = 6;
  std::vector<double> rate(n), start(n), duration(n);
  const double rates[] = {16000.0, 90000.0, 0.0, 200000.0, 16000.0, 4000.0};
  for (int i = 0, run = 0; i < n; ++run) {
    // Four runs share a rate; each differs from the one before in the start
    // or in the end of its window only.
    const int group = run / 4, q = run % 4;
    const double stop = q == 1 || q == 2 ? 4 * kDt : (group % 3 == 0 ? 1e9 : 5 * kDt);
    const int length = 1 + (run * 37) % 150;
    for (int j = i; j < std::min(n, i + length); ++j) {
      rate[j] = rates[group % 6];
      start[j] = ((q >= 2) + group % 2) * kDt;
      duration[j] = stop - start[j];
    }
    i += length;
  }
  const ParameterMap parameters = {{"rate", rate}, {"start", start}, {"duration", duration}};
  uint64_t first_id = 0;
  const auto one = PoissonCounts(parameters, n, steps, 1, &first_id);
  const auto two = PoissonCounts(parameters, n, steps, 2, &first_id);
  EXPECT_EQ(one, two);
  uint64_t fired = 0;
  for (int i = 0; i < n; ++i)
    for (uint64_t k = 0; k < steps; ++k) {
      const int64_t first = std::llround(start[i] / kDt);
      const int64_t end = std::llround((start[i] + duration[i]) / kDt);
      const int64_t step = static_cast<int64_t>(k);
      uint64_t expected = 0;
      if (step >= first && step < end) {
        CounterRng rng(11, RngPurpose::kPoissonSource, first_id + i, k, 0);
        expected = PoissonCount(rng, rate[i] * kDt * 1e-3);
      }
      const auto it = one.find({i, k + 1});
      ASSERT_EQ(it == one.end() ? 0 : it->second, expected) << "cell " << i << " step " << k;
      fired += expected;
    }
  EXPECT_GT(fired, 1000u);
}

TEST(SpikeSourcePoissonRefractoryTest, IntervalsAreDeadTimePlusGeometric) {
  // Intervals of d - 1 + K steps, K geometric(p), 1/p = mean - d + 1:
  // CV = sqrt(1 - p) / p / mean (0.75 here, against 1 without dead time).
  const double rate = 50.0, tau_refrac = 5.0;
  const auto trains = Trains("SpikeSourcePoissonRefractory",
                             {{"rate", rate}, {"tau_refrac", tau_refrac}}, 20, 10000.0);
  const double mean_steps = 1000.0 / (rate * kDt), d = tau_refrac / kDt;
  const double p = 1.0 / (mean_steps - d + 1);
  const IsiStats s = Isis(trains);
  ASSERT_GT(s.count, 9000u);
  EXPECT_NEAR(s.mean, mean_steps * kDt, 5 * 0.75 * 20.0 / std::sqrt(s.count));
  EXPECT_NEAR(s.cv, std::sqrt(1 - p) / p / mean_steps, 0.03);
}

TEST(SpikeSourcePoissonRefractoryTest, RateAndDeadTime) {
  const double rate = 50.0, tau_refrac = 5.0, t_end = 10000.0;
  const int n = 20;
  const auto trains = Trains("SpikeSourcePoissonRefractory",
                             {{"rate", rate}, {"tau_refrac", tau_refrac}}, n, t_end);
  size_t count = 0;
  for (const auto& t : trains) count += t.size();
  const double expected = rate * n * t_end * 1e-3;
  // Dead time makes the count less variable than Poisson: sqrt(expected) is a safe scale.
  EXPECT_NEAR(count, expected, 5 * std::sqrt(expected));
  EXPECT_GE(Isis(trains).min, tau_refrac - 1e-9);
}

TEST(SpikeSourceGammaTest, MeanIntervalAndCv) {
  const int alpha = 4;
  const double beta = 200.0, t_end = 20000.0;  // rate beta/alpha = 50 Hz
  const auto trains =
      Trains("SpikeSourceGamma", {{"alpha", double{alpha}}, {"beta", beta}}, 10, t_end);
  const IsiStats s = Isis(trains);
  const double mean = 1000.0 * alpha / beta, cv = 1 / std::sqrt(alpha);
  ASSERT_GT(s.count, 5000u);
  EXPECT_NEAR(s.mean, mean, 5 * mean * cv / std::sqrt(s.count) + kDt);
  // Grid rounding adds jitter of ~dt/sqrt(12) to each interval: negligible at 20 ms.
  EXPECT_NEAR(s.cv, cv, 0.03);
}

TEST(SpikeSourceGammaTest, AlphaMustBeAWholeNumber) {
  SimulationConfig config;
  auto sim = *Simulation::Create(config);
  PopulationSpec spec;
  spec.size = 1;
  spec.cell_type = "SpikeSourceGamma";
  spec.parameters["alpha"] = 2.5;
  EXPECT_EQ(sim->AddPopulation(spec).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SpikeSourceInhGammaTest, RateFollowsTheBins) {
  // Bins: 0-2 s at 10 Hz (a 2, b 0.05 s), 2-4 s at 40 Hz (a 5, b 0.005 s).
  const int n = 50;
  const auto trains = Trains("SpikeSourceInhGamma",
                             {{"a", Sequence{{2.0, 5.0}}},
                              {"b", Sequence{{0.05, 0.005}}},
                              {"tbins", Sequence{{0.0, 2000.0}}}},
                             n, 4000.0);
  double first = 0, second = 0;
  for (const auto& t : trains)
    for (double x : t) (x <= 2000.0 ? first : second) += 1;
  const double e1 = 10.0 * 2.0 * n, e2 = 40.0 * 2.0 * n;
  EXPECT_NEAR(first, e1, 5 * std::sqrt(e1) + n);  // + one interval per cell at the bin edge
  EXPECT_NEAR(second, e2, 5 * std::sqrt(e2) + n);
}

TEST(SpikeSourceInhGammaTest, CvWithinABinIsThatOfItsGamma) {
  // One bin, shape 4, scale 5 ms: 50 Hz, CV 1/2, as SpikeSourceGamma.
  const auto trains = Trains("SpikeSourceInhGamma",
                             {{"a", Sequence{{4.0}}}, {"b", Sequence{{0.005}}},
                              {"tbins", Sequence{{0.0}}}},
                             10, 20000.0);
  const IsiStats s = Isis(trains);
  ASSERT_GT(s.count, 5000u);
  EXPECT_NEAR(s.mean, 20.0, 5 * 20.0 * 0.5 / std::sqrt(s.count) + kDt);
  EXPECT_NEAR(s.cv, 0.5, 0.03);
}

TEST(SpikeSourceInhGammaTest, SequencesMustPair) {
  SimulationConfig config;
  auto sim = *Simulation::Create(config);
  PopulationSpec spec;
  spec.size = 1;
  spec.cell_type = "SpikeSourceInhGamma";
  spec.parameters["a"] = Sequence{{1.0, 2.0}};
  EXPECT_EQ(sim->AddPopulation(spec).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace spikeserve::engine
