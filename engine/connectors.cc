#include "engine/connectors.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "engine/catalogue.h"
#include "engine/counter_rng.h"
#include "engine/errors.h"
#include "engine/expression.h"

namespace spikeserve::engine {
namespace {

// Pair number c -> (c / n_post, c % n_post), the pre and post positions of
// the canonical numbering pre * n_post + post. A 64-bit division per pair
// was a tenth of building the microcircuit; while every pair number fits in
// 32 bits (up to 65,536 x 65,536 cells), a multiplication by a precomputed
// reciprocal gives the same quotient and remainder (Lemire, Kaser and Kurz,
// "Faster remainder by direct computation", 2019: exact for all 32-bit
// numerators and divisors).
class PairSplitter {
 public:
  PairSplitter(uint64_t n_pre, uint64_t n_post)
      : n_post_(n_post),
        reciprocal_(n_post > 1 && n_pre * n_post <= (uint64_t{1} << 32) ? ~uint64_t{0} / n_post + 1
                                                                        : 0) {}
  uint64_t pre(uint64_t c) const {
    if (reciprocal_ == 0) return c / n_post_;
    return static_cast<uint64_t>((static_cast<unsigned __int128>(reciprocal_) * c) >> 64);
  }
  uint64_t post(uint64_t c) const {
    if (reciprocal_ == 0) return c % n_post_;
    const uint64_t fraction = reciprocal_ * c;  // mod 2^64
    return static_cast<uint64_t>((static_cast<unsigned __int128>(fraction) * n_post_) >> 64);
  }

 private:
  uint64_t n_post_;
  uint64_t reciprocal_;  // ceil(2^64 / n_post), or 0 where division is used
};

struct Params {
  bool allow_self = true;
  bool with_replacement = false;
  double p = 0.0;
  uint64_t n = 0;
  double degree = 0.0;    // µm
  double rewiring = 0.0;  // probability
  uint64_t n_connections = 0;
};

absl::StatusOr<Params> ReadParams(const ConnectorSpec& spec, const ConnectorInfo& info) {
  Params out;
  for (const auto& [name, value] : spec.params) {
    const std::string field = absl::StrCat("connector.", name);
    const ParameterInfo* p = nullptr;
    for (const auto& q : info.parameters)
      if (q.name == name) p = &q;
    if (p == nullptr) {
      std::vector<std::string> names;
      for (const auto& q : info.parameters) names.push_back(q.name);
      return InvalidArgument(field, reason::kUnknownParameter,
                             absl::StrCat(info.name, " has no parameter '", name, "'; parameters: ",
                                          names.empty() ? "(none)" : absl::StrJoin(names, ", ")));
    }
    if (!std::isfinite(value))
      return InvalidArgument(field, reason::kNotFinite, absl::StrCat(name, " must be finite"));
  }
  auto get = [&](const std::string& name) {
    auto it = spec.params.find(name);
    if (it != spec.params.end()) return it->second;
    for (const auto& q : info.parameters)
      if (q.name == name) return q.default_value;
    return 0.0;
  };
  auto flag = [&](const std::string& name, bool* out_flag) -> absl::Status {
    const double v = get(name);
    if (v != 0.0 && v != 1.0)
      return InvalidArgument(absl::StrCat("connector.", name), reason::kOutOfRange,
                             absl::StrCat(name, " must be 0 or 1, got ", v));
    *out_flag = v == 1.0;
    return absl::OkStatus();
  };
  for (const auto& q : info.parameters) {
    absl::Status s;
    if (q.name == "allow_self_connections") s = flag(q.name, &out.allow_self);
    if (q.name == "with_replacement") s = flag(q.name, &out.with_replacement);
    if (!s.ok()) return s;
    if (q.name == "p_connect" || q.name == "rewiring") {
      double& probability = q.name == "p_connect" ? out.p : out.rewiring;
      probability = get(q.name);
      if (!(probability >= 0.0 && probability <= 1.0))
        return InvalidArgument(absl::StrCat("connector.", q.name), reason::kOutOfRange,
                               absl::StrCat(q.name, " must lie in [0, 1], got ", probability));
    }
    if (q.name == "n" || q.name == "n_connections") {
      const double n = get(q.name);
      if (!(n >= 0.0) || n != std::floor(n) || n > 4e9)
        return InvalidArgument(absl::StrCat("connector.", q.name), reason::kOutOfRange,
                               absl::StrCat(q.name, " must be a whole number >= 0, got ", n));
      (q.name == "n" ? out.n : out.n_connections) = static_cast<uint64_t>(n);
    }
    if (q.name == "degree") {
      out.degree = get(q.name);
      if (!(out.degree >= 0.0))
        return InvalidArgument("connector.degree", reason::kOutOfRange,
                               absl::StrCat("degree must be >= 0 (um), got ", out.degree));
    }
  }
  return out;
}

// Position of every cell of `cells` by gid, to find "the same cell" across sets.
absl::flat_hash_map<uint64_t, uint32_t> PositionByGid(const std::vector<uint64_t>& gids) {
  absl::flat_hash_map<uint64_t, uint32_t> pos;
  pos.reserve(gids.size());
  for (uint32_t i = 0; i < gids.size(); ++i) pos.emplace(gids[i], i);
  return pos;
}

// Draws worth sharing among a pool's members: fewer take less time than
// waking them.
constexpr uint64_t kParallelPicks = 1 << 16;

// Connections generated owner by owner (a post cell for the post-major
// connectors, a pre cell for FixedNumberPost): the owner o's partners are
// other[start[o] .. start[o + 1]).
struct OwnerMajor {
  std::vector<uint32_t> other;
  std::vector<uint64_t> start{0};

