#include "engine/random_distribution.h"

#include <cmath>
#include <vector>

#include "engine/counter_rng_lanes.h"
#include "engine/errors.h"
#include "engine/value_resolution.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

constexpr int kN = 200000;

struct Moments {
  double mean = 0, var = 0, min = INFINITY, max = -INFINITY;
};

Moments Sample(const std::string& name, std::map<std::string, double> params) {
  auto d = Distribution::Create(RandomSpec{name, params, 0}, "x");
  EXPECT_TRUE(d.ok()) << d.status();
  std::vector<double> x(kN);
  for (int i = 0; i < kN; ++i) {
    CounterRng rng(42, RngPurpose::kTest, i);
    x[i] = d->Sample(rng);
  }
  Moments m;
  for (double v : x) {
    m.mean += v / kN;
    m.min = std::min(m.min, v);
    m.max = std::max(m.max, v);
  }
  for (double v : x) m.var += (v - m.mean) * (v - m.mean) / (kN - 1);
  return m;
}

// Tolerance: 5 standard errors of the mean, and 5% on the variance.
void ExpectMoments(const Moments& m, double mean, double var) {
  EXPECT_NEAR(m.mean, mean, 5 * std::sqrt(var / kN));
  EXPECT_NEAR(m.var, var, 0.05 * var);
}

TEST(RandomDistributionTest, Moments) {
  ExpectMoments(Sample("normal", {{"mu", 3}, {"sigma", 2}}), 3, 4);
  ExpectMoments(Sample("uniform", {{"low", -1}, {"high", 3}}), 1, 16.0 / 12);
  ExpectMoments(Sample("exponential", {{"beta", 2.5}}), 2.5, 6.25);
  ExpectMoments(Sample("poisson", {{"lambda_", 3.5}}), 3.5, 3.5);
  ExpectMoments(Sample("poisson", {{"lambda_", 250}}), 250, 250);
  ExpectMoments(Sample("gamma", {{"k", 2.0}, {"theta", 1.5}}), 3.0, 4.5);
  ExpectMoments(Sample("gamma", {{"k", 0.5}, {"theta", 2.0}}), 1.0, 2.0);
  ExpectMoments(Sample("binomial", {{"n", 1000}, {"p", 0.3}}), 300, 210);
  ExpectMoments(Sample("lognormal", {{"mu", 0.0}, {"sigma", 0.5}}), std::exp(0.125),
                (std::exp(0.25) - 1) * std::exp(0.25));
  ExpectMoments(Sample("uniform_int", {{"low", 2}, {"high", 6}}), 3.5, 1.25);
}

// The ziggurat's layers, wedges and tail each hold their share of the
// normal: the fraction of draws below z, over z from the tail beyond
// Ziggurat::kR through the wedges to the centre, within 5 binomial standard
// errors of Phi(z); and the layer edges from the recursion close at 0.
TEST(RandomDistributionTest, StandardNormalFollowsTheNormalCdfIntoItsTails) {
  const Ziggurat& table = Ziggurat::Get();
  EXPECT_NEAR(table.x(Ziggurat::kLayers - 1), 0.27, 0.01);  // the top layer's half-width
  EXPECT_GT(table.x(Ziggurat::kLayers - 1), 0.0);
  constexpr int kDraws = 4'000'000;
  const std::vector<double> z = {
      -4.5, -3.8, -3.442619855899, -3.0, -2.0, -1.0, -0.3, 0.0, 0.05, 0.3, 1.0, 1.7, 2.5, 3.2,
      3.6,  4.2};
  std::vector<int64_t> below(z.size(), 0);
  double largest = 0;
  for (int i = 0; i < kDraws; ++i) {
    CounterRng rng(7, RngPurpose::kTest, i);
    const double x = StandardNormal(rng);
    largest = std::max(largest, std::fabs(x));
    for (size_t j = 0; j < z.size(); ++j) below[j] += x < z[j];
  }
  for (size_t j = 0; j < z.size(); ++j) {
    const double p = 0.5 * std::erfc(-z[j] / std::sqrt(2.0));
    const double se = std::sqrt(p * (1 - p) / kDraws);
    EXPECT_NEAR(static_cast<double>(below[j]) / kDraws, p, 5 * se + 1e-9) << "z = " << z[j];
  }
  EXPECT_GT(largest, 4.5);  // the tail is reached: about 27 draws beyond 4.5 expected
}

