#include "engine/projection.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <tuple>

#include "engine/connectors.h"
#include "engine/counter_rng.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

// Rows of up to `max_row` - 1 random post positions each, ascending, with
// multapses: the pre and post lists a Projection is made from.
std::pair<std::vector<uint32_t>, std::vector<uint32_t>> RandomRows(uint32_t n_pre, uint32_t n_post,
                                                                   uint32_t max_row,
                                                                   CounterRng& rng) {
  std::vector<uint32_t> pre, post;
  for (uint32_t i = 0; i < n_pre; ++i) {
    std::vector<uint32_t> row(rng.Below(max_row));
    for (uint32_t& j : row) j = static_cast<uint32_t>(rng.Below(n_post));
    std::sort(row.begin(), row.end());
    for (uint32_t j : row) {
      pre.push_back(i);
      post.push_back(j);
    }
  }
  return {pre, post};
}

// Post position j is cell j of the projection's one post population.
std::vector<PostTarget> OnePostPopulation(uint32_t n_post) {
  std::vector<PostTarget> targets(n_post);
  for (uint32_t j = 0; j < n_post; ++j) targets[j] = {0, j};
  return targets;
}

std::vector<uint32_t> Positions(const PostPositions& post) {
  std::vector<uint32_t> out(post.size());
  for (uint64_t k = 0; k < out.size(); ++k) out[k] = post[k];
  return out;
}

TEST(ProjectionTest, MillionStaticSynapsesOntoTenThousandCellsFitInTenAndAHalfBytesEach) {
  const uint32_t n_pre = 1000, n_post = 10000;
  std::vector<uint64_t> pre_gids(n_pre), post_gids(n_post);
  for (uint32_t i = 0; i < n_pre; ++i) pre_gids[i] = 1 + i;
  for (uint32_t i = 0; i < n_post; ++i) post_gids[i] = 1 + n_pre + i;
  // FixedProbability ignores positions.
  auto conns = Connect({"FixedProbabilityConnector", {{"p_connect", 0.1}}}, pre_gids, post_gids, 7,
                       PairDistances(Space(), {}, {}));
  ASSERT_TRUE(conns.ok()) << conns.status();
  std::vector<PostTarget> targets = OnePostPopulation(n_post);
  RingBuffer ring;
  Projection p(0, "p", 0, n_pre, conns->pre, conns->post, 10, std::move(targets), {&ring});
  ASSERT_GT(p.size(), 950000u);
  std::vector<double> weights(p.size());
  for (uint64_t k = 0; k < weights.size(); ++k) weights[k] = 0.0123 + 1e-9 * k;
  p.SetWeights(std::move(weights));
  const double bytes = static_cast<double>(p.MemoryBytes()) / p.size();
  std::printf("static projection: %llu synapses, %.4f bytes/synapse\n",
              static_cast<unsigned long long>(p.size()), bytes);
  EXPECT_LE(bytes, 10.5);
  EXPECT_EQ(p.num_runs(), n_pre);  // one delay run per row
  // One weight for all: 2 bytes per synapse for the post position, plus the rows.
  p.SetWeights(0.0123);
  EXPECT_LE(static_cast<double>(p.MemoryBytes()) / p.size(), 2.5);
  EXPECT_EQ(p.weights()[12345], 0.0123);
}

