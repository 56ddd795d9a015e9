#include "engine/connectors.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "engine/counter_rng.h"
#include "engine/errors.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

std::vector<uint64_t> Gids(uint64_t first, uint64_t n) {
  std::vector<uint64_t> g(n);
  for (uint64_t i = 0; i < n; ++i) g[i] = first + i;
  return g;
}

std::vector<Position> OnLine(size_t n) {
  std::vector<Position> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = {static_cast<double>(i), 0, 0};
  return p;
}

// Cells at x = their index (µm), pre and post alike.
absl::StatusOr<ConnectionList> ConnectOnLine(const ConnectorSpec& spec,
                                             const std::vector<uint64_t>& pre,
                                             const std::vector<uint64_t>& post, uint64_t seed,
                                             WorkerPool* pool = nullptr) {
  return Connect(spec, pre, post, seed,
                 PairDistances(Space(), OnLine(pre.size()), OnLine(post.size())), nullptr, pool);
}

ConnectionList Make(const std::string& name, std::map<std::string, double> params, uint64_t n_pre,
                    uint64_t n_post, bool same_population = true) {
  ConnectorSpec spec;
  spec.name = name;
  spec.params = params;
  auto c = ConnectOnLine(spec, Gids(1, n_pre), Gids(same_population ? 1 : 1 + n_pre, n_post), 1234);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : ConnectionList{};
}

void ExpectCanonical(const ConnectionList& c) {
  for (size_t k = 1; k < c.pre.size(); ++k)
    EXPECT_LE(std::make_pair(c.pre[k - 1], c.post[k - 1]), std::make_pair(c.pre[k], c.post[k]));
}

TEST(ConnectorsTest, FixedProbabilityCountInBinomialInterval) {
  const double p = 0.1;
  const uint64_t n = 300;
  const auto c = Make("FixedProbabilityConnector", {{"p_connect", p}}, n, n, false);
  const double trials = n * n, mean = trials * p, sd = std::sqrt(trials * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(c.pre.size()), mean, 3.29 * sd);  // 99.9% two-sided
  ExpectCanonical(c);
}

TEST(ConnectorsTest, FixedProbabilityWithoutSelfConnections) {
  const auto c = Make("FixedProbabilityConnector",
                      {{"p_connect", 1.0}, {"allow_self_connections", 0}}, 20, 20);
  EXPECT_EQ(c.pre.size(), 20u * 19u);
  for (size_t k = 0; k < c.pre.size(); ++k) EXPECT_NE(c.pre[k], c.post[k]);
}

TEST(ConnectorsTest, FixedNumberPreGivesExactInDegree) {
  const auto c = Make("FixedNumberPreConnector", {{"n", 7}, {"allow_self_connections", 0}}, 30, 30);
  std::map<uint32_t, std::set<uint32_t>> in;
  for (size_t k = 0; k < c.pre.size(); ++k) {
    EXPECT_NE(c.pre[k], c.post[k]);
    in[c.post[k]].insert(c.pre[k]);
  }
  ASSERT_EQ(in.size(), 30u);
  for (const auto& [post, pres] : in)
    EXPECT_EQ(pres.size(), 7u) << post;  // distinct: no replacement
  ExpectCanonical(c);
}

TEST(ConnectorsTest, FixedNumberPostGivesExactOutDegree) {
  const auto c =
      Make("FixedNumberPostConnector", {{"n", 5}, {"with_replacement", 1}}, 12, 40, false);
  std::map<uint32_t, int> out;
  for (uint32_t p : c.pre) ++out[p];
  ASSERT_EQ(out.size(), 12u);
  for (const auto& [pre, n] : out) EXPECT_EQ(n, 5);
  ExpectCanonical(c);
}

TEST(ConnectorsTest, FixedTotalNumberIsExact) {
  EXPECT_EQ(Make("FixedTotalNumberConnector", {{"n", 123}}, 10, 20).pre.size(), 123u);
  const auto c = Make("FixedTotalNumberConnector",
                      {{"n", 90}, {"with_replacement", 0}, {"allow_self_connections", 0}}, 10, 10);
  std::set<std::pair<uint32_t, uint32_t>> pairs;
  for (size_t k = 0; k < c.pre.size(); ++k) {
    EXPECT_NE(c.pre[k], c.post[k]);
    pairs.emplace(c.pre[k], c.post[k]);
  }
  EXPECT_EQ(pairs.size(), 90u);  // every non-self pair exactly once
}