TEST(RandomDistributionTest, ClippedStaysInBounds) {
  const Moments m = Sample("normal_clipped", {{"mu", 0}, {"sigma", 1}, {"low", -0.5}, {"high", 2}});
  EXPECT_GE(m.min, -0.5);
  EXPECT_LE(m.max, 2.0);
  EXPECT_GT(m.mean, 0.1);  // conditioned on [-0.5, 2], not clamped
  const Moments b =
      Sample("normal_clipped_to_boundary", {{"mu", 0}, {"sigma", 1}, {"low", -0.5}, {"high", 2}});
  EXPECT_EQ(b.min, -0.5);
  EXPECT_LE(b.max, 2.0);
  const Moments v = Sample("vonmises", {{"mu", 1.0}, {"kappa", 4.0}});
  EXPECT_GE(v.min, -M_PI);
  EXPECT_LE(v.max, M_PI);
  EXPECT_NEAR(v.mean, 1.0, 0.01);
}

TEST(RandomDistributionTest, ClippedBoundsMayBeInfinite) {
  // PyNN's defaults (low -inf, high inf) and the half-open bounds of published
  // models (a weight clipped at 0 keeps its sign).
  const Moments half =
      Sample("normal_clipped", {{"mu", 0}, {"sigma", 1}, {"low", 0}, {"high", INFINITY}});
  EXPECT_GE(half.min, 0.0);
  ExpectMoments(half, std::sqrt(2 / M_PI), 1 - 2 / M_PI);  // the half-normal
  ExpectMoments(
      Sample("normal_clipped", {{"mu", 3}, {"sigma", 2}, {"low", -INFINITY}, {"high", INFINITY}}),
      3, 4);
  const Moments b = Sample("normal_clipped_to_boundary",
                           {{"mu", 0}, {"sigma", 1}, {"low", -INFINITY}, {"high", 0}});
  EXPECT_EQ(b.max, 0.0);
  auto spec = [](const char* name, double low, double high) {
    return RandomSpec{name, {{"mu", 0}, {"sigma", 1}, {"low", low}, {"high", high}}, 0};
  };
  // Nothing can be drawn above inf or below -inf; NaN is never a bound.
  auto bad = Distribution::Create(spec("normal_clipped", INFINITY, INFINITY), "w");
  EXPECT_EQ(ErrorField(bad.status()), "w.parameters.low");
  bad = Distribution::Create(spec("normal_clipped", -INFINITY, -INFINITY), "w");
  EXPECT_EQ(ErrorField(bad.status()), "w.parameters.high");
  bad = Distribution::Create(spec("normal_clipped", NAN, 1), "w");
  EXPECT_EQ(ErrorReason(bad.status()), "NOT_FINITE");
  // Other distributions keep finite parameters.
  bad = Distribution::Create(RandomSpec{"uniform", {{"low", 0}, {"high", INFINITY}}, 0}, "w");
  EXPECT_EQ(ErrorField(bad.status()), "w.parameters.high");
  EXPECT_EQ(ErrorReason(bad.status()), "NOT_FINITE");
}

TEST(RandomDistributionTest, ValidationNamesTheField) {
  auto bad = Distribution::Create(RandomSpec{"normal", {{"mu", 0}}, 0}, "weight");
  EXPECT_EQ(ErrorField(bad.status()), "weight.parameters.sigma");
  EXPECT_EQ(ErrorReason(bad.status()), "MISSING");
  bad = Distribution::Create(RandomSpec{"gamma", {{"k", -1}, {"theta", 1}}, 0}, "w");
  EXPECT_EQ(ErrorReason(bad.status()), "OUT_OF_RANGE");
  bad = Distribution::Create(RandomSpec{"cauchy", {}, 0}, "w");
  EXPECT_EQ(ErrorReason(bad.status()), "UNKNOWN_DISTRIBUTION");
}