TEST(ProjectionTest, MultapsesCostTwelveBytesOfTieRankEachAfterNewDelays) {
  // Every pair made twice: half the synapses are later-made multapses.
  const uint32_t n_pre = 1000, per_row = 200;
  std::vector<uint32_t> pre, post;
  for (uint32_t i = 0; i < n_pre; ++i)
    for (uint32_t j = 0; j < per_row; ++j) {
      pre.push_back(i);
      post.push_back(j / 2);
    }
  RingBuffer ring;
  std::vector<PostTarget> targets = OnePostPopulation(per_row / 2);
  Projection p(0, "p", 0, n_pre, pre, post, 1, std::move(targets), {&ring});
  std::vector<double> weights(p.size());
  for (uint64_t k = 0; k < weights.size(); ++k) weights[k] = 1.0 + k;
  p.SetWeights(std::move(weights));
  std::vector<uint16_t> steps(p.size());
  for (uint64_t k = 0; k < steps.size(); ++k) steps[k] = static_cast<uint16_t>(1 + (k * 7919) % 13);
  p.SetDelays(steps);
  const uint64_t ties = p.size() / 2;
  // 10 B per synapse (100 post positions), 12 per tie rank, per row its
  // offsets and 13 delay runs, and the post targets.
  const uint64_t expected = 10 * p.size() + 12 * ties + n_pre * (8 + 8 + 13 * 8) + 1024;
  EXPECT_LE(p.MemoryBytes(), expected);
  EXPECT_GT(p.MemoryBytes(), 10 * p.size() + 12 * ties);
}

TEST(ProjectionTest, SetDelaysGroupsRowsByDelayAndCarriesWeights) {
  // Row 0: posts 0, 1, 2; row 1: post 1.
  RingBuffer ring;
  ring.Resize(3, 1, 8);
  Projection p(0, "p", 0, 2, {0, 0, 0, 1}, {0, 1, 2, 1}, 1, {{0, 0}, {0, 1}, {0, 2}}, {&ring});
  p.SetWeights(std::vector<double>{0.1, 0.2, 0.3, 0.4});
  const auto perm = p.SetDelays({3, 1, 3, 2});
  EXPECT_EQ(perm, (std::vector<uint64_t>{1, 0, 2, 3}));
  EXPECT_EQ(Positions(p.post()), (std::vector<uint32_t>{1, 0, 2, 1}));
  EXPECT_EQ(p.weights().Expand(p.size()), (std::vector<double>{0.2, 0.1, 0.3, 0.4}));
  EXPECT_EQ(p.Delays(), (std::vector<uint16_t>{1, 3, 3, 2}));
  EXPECT_EQ(p.num_runs(), 3u);
  EXPECT_EQ(p.DelayRange(), (std::pair<uint16_t, uint16_t>{1, 3}));
  // Back to one delay: rows sorted by post again.
  EXPECT_EQ(p.SetDelays({2, 2, 2, 2}), (std::vector<uint64_t>{1, 0, 2, 3}));
  EXPECT_EQ(Positions(p.post()), (std::vector<uint32_t>{0, 1, 2, 1}));
  EXPECT_TRUE(p.SetDelays({2, 2, 2, 2}).empty());
  // Delivery (multiplicity 2): one slot per run.
  p.SetDelays({1, 3, 3, 2});
  p.Deliver(0, 0, 2);
  // Each weight times the multiplicity, rounded once to the rings' float.
  EXPECT_EQ(ring.Slot(0, 1)[0], 0.2f);  // post 0, delay 1, weight 0.1 twice
  EXPECT_EQ(ring.Slot(0, 3)[1], 0.4f);
  EXPECT_EQ(ring.Slot(0, 3)[2], 0.6f);
}

TEST(ProjectionTest, PostPositionsTakeTwoBytesUpTo65536CellsAndFourBeyond) {
  for (const uint32_t n_post : {65536u, 65537u}) {
    SCOPED_TRACE(n_post);
    RingBuffer ring;
    ring.Resize(n_post, 1, 8);
    std::vector<PostTarget> targets = OnePostPopulation(n_post);
    // Row 0 reaches the first and the last cells with two delays, so
    // SetDelays reorders the narrow or wide positions.
    const uint32_t last = n_post - 1;
    Projection p(0, "p", 0, 2, {0, 0, 0, 0, 1}, {0, 1, last - 1, last, last}, 1, std::move(targets),
                 {&ring});
    EXPECT_EQ(p.post().narrow(), n_post == 65536);
    p.SetWeights(std::vector<double>{1, 2, 4, 8, 16});
    p.SetDelays({2, 1, 2, 1, 1});
    EXPECT_EQ(Positions(p.post()), (std::vector<uint32_t>{1, last, 0, last - 1, last}));
    p.Deliver(0, 0, 1);
    p.Deliver(1, 0, 1);
    EXPECT_EQ(ring.Slot(0, 1)[1], 2.0f);
    EXPECT_EQ(ring.Slot(0, 1)[last], 8.0f + 16.0f);
    EXPECT_EQ(ring.Slot(0, 2)[0], 1.0f);
    EXPECT_EQ(ring.Slot(0, 2)[last - 1], 4.0f);
    // Nothing else received input: a truncated position would land on a
    // low cell.
    float total = 0;
    for (uint64_t step : {1, 2})
      for (uint32_t i = 0; i < n_post; ++i) total += ring.Slot(0, step)[i];
    EXPECT_EQ(total, 31.0f);
  }
}