// With replacement the connector is its stream's draws of pair numbers (pre *
// n_post + post), in ascending order: the network a seed gives is pinned.
TEST(ConnectorsTest, FixedTotalNumberWithReplacementIsItsStreamsDrawsInOrder) {
  const uint64_t n_pre = 37, n_post = 23, n = 5000;
  const auto c =
      Make("FixedTotalNumberConnector", {{"n", n}, {"with_replacement", 1}}, n_pre, n_post, false);
  CounterRng rng(1234, RngPurpose::kConnectivity, 0, 3);
  std::vector<uint64_t> pairs(n);
  for (uint64_t& pair : pairs) pair = rng.Below(n_pre * n_post);
  std::sort(pairs.begin(), pairs.end());
  ASSERT_EQ(c.pre.size(), n);
  for (size_t k = 0; k < n; ++k) {
    EXPECT_EQ(c.pre[k], pairs[k] / n_post) << k;
    EXPECT_EQ(c.post[k], pairs[k] % n_post) << k;
  }
}

// Floyd's algorithm as the connectors document it: n of 0..m-1 without
// replacement, drawn from `rng`, ascending.
std::vector<uint64_t> FloydPicks(CounterRng rng, uint64_t m, uint64_t n) {
  std::set<uint64_t> taken;
  for (uint64_t k = m - n; k < m; ++k) {
    const uint64_t t = rng.Below(k + 1);
    taken.insert(taken.count(t) ? k : t);
  }
  return {taken.begin(), taken.end()};
}

// Without replacement, each post cell's pre cells are Floyd's picks from its
// own stream, self excluded from the candidates, whether the draw keeps its
// picks as bits (n = 80 of 299: few candidates per pick) or takes distinct
// draws as they are and draws again through a hash set when two repeat
// (n = 2 of 999 and n = 8 of 4,999, where some of the post cells' draws
// repeat), and in canonical order when the pres span several of the blocks
// that order is sorted in (4,999): the network a seed gives is pinned.
TEST(ConnectorsTest, FixedNumberPreIsFloydsDrawFromEachPostCellsStream) {
  for (const auto& [n_cells, n] : {std::pair<uint64_t, uint64_t>{300, 80}, {1000, 2}, {5000, 8}}) {
    const auto c = Make("FixedNumberPreConnector", {{"n", n}, {"allow_self_connections", 0}},
                        n_cells, n_cells);
    ExpectCanonical(c);
    std::vector<std::vector<uint64_t>> pres(n_cells);
    for (size_t k = 0; k < c.pre.size(); ++k) pres[c.post[k]].push_back(c.pre[k]);
    for (uint32_t post = 0; post < n_cells; ++post) {
      std::vector<uint64_t> expected =
          FloydPicks(CounterRng(1234, RngPurpose::kConnectivity, post, 1), n_cells - 1, n);
      for (uint64_t& pre : expected) pre += pre >= post;  // past the excluded self
      ASSERT_EQ(pres[post], expected) << "post " << post << ", n = " << n;
    }
  }
}

// A pool shares the draws of the fixed-number connectors and the canonical
// order's blocks among its members: the connections must not change. Large
// enough that the draws are shared (at least 65,536 picks) and the pres
// span several blocks.
TEST(ConnectorsTest, APoolGivesTheSameConnections) {
  WorkerPool pool(3);
  for (const std::string name :
       {"FixedNumberPreConnector", "FixedNumberPostConnector", "FixedProbabilityConnector"}) {
    ConnectorSpec spec;
    spec.name = name;
    spec.params = name == "FixedProbabilityConnector"
                      ? std::map<std::string, double>{{"p_connect", 0.004}}
                      : std::map<std::string, double>{{"n", 20}, {"allow_self_connections", 0}};
    const auto alone = ConnectOnLine(spec, Gids(1, 6000), Gids(1, 6000), 99);
    const auto shared = ConnectOnLine(spec, Gids(1, 6000), Gids(1, 6000), 99, &pool);
    ASSERT_TRUE(alone.ok() && shared.ok()) << name;
    EXPECT_GE(alone->pre.size(), 100000u) << name;
    EXPECT_EQ(shared->pre, alone->pre) << name;
    EXPECT_EQ(shared->post, alone->post) << name;
    ExpectCanonical(*shared);
  }
}