  void EndOwner() { start.push_back(other.size()); }
};

// Sorts the pairs that for_each_pair(visit) visits, stably, by key(pre)
// (below n_keys) into out's positions from `begin` on: a counting sort, two
// passes over the pairs. Returns where each key's pairs start.
template <class Key, class ForEachPair>
std::vector<uint64_t> CountingSortByPre(uint32_t n_keys, Key key, ForEachPair for_each_pair,
                                        uint64_t begin, ConnectionList* out) {
  std::vector<uint64_t> start(n_keys + 1, 0);
  for_each_pair([&](uint32_t pre, uint32_t) { ++start[key(pre) + 1]; });
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<uint64_t> next(start.begin(), start.end() - 1);
  for_each_pair([&](uint32_t pre, uint32_t post) {
    const uint64_t slot = begin + next[key(pre)]++;
    out->pre[slot] = pre;
    out->post[slot] = post;
  });
  return start;
}

// Reorders post-major output into canonical order: a stable sort by pre,
// which keeps the posts ascending inside each pre row. Sorted in one pass,
// a pair goes to one of n_pre places that move on independently: with more
// than a few thousand, every write missed the cache, a third of building a
// million-cell network. So for many pres the pairs are first dealt, stably,
// into blocks of kPreBlock consecutive pres (few places at a time), and
// then each block, small enough for the cache, is sorted by pre in place.
// `pieces` hold consecutive post cells, in order.
void CanonicalFromPostMajor(uint32_t n_pre, absl::Span<const OwnerMajor> pieces, WorkerPool* pool,
                            ConnectionList* out) {
  static constexpr uint32_t kOnePassPres = 4096;
  static constexpr int kPreBlockBits = 10;
  static constexpr uint32_t kPreBlock = 1u << kPreBlockBits;
  auto post_major = [&](auto visit) {
    uint32_t post = 0;
    for (const OwnerMajor& piece : pieces)
      for (size_t o = 0; o + 1 < piece.start.size(); ++o, ++post)
        for (uint64_t k = piece.start[o]; k < piece.start[o + 1]; ++k) visit(piece.other[k], post);
  };
  uint64_t n = 0;
  for (const OwnerMajor& piece : pieces) n += piece.other.size();
  out->pre.resize(n);
  out->post.resize(n);
  if (n_pre <= kOnePassPres) {
    CountingSortByPre(
        n_pre, [](uint32_t pre) { return pre; }, post_major, 0, out);
    return;
  }
  const std::vector<uint64_t> block_start =
      CountingSortByPre((n_pre >> kPreBlockBits) + 1,
                        [](uint32_t pre) { return pre >> kPreBlockBits; }, post_major, 0, out);
  // Blocks are sorted each in its own range: shared among the pool.
  ForEachShare(pool, block_start.size() - 1, [&](uint64_t first_block, uint64_t end_block, int) {
    std::vector<uint32_t> block_pre, block_post;
    for (uint64_t block = first_block; block < end_block; ++block) {
      const uint64_t begin = block_start[block], end = block_start[block + 1];
      block_pre.assign(out->pre.begin() + begin, out->pre.begin() + end);
      block_post.assign(out->post.begin() + begin, out->post.begin() + end);
      CountingSortByPre(
          kPreBlock, [](uint32_t pre) { return pre & (kPreBlock - 1); },
          [&](auto visit) {
            for (size_t k = 0; k < block_pre.size(); ++k) visit(block_pre[k], block_post[k]);
          },
          begin, out);
    }
  });
}

// Reused from one owner to the next, so that choosing allocates nothing per
// owner once the containers have grown. Without replacement, the candidates
// drawn so far are a bit each when there are at most kBitsPerPick
// candidates per pick (a hash set costs some 16 bytes per entry and a probe
// per insertion), else a hash set; both are empty between draws.
struct ChooseScratch {
  static constexpr uint64_t kBitsPerPick = 128;
  std::vector<uint64_t> bits;
  absl::flat_hash_set<uint64_t> taken;
  std::vector<uint64_t> chosen;
};

// Draws `n` of the candidates 0..m-1 (Floyd's algorithm without
// replacement) into scratch.chosen: in stream order, or ascending if
// `sorted`.
std::vector<uint64_t>& Draw(CounterRng& rng, uint64_t m, uint64_t n, bool with_replacement,
                            bool sorted, ChooseScratch& scratch) {
  std::vector<uint64_t>& chosen = scratch.chosen;
  chosen.clear();
  chosen.reserve(n);
  // Floyd's algorithm; take(c) marks c taken and says whether it was not.
  auto floyd = [&](auto take) {
    for (uint64_t k = m - n; k < m; ++k) {
      const uint64_t t = rng.Below(k + 1);
      const uint64_t pick = take(t) ? t : k;
      if (pick == k) take(k);
      chosen.push_back(pick);
    }
  };
  if (with_replacement) {
    for (uint64_t k = 0; k < n; ++k) chosen.push_back(rng.Below(m));
  } else if (m <= ChooseScratch::kBitsPerPick * n) {
    std::vector<uint64_t>& bits = scratch.bits;
    const uint64_t words = (m + 63) / 64;
    if (bits.size() < words) bits.resize(words, 0);
    floyd([&](uint64_t c) {
      const uint64_t bit = uint64_t{1} << (c & 63);
      const bool fresh = (bits[c >> 6] & bit) == 0;
      bits[c >> 6] |= bit;
      return fresh;
    });
    // The set bits are exactly the picks. Sorted, they are read off the
    // words in order (at most 2n words), which is cheaper than a sort.
    if (sorted) {
      chosen.clear();
      for (uint64_t w = 0; w < words; ++w)
        for (uint64_t word = bits[w]; word != 0; word &= word - 1)
          chosen.push_back(w * 64 + static_cast<uint64_t>(__builtin_ctzll(word)));
      std::fill_n(bits.begin(), words, 0);
      return chosen;
    }
    for (uint64_t c : chosen) bits[c >> 6] = 0;
  } else {
    // Step k of Floyd's algorithm draws Below(k + 1) whatever the earlier
    // steps picked, and picks that draw unless an earlier step picked it.
    // So if the draws are distinct, they are the picks: with many more
    // candidates than picks almost always, and then sorting them is all a
    // sorted draw needs, without the set. Otherwise the same draws again,
    // from a copy of the stream, through the set.
    if (sorted) {
      const CounterRng start = rng;
      for (uint64_t k = m - n; k < m; ++k) chosen.push_back(rng.Below(k + 1));
      std::sort(chosen.begin(), chosen.end());
      if (std::adjacent_find(chosen.begin(), chosen.end()) == chosen.end()) return chosen;
      rng = start;
      chosen.clear();
    }
    scratch.taken.clear();
    floyd([&](uint64_t c) { return scratch.taken.insert(c).second; });
  }
  if (sorted) std::sort(chosen.begin(), chosen.end());
  return chosen;
}

absl::Status TooFew(const std::string& what, uint64_t n, uint64_t m) {
  return InvalidArgument(
      "connector.n", reason::kOutOfRange,
      absl::StrCat("n = ", n, " exceeds the ", m, " candidate ", what, " (without replacement)"));
}

// FixedNumberPre (owner = post, chosen from pre) and FixedNumberPost (owner =
// pre, chosen from post) are the same algorithm with the roles swapped.
// Every owner gets exactly n, from a stream of its own: owners are shared
// among the pool's members, each writing its owners' places.
absl::Status FixedNumber(const Params& p, const std::vector<uint64_t>& owners,
                         const std::vector<uint64_t>& others, uint64_t seed, bool owner_is_post,
                         WorkerPool* pool, OwnerMajor* out) {
  // Only self-connections need an owner's position among the others.
  const auto other_pos = p.allow_self ? absl::flat_hash_map<uint64_t, uint32_t>()
                                      : PositionByGid(others);
  auto self_of = [&](uint64_t o) -> int64_t {
    if (p.allow_self) return -1;
    const auto it = other_pos.find(owners[o]);
    return it == other_pos.end() ? -1 : it->second;
  };
  auto candidates = [&](int64_t self) { return others.size() - (self >= 0 ? 1 : 0); };
  if (p.n > 0 && (others.size() <= 1 || (!p.with_replacement && p.n >= others.size()))) {
    for (uint64_t o = 0; o < owners.size(); ++o) {
      const uint64_t m = candidates(self_of(o));
      if (m == 0 || (!p.with_replacement && p.n > m))
        return TooFew(owner_is_post ? "pre cells" : "post cells", p.n, m);
    }
  }
  out->other.resize(owners.size() * p.n);
  out->start.resize(owners.size() + 1);
  for (uint64_t o = 0; o <= owners.size(); ++o) out->start[o] = o * p.n;
  WorkerPool* share_pool = out->other.size() >= kParallelPicks ? pool : nullptr;
  ForEachShare(share_pool, owners.size(), [&](uint64_t begin, uint64_t end, int) {
    ChooseScratch scratch;
    for (uint64_t o = begin; o < end; ++o) {
      const int64_t self = self_of(o);
      CounterRng rng(seed, RngPurpose::kConnectivity, o, owner_is_post ? 1 : 2);
      uint32_t* pick = out->other.data() + o * p.n;
      for (uint64_t c :
           Draw(rng, candidates(self), p.n, p.with_replacement, /*sorted=*/true, scratch))
        *pick++ = static_cast<uint32_t>(self >= 0 && c >= static_cast<uint64_t>(self) ? c + 1 : c);
    }
  });
  return absl::OkStatus();
}

// SmallWorldConnector, per pre cell i in its own stream: the lattice
// targets are the post cells within `degree` (its n_connections nearest of
// them, ties by index, when given); then each lattice edge, in post order,
// is rewired with probability `rewiring` to a post cell drawn uniformly
// among those i does not reach yet (Watts & Strogatz 1998, directed). The
// out-degree is kept and no pair is connected twice.
absl::Status SmallWorld(const Params& p, const std::vector<uint64_t>& pre_gids,
                        const std::vector<uint64_t>& post_gids, uint64_t seed,
                        const PairDistances& distance, ConnectionList* out) {
  const auto post_pos = PositionByGid(post_gids);
  const uint32_t n_post = static_cast<uint32_t>(post_gids.size());
  for (uint32_t i = 0; i < pre_gids.size(); ++i) {
    int64_t self = -1;
    if (!p.allow_self) {
      auto it = post_pos.find(pre_gids[i]);
      if (it != post_pos.end()) self = it->second;
    }
    std::vector<std::pair<double, uint32_t>> lattice;
    for (uint32_t j = 0; j < n_post; ++j) {
      const double d = distance(i, j);
      if (j != self && d < p.degree) lattice.emplace_back(d, j);
    }
    if (p.n_connections > 0) {
      if (lattice.size() < p.n_connections)
        return InvalidArgument(
            "connector.n_connections", reason::kOutOfRange,
            absl::StrCat("pre cell ", i, " has ", lattice.size(), " post cells within degree ",
                         p.degree, " um, fewer than n_connections = ", p.n_connections));
      std::sort(lattice.begin(), lattice.end());
      lattice.resize(p.n_connections);
    }
    std::vector<uint32_t> targets;
    for (const auto& [d, j] : lattice) targets.push_back(j);
    std::sort(targets.begin(), targets.end());
    std::vector<bool> taken(n_post, false);
    for (uint32_t j : targets) taken[j] = true;
    const uint64_t eligible = n_post - (self >= 0 ? 1 : 0);
    uint64_t free_cells = eligible - targets.size();
    CounterRng rng(seed, RngPurpose::kConnectivity, i, 5);
    for (uint32_t& j : targets) {
      if (!(rng.Uniform() < p.rewiring) || free_cells == 0) continue;
      uint32_t pick = 0;
      if (2 * free_cells >= eligible) {  // mostly free: redraw, under 2 draws on average
        do {
          const uint64_t c = rng.Below(eligible);
          pick = static_cast<uint32_t>(self >= 0 && c >= static_cast<uint64_t>(self) ? c + 1 : c);
        } while (taken[pick]);
      } else {  // mostly taken: the k-th free cell, k uniform
        uint64_t k = rng.Below(free_cells);
        for (;; ++pick)
          if (!taken[pick] && pick != self && k-- == 0) break;
      }
      taken[j] = false;
      taken[pick] = true;
      j = pick;
    }
    std::sort(targets.begin(), targets.end());
    for (uint32_t j : targets) {
      out->pre.push_back(i);
      out->post.push_back(j);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ConnectionList> FromList(const ConnectorSpec& spec, uint64_t n_pre,
                                        uint64_t n_post) {
  // Whether a column names a parameter of the synapse type is for the caller
  // to judge; here only that each column comes once.
  std::vector<std::string> columns = spec.column_names;
  for (size_t c = 0; c < columns.size(); ++c)
    if (std::find(columns.begin(), columns.begin() + c, columns[c]) != columns.begin() + c)
      return InvalidArgument("connector.column_names", reason::kConflict,
                             absl::StrCat("column '", columns[c], "' appears twice"));
  if (columns.empty() && !spec.rows.empty() && spec.rows[0].size() == 4)
    columns = {"weight", "delay"};
  const size_t width = 2 + columns.size();
  std::vector<size_t> order(spec.rows.size());
  for (size_t r = 0; r < spec.rows.size(); ++r) {
    const auto& row = spec.rows[r];
    const std::string field = absl::StrCat("connector.rows[", r, "]");
    if (row.size() != width)
      return InvalidArgument(field, reason::kWrongLength,
                             absl::StrCat("expected ", width, " values, got ", row.size()));
    for (int side = 0; side < 2; ++side) {
      const double v = row[side];
      const uint64_t limit = side == 0 ? n_pre : n_post;
      if (!(v >= 0) || v != std::floor(v) || v >= static_cast<double>(limit))
        return InvalidArgument(field, reason::kIndexOutOfRange,
                               absl::StrCat(side == 0 ? "pre" : "post", " index ", v,
                                            " is not a whole number in [0, ", limit, ")"));
    }
    for (size_t c = 2; c < width; ++c)
      if (!std::isfinite(row[c]))
        return InvalidArgument(field, reason::kNotFinite,
                               absl::StrCat(columns[c - 2], " must be finite"));
    order[r] = r;
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::make_pair(spec.rows[a][0], spec.rows[a][1]) <
           std::make_pair(spec.rows[b][0], spec.rows[b][1]);
  });
  ConnectionList out;
  for (size_t r : order) {
    out.pre.push_back(static_cast<uint32_t>(spec.rows[r][0]));
    out.post.push_back(static_cast<uint32_t>(spec.rows[r][1]));
    for (size_t c = 0; c < columns.size(); ++c)
      out.columns[columns[c]].push_back(spec.rows[r][2 + c]);
  }
  return out;
}

}  // namespace

absl::StatusOr<ConnectionList> Connect(const ConnectorSpec& spec,
                                       const std::vector<uint64_t>& pre_gids,
                                       const std::vector<uint64_t>& post_gids, uint64_t seed,
                                       const PairDistances& distance,
                                       const ConnectionList* reference, WorkerPool* pool) {
  const ConnectorInfo* info = nullptr;
  for (const auto& c : Connectors())
    if (c.name == spec.name) info = &c;
  if (info == nullptr) {
    std::vector<std::string> names;
    for (const auto& c : Connectors()) names.push_back(c.name);
    return InvalidArgument(
        "connector.name", reason::kUnknownConnector,
        absl::StrCat("unknown connector '", spec.name, "'; known: ", absl::StrJoin(names, ", ")));
  }
  auto params = ReadParams(spec, *info);
  if (!params.ok()) return params.status();
  const Params& p = *params;
  const uint32_t n_pre = static_cast<uint32_t>(pre_gids.size());
  const uint32_t n_post = static_cast<uint32_t>(post_gids.size());
  ConnectionList out;
  if (spec.name == "FromListConnector") return FromList(spec, n_pre, n_post);
  if (!spec.rows.empty() || !spec.column_names.empty())
    return InvalidArgument("connector.rows", reason::kConflict,
                           "rows are only for FromListConnector");
  if (spec.name != "ArrayConnector" && !spec.matrix.empty())
    return InvalidArgument("connector.matrix_u8", reason::kConflict,
                           "a matrix is only for ArrayConnector");
  if ((spec.name == "CloneConnector") != (reference != nullptr))
    return InvalidArgument("connector.reference_projection_id", reason::kConflict,
                           "a reference projection is only for CloneConnector");
  const bool distance_based = spec.name == "DistanceDependentProbabilityConnector";
  if (distance_based && spec.distance_expression.empty())
    return InvalidArgument(
        "connector.distance_expression", reason::kMissing,
        absl::StrCat(spec.name, " needs a distance_expression, e.g. \"exp(-d/100)\""));
  if (!distance_based && !spec.distance_expression.empty())
    return InvalidArgument("connector.distance_expression", reason::kConflict,
                           "distance_expression is only for DistanceDependentProbabilityConnector");

  if (spec.name == "AllToAllConnector") {
    for (uint32_t i = 0; i < n_pre; ++i)
      for (uint32_t j = 0; j < n_post; ++j)
        if (p.allow_self || pre_gids[i] != post_gids[j]) {
          out.pre.push_back(i);
          out.post.push_back(j);
        }
  } else if (spec.name == "OneToOneConnector") {
    for (uint32_t i = 0; i < std::min(n_pre, n_post); ++i) {
      out.pre.push_back(i);
      out.post.push_back(i);
    }
  } else if (spec.name == "FixedProbabilityConnector") {
    // Each post cell's pres come from a stream of its own: the post cells
    // are shared among the pool's members, each drawing a piece of them.
    WorkerPool* share_pool = p.p * n_pre * n_post >= kParallelPicks ? pool : nullptr;
    std::vector<OwnerMajor> pieces(share_pool != nullptr ? share_pool->size() : 1);
    const double log_q = std::log1p(-p.p);
    ForEachShare(share_pool, p.p > 0.0 ? n_post : 0, [&](uint64_t begin, uint64_t end, int member) {
      OwnerMajor& piece = pieces[member];
      piece.other.reserve(static_cast<size_t>(p.p * n_pre * (end - begin) * 1.01) + 64);
      piece.start.reserve(end - begin + 1);
      for (uint64_t j = begin; j < end; ++j) {
        CounterRng rng(seed, RngPurpose::kConnectivity, j, 0);
        // Gaps between successes of Bernoulli(p) trials are geometric.
        for (double i = -1.0;;) {
          i += p.p >= 1.0 ? 1.0 : 1.0 + std::floor(std::log(rng.Uniform()) / log_q);
          if (i >= n_pre) break;
          const uint32_t pre = static_cast<uint32_t>(i);
          if (p.allow_self || pre_gids[pre] != post_gids[j]) piece.other.push_back(pre);
        }
        piece.EndOwner();
      }
    });
    CanonicalFromPostMajor(n_pre, pieces, pool, &out);
  } else if (spec.name == "CloneConnector") {
    // PyNN clones the reference's connection matrix, so a multapse counts once.
    for (size_t k = 0; k < reference->pre.size(); ++k)
      if (out.pre.empty() || out.pre.back() != reference->pre[k] ||
          out.post.back() != reference->post[k]) {
        out.pre.push_back(reference->pre[k]);
        out.post.push_back(reference->post[k]);
      }
  } else if (spec.name == "ArrayConnector") {
    if (spec.matrix.size() != uint64_t{n_pre} * n_post)
      return InvalidArgument("connector.matrix_u8", reason::kWrongLength,
                             absl::StrCat("expected n_pre * n_post = ", n_pre, " * ", n_post,
                                          " bytes, got ", spec.matrix.size()));
    for (uint32_t i = 0; i < n_pre; ++i)
      for (uint32_t j = 0; j < n_post; ++j)
        if (spec.matrix[uint64_t{i} * n_post + j] != 0) {
          out.pre.push_back(i);
          out.post.push_back(j);
        }
  } else if (spec.name == "SmallWorldConnector") {
    if (auto s = SmallWorld(p, pre_gids, post_gids, seed, distance, &out); !s.ok()) return s;
  } else if (spec.name == "DistanceDependentProbabilityConnector") {
    auto probability = Expression::Parse(spec.distance_expression, "connector.distance_expression");
    if (!probability.ok()) return probability.status();
    OwnerMajor by_post;
    for (uint32_t j = 0; j < n_post; ++j) {
      CounterRng rng(seed, RngPurpose::kConnectivity, j, 4);
      for (uint32_t i = 0; i < n_pre; ++i) {
        // PyNN connects where uniform(0, 1) < p: p >= 1 always, p <= 0 or NaN never.
        const bool drawn = rng.Uniform() < probability->Evaluate(distance(i, j));
        if (drawn && (p.allow_self || pre_gids[i] != post_gids[j])) by_post.other.push_back(i);
      }
      by_post.EndOwner();
    }
    CanonicalFromPostMajor(n_pre, {&by_post, 1}, pool, &out);
  } else if (spec.name == "FixedNumberPreConnector") {
    OwnerMajor by_post;
    auto s = FixedNumber(p, post_gids, pre_gids, seed, true, pool, &by_post);
    if (!s.ok()) return s;
    CanonicalFromPostMajor(n_pre, {&by_post, 1}, pool, &out);
  } else if (spec.name == "FixedNumberPostConnector") {
    OwnerMajor by_pre;
    auto s = FixedNumber(p, pre_gids, post_gids, seed, false, pool, &by_pre);
    if (!s.ok()) return s;
    out.post = std::move(by_pre.other);
    out.pre.resize(out.post.size());
    for (uint32_t pre = 0; pre < n_pre; ++pre)
      std::fill(out.pre.begin() + by_pre.start[pre], out.pre.begin() + by_pre.start[pre + 1], pre);
  } else if (spec.name == "FixedTotalNumberConnector") {
    // Pairs are numbered canonically (pre * n_post + post); self pairs are
    // taken out of the numbering when disallowed.
    std::vector<uint64_t> self_pairs;
    if (!p.allow_self) {
      const auto post_pos = PositionByGid(post_gids);
      for (uint32_t i = 0; i < n_pre; ++i) {
        auto it = post_pos.find(pre_gids[i]);
        if (it != post_pos.end()) self_pairs.push_back(uint64_t{i} * n_post + it->second);
      }
      std::sort(self_pairs.begin(), self_pairs.end());
    }
    const uint64_t m = uint64_t{n_pre} * n_post - self_pairs.size();
    if (p.n > 0 && (m == 0 || (!p.with_replacement && p.n > m))) return TooFew("pairs", p.n, m);
    CounterRng rng(seed, RngPurpose::kConnectivity, 0, 3);
    ChooseScratch scratch;
    std::vector<uint64_t>& pairs = Draw(rng, m, p.n, p.with_replacement, /*sorted=*/false, scratch);
    // Self pair k has self_pairs[k] - k allowed pairs before it, so the c-th
    // allowed pair lies past every self pair with at most c before it.
    for (size_t k = 0; k < self_pairs.size(); ++k) self_pairs[k] -= k;
    // The pairs in ascending order, as one sort of all of them would give,
    // by two stable counting sorts (least significant digit first): by post
    // into `pre_by_post`, then by pre into the output.
    const PairSplitter split(n_pre, n_post);
    std::vector<uint64_t> row_start(uint64_t{n_pre} + 1, 0), column_start(uint64_t{n_post} + 1, 0);
    for (uint64_t& c : pairs) {
      if (!self_pairs.empty())
        c += std::upper_bound(self_pairs.begin(), self_pairs.end(), c) - self_pairs.begin();
      ++row_start[split.pre(c) + 1];
      ++column_start[split.post(c) + 1];
    }
    std::partial_sum(row_start.begin(), row_start.end(), row_start.begin());
    std::partial_sum(column_start.begin(), column_start.end(), column_start.begin());
    std::vector<uint32_t> pre_by_post(pairs.size());
    for (uint64_t c : pairs)
      pre_by_post[column_start[split.post(c)]++] = static_cast<uint32_t>(split.pre(c));
    scratch = ChooseScratch();  // the draws' memory back before the output is made
    out.post.resize(pre_by_post.size());
    {
      std::vector<uint64_t> next(row_start.begin(), row_start.end() - 1);
      // column_start[j] now ends column j.
      for (uint64_t j = 0, k = 0; j < n_post; ++j)
        for (; k < column_start[j]; ++k)
          out.post[next[pre_by_post[k]]++] = static_cast<uint32_t>(j);
    }
    pre_by_post = std::vector<uint32_t>();
    out.pre.resize(out.post.size());
    for (uint32_t i = 0; i < n_pre; ++i)
      std::fill(out.pre.begin() + row_start[i], out.pre.begin() + row_start[i + 1], i);
  }
  return out;
}

}  // namespace spikeserve::engine