TEST(ProjectionTest, SetUniformDelayEqualsSetDelaysWithOneValue) {
  RingBuffer ring;
  ring.Resize(3, 1, 8);
  auto make = [&] {
    Projection p(0, "p", 0, 2, {0, 0, 0, 1}, {0, 1, 2, 1}, 1, {{0, 0}, {0, 1}, {0, 2}}, {&ring});
    p.SetWeights(std::vector<double>{0.1, 0.2, 0.3, 0.4});
    p.SetDelays({3, 1, 3, 2});
    return p;
  };
  Projection uniform = make(), general = make();
  // Row 0 holds two delay runs, so both reorder it back to post order.
  EXPECT_EQ(uniform.SetUniformDelay(4), general.SetDelays({4, 4, 4, 4}));
  EXPECT_EQ(Positions(uniform.post()), Positions(general.post()));
  EXPECT_EQ(uniform.weights().Expand(uniform.size()), general.weights().Expand(general.size()));
  EXPECT_EQ(uniform.Delays(), (std::vector<uint16_t>{4, 4, 4, 4}));
  EXPECT_EQ(uniform.num_runs(), 2u);
  // Already one run per row: no permutation, only the delay changes.
  EXPECT_TRUE(uniform.SetUniformDelay(2).empty());
  EXPECT_EQ(uniform.Delays(), (std::vector<uint16_t>{2, 2, 2, 2}));
  EXPECT_EQ(uniform.DelayRange(), (std::pair<uint16_t, uint16_t>{2, 2}));
}

TEST(ProjectionTest, CanonicalOrderIsByPostThenCreationWhateverTheDelays) {
  RingBuffer ring;
  ring.Resize(3, 1, 8);
  // Row 0: post 0, then three multapses to post 1 (made in that order), post 2.
  Projection p(0, "p", 0, 1, {0, 0, 0, 0, 0}, {0, 1, 1, 1, 2}, 1, {{0, 0}, {0, 1}, {0, 2}},
               {&ring});
  p.SetWeights(std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5});
  EXPECT_EQ(p.CanonicalOrder(), (std::vector<uint64_t>{0, 1, 2, 3, 4}));
  // Reverse the multapses by delay: storage follows, the canonical order not.
  p.SetDelays({2, 5, 4, 3, 1});
  EXPECT_EQ(p.weights().Expand(p.size()), (std::vector<double>{0.5, 0.1, 0.4, 0.3, 0.2}));
  std::vector<double> canonical;
  for (uint64_t k : p.CanonicalOrder()) canonical.push_back(p.weights()[k]);
  EXPECT_EQ(canonical, (std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5}));
  // One delay again: storage is canonical, multapses in creation order.
  p.SetDelays({2, 2, 2, 2, 2});
  EXPECT_EQ(p.weights().Expand(p.size()), (std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5}));
}