// The same for FixedTotalNumber: its one stream's picks of pair numbers.
TEST(ConnectorsTest, FixedTotalNumberWithoutReplacementIsFloydsDrawOfPairs) {
  for (uint64_t n : {uint64_t{700}, uint64_t{3}}) {
    const uint64_t n_pre = 37, n_post = 23;
    const auto c = Make("FixedTotalNumberConnector", {{"n", n}, {"with_replacement", 0}}, n_pre,
                        n_post, false);
    const std::vector<uint64_t> pairs =
        FloydPicks(CounterRng(1234, RngPurpose::kConnectivity, 0, 3), n_pre * n_post, n);
    ASSERT_EQ(c.pre.size(), n);
    for (size_t k = 0; k < n; ++k) {
      EXPECT_EQ(c.pre[k], pairs[k] / n_post) << k;
      EXPECT_EQ(c.post[k], pairs[k] % n_post) << k;
    }
  }
}

// Uniform over pairs: the counts per pre cell and per post cell pass a
// chi-square test (99.9 %), self pairs excluded when asked.
TEST(ConnectorsTest, FixedTotalNumberCountsPerCellAreUniform) {
  const uint32_t cells = 50;
  const uint64_t n = 40000;
  for (double self : {1.0, 0.0}) {
    const auto c =
        Make("FixedTotalNumberConnector",
             {{"n", n}, {"with_replacement", 1}, {"allow_self_connections", self}}, cells, cells);
    ASSERT_EQ(c.pre.size(), n);
    ExpectCanonical(c);
    std::vector<double> per_pre(cells, 0.0), per_post(cells, 0.0);
    for (size_t k = 0; k < n; ++k) {
      if (self == 0.0) EXPECT_NE(c.pre[k], c.post[k]);
      ++per_pre[c.pre[k]];
      ++per_post[c.post[k]];
    }
    for (const auto* counts : {&per_pre, &per_post}) {
      double chi2 = 0.0;
      for (double o : *counts) chi2 += (o - n / cells) * (o - n / cells) / (n / cells);
      EXPECT_LT(chi2, 85.35) << "self " << self;  // chi-square, 49 dof, 99.9 %
    }
  }
}

TEST(ConnectorsTest, AllToAllAndOneToOne) {
  EXPECT_EQ(Make("AllToAllConnector", {}, 4, 6, false).pre.size(), 24u);
  EXPECT_EQ(Make("AllToAllConnector", {{"allow_self_connections", 0}}, 5, 5).pre.size(), 20u);
  EXPECT_EQ(Make("OneToOneConnector", {}, 5, 3, false).pre.size(), 3u);
}

TEST(ConnectorsTest, ValidationNamesTheField) {
  ConnectorSpec spec{"FixedProbabilityConnector", {{"p_connect", 1.5}}};
  auto c = ConnectOnLine(spec, Gids(1, 3), Gids(1, 3), 1);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(c.status()), "connector.p_connect");
  spec = {"FixedNumberPreConnector", {{"n", 5}}};
  c = ConnectOnLine(spec, Gids(1, 3), Gids(4, 3), 1);
  EXPECT_EQ(ErrorField(c.status()), "connector.n");
  spec = {"FixedNumberPreConnector", {{"n", 2.5}}};
  EXPECT_EQ(ErrorReason(ConnectOnLine(spec, Gids(1, 3), Gids(4, 3), 1).status()), "OUT_OF_RANGE");
  spec = {"FromListConnector", {}, {}, {{0, 5, 1.0, 1.0}}};
  c = ConnectOnLine(spec, Gids(1, 3), Gids(4, 3), 1);
  EXPECT_EQ(ErrorReason(c.status()), "INDEX_OUT_OF_RANGE");
  EXPECT_EQ(ErrorField(c.status()), "connector.rows[0]");
  spec = {"NoSuchConnector"};
  EXPECT_EQ(ErrorReason(ConnectOnLine(spec, Gids(1, 3), Gids(4, 3), 1).status()),
            "UNKNOWN_CONNECTOR");
  spec = {"AllToAllConnector", {{"p_connect", 0.5}}};
  EXPECT_EQ(ErrorReason(ConnectOnLine(spec, Gids(1, 3), Gids(4, 3), 1).status()),
            "UNKNOWN_PARAMETER");
}

ConnectionList Ddp(const std::string& expression, uint64_t n, bool allow_self = true,
                   uint64_t seed = 1234) {
  ConnectorSpec spec{"DistanceDependentProbabilityConnector",
                     {{"allow_self_connections", allow_self ? 1.0 : 0.0}}};
  spec.distance_expression = expression;
  auto c = ConnectOnLine(spec, Gids(1, n), Gids(1, n), seed);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : ConnectionList{};
}