TEST(CounterRngTest, StreamsArePureFunctionsOfTheirKeys) {
  CounterRng a(7, RngPurpose::kTest, 5, 9), b(7, RngPurpose::kTest, 5, 9),
      c(7, RngPurpose::kTest, 6, 9);
  for (int i = 0; i < 10; ++i) {
    const uint32_t x = a.NextU32();
    EXPECT_EQ(x, b.NextU32());
    EXPECT_NE(x, c.NextU32());
  }
}

TEST(CounterRngTest, FirstUniformsAreEachStreamsFirstUniform) {
  // Batches of several lengths (vector bodies and remainders), a key with a
  // high half, counters with a high half.
  for (LaneCode code : {LaneCode::kFastest, LaneCode::kPortable})
    for (uint32_t n : {1u, 7u, 33u, 64u, 131u}) {
      const uint64_t a = (uint64_t{3} << 32) + 0xFFFFFF00u, b = (uint64_t{5} << 32) + 17;
      const CounterRng::Key key = CounterRng::KeyOf(99, RngPurpose::kTest, a, 4);
      std::vector<double> u(n);
      FirstUniforms(key, a, b, n, u.data(), code);
      for (uint32_t l = 0; l < n; ++l) {
        CounterRng rng(99, RngPurpose::kTest, a + l, b, 4);
        ASSERT_EQ(u[l], rng.Uniform()) << "lane " << l << " of " << n;
      }
    }
}

TEST(CounterRngTest, FirstBlocksStartEachStreamWhichThenContinues) {
  for (LaneCode code : {LaneCode::kFastest, LaneCode::kPortable})
    for (uint32_t n : {1u, 9u, 33u, kMaxLanes}) {
      const uint64_t a = (uint64_t{2} << 32) + 0xFFFFFF80u, b = (uint64_t{6} << 32) + 3;
      const CounterRng::Key key = CounterRng::KeyOf(42, RngPurpose::kTest, a, 8);
      uint32_t words[4][kMaxLanes];
      FirstBlocks(key, a, b, n, words, code);
      for (uint32_t l = 0; l < n; ++l) {
        CounterRng expected(42, RngPurpose::kTest, a + l, b, 8);
        CounterRng given(key, a + l, b, {words[0][l], words[1][l], words[2][l], words[3][l]});
        for (int w = 0; w < 11; ++w)  // the first block and into the next two
          ASSERT_EQ(given.NextU32(), expected.NextU32()) << "lane " << l << " word " << w;
      }
    }
}

// Values drawn in lanes are each element's own stream: element k's value is
// the distribution sampled from CounterRng(seed, purpose, id_k, stream,
// substream), whatever the ids around it (consecutive, gaps, a high half).
TEST(ValueResolutionTest, RandomValuesAreEachElementsStream) {
  const RandomSpec spec{
      "normal_clipped", {{"mu", 1.5}, {"sigma", 0.75}, {"low", 0.1}, {"high", INFINITY}}, 0};
  const DrawKeys keys{77, RngPurpose::kSynapseParameter, 5, 3};
  auto dist = Distribution::Create(spec, "delay");
  ASSERT_TRUE(dist.ok());
  std::vector<uint64_t> ids;
  for (uint64_t k = 0; k < 150; ++k) ids.push_back(k);
  for (uint64_t k = 0; k < 20; ++k) ids.push_back(1000 + 3 * k);
  for (uint64_t k = 0; k < 70; ++k) ids.push_back((uint64_t{1} << 32) - 30 + k);
  auto by_id = ResolveNumbers(spec, "delay", ids, keys);
  auto first = ResolveNumbers(spec, "delay", uint64_t{150}, keys);
  ASSERT_TRUE(by_id.ok() && first.ok());
  for (size_t k = 0; k < ids.size(); ++k) {
    CounterRng rng(77, keys.purpose, ids[k], keys.stream, keys.substream);
    ASSERT_EQ((*by_id)[k], dist->Sample(rng)) << k;
    if (k < 150) {
      ASSERT_EQ((*first)[k], (*by_id)[k]) << k;
    }
  }
}