// Random rows with multapses, delays set twice (the second time from rows of
// several runs), narrow and wide delay ranges: storage order is (delay, post,
// creation) per row, weights follow the permutation, and the canonical order
// gets every connection back.
TEST(ProjectionTest, SetDelaysSortsRandomRowsAsTheDocumentedOrder) {
  RingBuffer ring;
  const uint32_t n_pre = 40, n_post = 30;
  CounterRng rng(5, RngPurpose::kTest, 0);
  const auto [pre, post] = RandomRows(n_pre, n_post, 60, rng);
  std::vector<PostTarget> targets = OnePostPopulation(n_post);
  Projection p(0, "p", 0, n_pre, pre, post, 1, targets, {&ring});
  // Weight = canonical index, so a synapse's identity travels with its weight.
  for (size_t k = 0; k < p.size(); ++k) p.MutableWeights()[k] = static_cast<double>(k);
  for (uint16_t range : {7, 3000, 5}) {
    std::vector<double> before = p.weights().Expand(p.size());
    std::vector<uint16_t> steps(p.size());
    for (uint16_t& d : steps) d = static_cast<uint16_t>(1 + rng.Below(range));
    // Expected: each weight's (pre, delay, post, creation) key, sorted.
    std::vector<std::tuple<uint32_t, uint16_t, uint32_t, double>> expected;
    const std::vector<uint32_t> rows = p.PrePositions();
    for (size_t k = 0; k < p.size(); ++k)
      expected.emplace_back(rows[k], steps[k], p.post()[k], before[k]);
    std::sort(expected.begin(), expected.end());
    const std::vector<uint64_t> perm = p.SetDelays(steps);
    const std::vector<uint16_t> delays = p.Delays();
    for (size_t k = 0; k < p.size(); ++k) {
      EXPECT_EQ(std::get<1>(expected[k]), delays[k]) << k;
      EXPECT_EQ(std::get<2>(expected[k]), p.post()[k]) << k;
      EXPECT_EQ(std::get<3>(expected[k]), p.weights()[k]) << k;
      EXPECT_EQ(before[perm.empty() ? k : perm[k]], p.weights()[k]) << k;
    }
    const auto canonical = p.CanonicalOrder();
    for (size_t c = 0; c < canonical.size(); ++c)
      EXPECT_EQ(p.weights()[canonical[c]], static_cast<double>(c)) << c;
    const auto [lo, hi] = std::minmax_element(steps.begin(), steps.end());
    EXPECT_EQ(p.DelayRange(), (std::pair<uint16_t, uint16_t>{*lo, *hi}));
  }
}

// Checks that p's synapses are in storage order (pre, member, delay, post,
// creation; `member_of` of each post position), that weight = canonical
// index, and that member m's runs of each row hold exactly its synapses.
void ExpectGroupedAsDocumented(const Projection& p, const std::vector<uint32_t>& member_of,
                               uint32_t members) {
  const std::vector<uint32_t> rows = p.PrePositions();
  const std::vector<uint16_t> delays = p.Delays();
  const auto canonical = p.CanonicalOrder();
  std::vector<uint64_t> creation(p.size());  // storage index -> canonical index
  for (size_t c = 0; c < canonical.size(); ++c) creation[canonical[c]] = c;
  for (size_t k = 0; k < p.size(); ++k) {
    EXPECT_EQ(p.weights()[k], static_cast<double>(creation[k])) << k;
    if (k == 0 || rows[k] != rows[k - 1]) continue;
    const auto key = [&](size_t i) {
      return std::tuple{member_of[p.post()[i]], delays[i], p.post()[i], creation[i]};
    };
    EXPECT_LT(key(k - 1), key(k)) << k;
  }
  for (uint32_t row = 0; row < p.num_rows(); ++row) {
    uint64_t next = p.run_begin(row);
    for (uint32_t m = 0; m < members; ++m) {
      const auto [first, last] = p.MemberRuns(row, m);
      if (first == last) continue;
      EXPECT_EQ(first, next) << "row " << row << " member " << m;
      for (uint64_t k = p.run_start(first); k < p.run_start(last); ++k)
        EXPECT_EQ(member_of[p.post()[k]], m) << "row " << row << " synapse " << k;
      next = last;
    }
    EXPECT_EQ(next, p.run_begin(row + 1)) << "row " << row;
  }
}