TEST(DistanceDependentProbabilityTest, CountInBinomialIntervalOfTheExpectedProbabilities) {
  const uint64_t n = 200;  // cells at x = 0, 1, ..., 199 µm
  const auto c = Ddp("exp(-d/20)", n);
  double mean = 0, variance = 0;
  for (uint64_t i = 0; i < n; ++i)
    for (uint64_t j = 0; j < n; ++j) {
      const double p = std::exp(-std::fabs(double(i) - double(j)) / 20);
      mean += p;
      variance += p * (1 - p);
    }
  EXPECT_NEAR(static_cast<double>(c.pre.size()), mean, 3.29 * std::sqrt(variance));
  ExpectCanonical(c);
  // Near pairs connect far more often than distant ones.
  uint64_t near = 0, far = 0;
  for (size_t k = 0; k < c.pre.size(); ++k) {
    const uint32_t d = c.pre[k] > c.post[k] ? c.pre[k] - c.post[k] : c.post[k] - c.pre[k];
    near += d < 10;
    far += d >= 100;
  }
  EXPECT_GT(near, 20 * far);
}

TEST(DistanceDependentProbabilityTest, ThresholdsAndClippingAsPyNN) {
  const auto lattice = Ddp("d < 2.5", 30);
  uint64_t expected = 0;
  for (int i = 0; i < 30; ++i)
    for (int j = 0; j < 30; ++j) expected += std::abs(i - j) < 2.5;
  ASSERT_EQ(lattice.pre.size(), expected);
  for (size_t k = 0; k < lattice.pre.size(); ++k)
    EXPECT_LT(std::abs(int(lattice.pre[k]) - int(lattice.post[k])), 2.5);
  EXPECT_EQ(Ddp("3 + d", 10).pre.size(), 100u);       // p > 1 always connects
  EXPECT_EQ(Ddp("-1 - d", 10).pre.size(), 0u);        // p < 0 never
  EXPECT_EQ(Ddp("sqrt(-1 - d)", 10).pre.size(), 0u);  // NaN never
  EXPECT_EQ(Ddp("1", 10, false).pre.size(), 90u);     // no self-connections
}

TEST(DistanceDependentProbabilityTest, SeededAndReproducible) {
  const auto a = Ddp("exp(-d/5)", 60, true, 7), b = Ddp("exp(-d/5)", 60, true, 7);
  const auto c = Ddp("exp(-d/5)", 60, true, 8);
  EXPECT_EQ(a.pre, b.pre);
  EXPECT_EQ(a.post, b.post);
  EXPECT_NE(std::make_pair(a.pre, a.post), std::make_pair(c.pre, c.post));
}

TEST(DistanceDependentProbabilityTest, BadExpressionsNameTheField) {
  ConnectorSpec spec{"DistanceDependentProbabilityConnector", {}};
  auto c = ConnectOnLine(spec, Gids(1, 3), Gids(1, 3), 1);
  EXPECT_EQ(ErrorField(c.status()), "connector.distance_expression");
  EXPECT_EQ(ErrorReason(c.status()), "MISSING");
  spec.distance_expression = "exp(-dist)";
  c = ConnectOnLine(spec, Gids(1, 3), Gids(1, 3), 1);
  EXPECT_EQ(ErrorField(c.status()), "connector.distance_expression");
  EXPECT_NE(c.status().message().find("unknown name 'dist'"), std::string::npos);
  ConnectorSpec other{"AllToAllConnector", {}};
  other.distance_expression = "d < 1";
  c = ConnectOnLine(other, Gids(1, 3), Gids(1, 3), 1);
  EXPECT_EQ(ErrorReason(c.status()), "CONFLICT");
}

ConnectionList SmallWorld(std::map<std::string, double> params, uint64_t n, uint64_t seed = 99) {
  auto c = ConnectOnLine({"SmallWorldConnector", params}, Gids(1, n), Gids(1, n), seed);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : ConnectionList{};
}

std::vector<uint64_t> OutDegrees(const ConnectionList& c, uint64_t n) {
  std::vector<uint64_t> degree(n, 0);
  for (uint32_t i : c.pre) ++degree[i];
  return degree;
}

TEST(SmallWorldTest, WithoutRewiringItIsTheDistanceLattice) {
  const uint64_t n = 50;  // cells at x = 0 .. 49 µm
  const auto c = SmallWorld({{"degree", 3.5}, {"rewiring", 0}, {"allow_self_connections", 0}}, n);
  std::set<std::pair<uint32_t, uint32_t>> expected;
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t j = 0; j < n; ++j)
      if (i != j && std::abs(int(i) - int(j)) < 3.5) expected.emplace(i, j);
  std::set<std::pair<uint32_t, uint32_t>> got;
  for (size_t k = 0; k < c.pre.size(); ++k) got.emplace(c.pre[k], c.post[k]);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(c.pre.size(), expected.size());
  ExpectCanonical(c);
}