// A pool's members draw shares of the elements; each value is still its own
// stream's, so the values are those of one thread. (Shares that began a
// lane batch at the wrong element, or wrote to the wrong place, differ.)
TEST(ValueResolutionTest, APoolDrawsTheSameValuesAsOneThread) {
  const RandomSpec spec{"normal", {{"mu", 0.0}, {"sigma", 1.0}}, 0};
  const DrawKeys keys{5, RngPurpose::kSynapseParameter, 9, 1};
  WorkerPool pool(2);
  for (uint64_t n : {uint64_t{1000}, uint64_t{100'003}}) {
    auto one = ResolveNumbers(spec, "weight", n, keys);
    auto shared = ResolveNumbers(spec, "weight", n, keys, &pool);
    ASSERT_TRUE(one.ok() && shared.ok());
    ASSERT_EQ(*one, *shared) << n;
  }
}

// Blocks hand every value once, at its own index, whether one thread or a
// pool's members resolve them; a rejected block stops the call.
TEST(ValueResolutionTest, BlocksHandTheSameValuesAsOneArray) {
  const RandomSpec spec{"uniform", {{"low", 0.5}, {"high", 2.0}}, 0};
  const DrawKeys keys{11, RngPurpose::kSynapseParameter, 4, 2};
  WorkerPool pool(2);
  const uint64_t n = 100'003;
  std::vector<double> values(n);
  for (const ParameterValue& value :
       {ParameterValue(spec), ParameterValue(1.25), ParameterValue(std::vector<double>(n, 3.0))}) {
    auto whole = ResolveNumbers(value, "delay", n, keys);
    ASSERT_TRUE(whole.ok());
    for (WorkerPool* p : {static_cast<WorkerPool*>(nullptr), &pool}) {
      std::vector<int> times(n, 0);
      auto taken = ResolveNumbersInBlocks(value, "delay", n, keys, p,
                                          [&](uint64_t first, const double* v, size_t count) {
                                            for (size_t j = 0; j < count; ++j) {
                                              values[first + j] = v[j];
                                              ++times[first + j];
                                            }
                                            return true;
                                          });
      ASSERT_TRUE(taken.ok() && *taken);
      EXPECT_EQ(values, *whole);
      EXPECT_EQ(times, std::vector<int>(n, 1));
    }
  }
  auto rejected =
      ResolveNumbersInBlocks(spec, "delay", n, keys, &pool,
                             [](uint64_t first, const double*, size_t) { return first < 50'000; });
  ASSERT_TRUE(rejected.ok());
  EXPECT_FALSE(*rejected);
}

// The error names the first value that is not finite, whichever share of a
// pool meets one first.
TEST(ValueResolutionTest, BlocksReportTheFirstValueThatIsNotFinite) {
  const uint64_t n = 100'000;
  std::vector<double> array(n, 1.0);
  array[70'000] = NAN;
  array[90'000] = INFINITY;
  WorkerPool pool(2);
  for (WorkerPool* p : {static_cast<WorkerPool*>(nullptr), &pool}) {
    auto taken = ResolveNumbersInBlocks(array, "delay", n, {1, RngPurpose::kSynapseParameter, 0, 0},
                                        p, [](uint64_t, const double*, size_t) { return true; });
    ASSERT_FALSE(taken.ok());
    EXPECT_NE(taken.status().message().find("value 70000 is not finite"), std::string::npos)
        << taken.status();
  }
}

}  // namespace
}  // namespace spikeserve::engine