TEST(ProjectionTest, GroupByMemberGivesEachMemberItsOwnRunsInTheDocumentedOrder) {
  // Two post parts; member 0 owns cells [0, 12) of part 0 and [0, 8) of
  // part 1, member 1 the rest. Positions 0-29 are part 0, 30-49 part 1.
  RingBuffer ring0, ring1;
  const uint32_t n_pre = 40, n_post = 50;
  std::vector<PostTarget> targets(n_post);
  std::vector<uint32_t> member_of(n_post);
  for (uint32_t j = 0; j < n_post; ++j) {
    targets[j] = j < 30 ? PostTarget{0, j} : PostTarget{1, j - 30};
    member_of[j] = j < 30 ? (j < 12 ? 0 : 1) : (j - 30 < 8 ? 0 : 1);
  }
  CounterRng rng(11, RngPurpose::kTest, 0);
  const auto [pre, post] = RandomRows(n_pre, n_post, 80, rng);
  Projection p(0, "p", 0, n_pre, pre, post, 1, targets, {&ring0, &ring1});
  for (size_t k = 0; k < p.size(); ++k) p.MutableWeights()[k] = static_cast<double>(k);
  auto random_delays = [&](uint16_t range) {
    std::vector<uint16_t> steps(p.size());
    for (uint16_t& d : steps) d = static_cast<uint16_t>(1 + rng.Below(range));
    return steps;
  };
  p.SetDelays(random_delays(5));
  const std::vector<std::vector<CellRange>> owned = {{{0, 12}, {0, 8}}, {{12, 30}, {8, 20}}};
  p.GroupByMember(owned);
  EXPECT_TRUE(p.Reaches(0) && p.Reaches(1));
  ExpectGroupedAsDocumented(p, member_of, 2);
  // New delays, one or several, and a wide range keep the grouping.
  for (uint16_t range : {7, 3000}) {
    p.SetDelays(random_delays(range));
    ExpectGroupedAsDocumented(p, member_of, 2);
  }
  p.SetUniformDelay(3);
  ExpectGroupedAsDocumented(p, member_of, 2);
  EXPECT_TRUE(p.SetUniformDelay(4).empty());  // one run per member and row: nothing moves
  ExpectGroupedAsDocumented(p, member_of, 2);
  p.SetDelays(random_delays(6));
  // Member 1 owning everything: back to one group, which member 0 never reads.
  p.GroupByMember({{{0, 0}, {0, 0}}, {{0, 30}, {0, 20}}});
  EXPECT_FALSE(p.Reaches(0));
  EXPECT_TRUE(p.Reaches(1));
  ExpectGroupedAsDocumented(p, std::vector<uint32_t>(n_post, 1), 2);
  for (uint32_t row = 0; row < n_pre; ++row) {
    const auto [first, last] = p.MemberRuns(row, 0);
    EXPECT_EQ(first, last);
  }
}

// The same synapses in the same storage order, with the same runs.
void ExpectStoredAlike(const Projection& a, const Projection& b) {
  EXPECT_EQ(Positions(a.post()), Positions(b.post()));
  EXPECT_EQ(a.weights().Expand(a.size()), b.weights().Expand(b.size()));
  EXPECT_EQ(a.Delays(), b.Delays());
  EXPECT_EQ(a.CanonicalOrder(), b.CanonicalOrder());
  EXPECT_EQ(a.DelayRange(), b.DelayRange());
  EXPECT_EQ(a.num_runs(), b.num_runs());
}

TEST(ProjectionTest, UnreportedDelaysOnAPoolArrangeExactlyAsReportedOnes) {
  // Large enough for the pool's members to take a share of the rows each,
  // with multapses and several delays per row.
  RingBuffer ring;
  const uint32_t n_pre = 3000, n_post = 500;
  CounterRng rng(23, RngPurpose::kTest, 0);
  const auto [pre, post] = RandomRows(n_pre, n_post, 120, rng);
  std::vector<uint16_t> steps(pre.size());
  for (uint16_t& d : steps) d = static_cast<uint16_t>(1 + rng.Below(9));
  auto make = [&] {
    auto p = std::make_unique<Projection>(0, "p", 0, n_pre, pre, post, 1, OnePostPopulation(n_post),
                                          std::vector<RingBuffer*>{&ring});
    for (size_t k = 0; k < p->size(); ++k) p->MutableWeights()[k] = static_cast<double>(k);
    return p;
  };
  auto reported = make(), pooled = make();
  ASSERT_GT(reported->size(), Projection::kParallelArrangeSynapses);
  WorkerPool pool(3);
  EXPECT_FALSE(reported->SetDelays(steps).empty());
  EXPECT_TRUE(pooled->SetDelays(steps, /*report=*/false, &pool).empty());
  ExpectStoredAlike(*pooled, *reported);
}