TEST(SmallWorldTest, RewiringKeepsOutDegreesAndMakesNoMultapses) {
  const uint64_t n = 400;
  const std::map<std::string, double> lattice = {{"degree", 5.5}, {"allow_self_connections", 0}};
  auto with = lattice;
  with["rewiring"] = 0.2;
  const auto base = SmallWorld(lattice, n), rewired = SmallWorld(with, n);
  EXPECT_EQ(OutDegrees(rewired, n), OutDegrees(base, n));
  std::set<std::pair<uint32_t, uint32_t>> pairs;
  uint64_t moved = 0;
  for (size_t k = 0; k < rewired.pre.size(); ++k) {
    EXPECT_NE(rewired.pre[k], rewired.post[k]);
    EXPECT_TRUE(pairs.emplace(rewired.pre[k], rewired.post[k]).second) << "duplicate pair";
    moved += std::abs(int(rewired.pre[k]) - int(rewired.post[k])) >= 5.5;
  }
  ExpectCanonical(rewired);
  // Each of the 4000-odd edges leaves the lattice with probability 0.2 (and
  // lands back inside it rarely: 10 of 399 cells).
  const double edges = base.pre.size(), p = 0.2 * (1 - 10.0 / 399);
  EXPECT_NEAR(moved, edges * p, 3.29 * std::sqrt(edges * p * (1 - p)) + 0.2 * edges * 10 / 399);
  // Seeded: the same seed gives the same network, another seed another.
  const auto again = SmallWorld(with, n), other = SmallWorld(with, n, 100);
  EXPECT_EQ(std::make_pair(again.pre, again.post), std::make_pair(rewired.pre, rewired.post));
  EXPECT_NE(std::make_pair(other.pre, other.post), std::make_pair(rewired.pre, rewired.post));
  // Full rewiring where few cells are free still keeps every out-degree.
  const std::map<std::string, double> dense = {{"degree", 300}, {"allow_self_connections", 0}};
  auto dense_rewired = dense;
  dense_rewired["rewiring"] = 1.0;
  EXPECT_EQ(OutDegrees(SmallWorld(dense_rewired, n), n), OutDegrees(SmallWorld(dense, n), n));
}

TEST(SmallWorldTest, NConnectionsTakesTheNearestAndChecksThereAreEnough) {
  const auto c =
      SmallWorld({{"degree", 10}, {"n_connections", 4}, {"allow_self_connections", 0}}, 30);
  EXPECT_EQ(OutDegrees(c, 30), std::vector<uint64_t>(30, 4));
  for (size_t k = 0; k < c.pre.size(); ++k) {
    const int i = c.pre[k], j = c.post[k];
    // Nearest 4: distances 1, 1, 2, 2 inside the line; at the ends 1, 2, 3, 4.
    EXPECT_LE(std::abs(i - j), std::min(i, 29 - i) >= 2 ? 2 : 4);
  }
  auto too_few = ConnectOnLine({"SmallWorldConnector", {{"degree", 1.5}, {"n_connections", 5}}},
                               Gids(1, 10), Gids(1, 10), 1);
  EXPECT_EQ(ErrorField(too_few.status()), "connector.n_connections");
  auto bad = ConnectOnLine({"SmallWorldConnector", {{"degree", 1}, {"rewiring", 1.5}}}, Gids(1, 10),
                           Gids(1, 10), 1);
  EXPECT_EQ(ErrorField(bad.status()), "connector.rewiring");
  bad = ConnectOnLine({"SmallWorldConnector", {{"degree", -1}}}, Gids(1, 10), Gids(1, 10), 1);
  EXPECT_EQ(ErrorField(bad.status()), "connector.degree");
}

TEST(ConnectorsTest, ArrayConnectorConnectsTheNonZeroFlags) {
  ConnectorSpec spec{"ArrayConnector"};
  spec.matrix = std::string("\1\0\0\0\0\2", 6);  // 2 x 3
  auto c = ConnectOnLine(spec, Gids(1, 2), Gids(3, 3), 1);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->pre, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(c->post, (std::vector<uint32_t>{0, 2}));
  spec.matrix.pop_back();
  EXPECT_EQ(ErrorReason(ConnectOnLine(spec, Gids(1, 2), Gids(3, 3), 1).status()), "WRONG_LENGTH");
  ConnectorSpec other{"AllToAllConnector"};
  other.matrix = "\1";
  EXPECT_EQ(ErrorField(ConnectOnLine(other, Gids(1, 1), Gids(2, 1), 1).status()),
            "connector.matrix_u8");
}

}  // namespace
}  // namespace spikeserve::engine