TEST(ProjectionTest, GroupByMemberOnAPoolArrangesExactlyAsOneThread) {
  // Large enough for the pool's members to take a share of the rows each
  // (kParallelArrangeSynapses), with multapses (RandomRows draws posts with
  // replacement) and several delays per row.
  RingBuffer ring;
  const uint32_t n_pre = 3000, n_post = 500;
  CounterRng rng(17, RngPurpose::kTest, 0);
  const auto [pre, post] = RandomRows(n_pre, n_post, 120, rng);
  const std::vector<PostTarget> targets = OnePostPopulation(n_post);
  std::vector<uint32_t> member_of(n_post);
  for (uint32_t j = 0; j < n_post; ++j) member_of[j] = j < 210 ? 0 : (j < 400 ? 1 : 2);
  std::vector<uint16_t> steps(pre.size());
  for (uint16_t& d : steps) d = static_cast<uint16_t>(1 + rng.Below(9));
  auto make = [&] {
    auto p = std::make_unique<Projection>(0, "p", 0, n_pre, pre, post, 1, targets,
                                          std::vector<RingBuffer*>{&ring});
    for (size_t k = 0; k < p->size(); ++k) p->MutableWeights()[k] = static_cast<double>(k);
    p->SetDelays(steps);
    return p;
  };
  auto one = make(), pooled = make();
  ASSERT_GT(one->size(), Projection::kParallelArrangeSynapses);
  const std::vector<std::vector<CellRange>> owned = {{{0, 210}}, {{210, 400}}, {{400, 500}}};
  WorkerPool pool(3);
  one->GroupByMember(owned);
  pooled->GroupByMember(owned, &pool);
  ExpectGroupedAsDocumented(*pooled, member_of, 3);
  ExpectStoredAlike(*pooled, *one);
  for (uint32_t row = 0; row < n_pre; ++row)
    for (uint32_t m = 0; m < 3; ++m) ASSERT_EQ(pooled->MemberRuns(row, m), one->MemberRuns(row, m));
}

TEST(RingBufferTest, GrowKeepsInputInFlightOnEveryReceptor) {
  RingBuffer ring;
  ring.Resize(2, 3, 4);
  ring.Add(1, 5, 1, 1.5);  // arrives at step 5; now is 3, slots hold 3..6
  ring.Add(0, 6, 0, 2.5);
  ring.Add(2, 3, 1, 0.5);
  ring.Grow(0, 10, 3);  // receptor 0 only: 16 slots
  EXPECT_EQ(ring.slots_of(0), 16u);
  EXPECT_EQ(ring.slots_of(1), 4u);
  EXPECT_EQ(ring.MemoryBytes(), (16 + 4 + 4) * 2 * sizeof(float));
  EXPECT_EQ(ring.Slot(1, 5)[1], 1.5);
  EXPECT_EQ(ring.Slot(0, 6)[0], 2.5);
  EXPECT_EQ(ring.Slot(2, 3)[1], 0.5);
  EXPECT_EQ(ring.Slot(0, 4)[0], 0.0);
  ring.Add(0, 12, 1, 1.0);  // a slot receptor 0 has only now
  EXPECT_EQ(ring.Slot(0, 12)[1], 1.0);
  EXPECT_EQ(ring.Slot(1, 12)[1], 0.0);  // receptor 1's step 4 (12 mod 4), still empty
  ring.Grow(1, 3, 3);                   // already long enough
  EXPECT_EQ(ring.slots_of(1), 4u);
  EXPECT_EQ(ring.Slot(1, 5)[1], 1.5);
}

}  // namespace
}  // namespace spikeserve::engine
