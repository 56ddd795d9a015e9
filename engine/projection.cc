#include "engine/projection.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "engine/permute_range.h"

namespace spikeserve::engine {

Projection::Projection(ProjectionId id, std::string label, uint32_t receptor, uint32_t n_pre,
                       const std::vector<uint32_t>& pre, std::vector<uint32_t> post, uint16_t delay,
                       std::vector<PostTarget> post_targets, std::vector<RingBuffer*> post_rings)
    : id_(id),
      label_(std::move(label)),
      receptor_(receptor),
      row_start_(n_pre + 1, 0),
      run_begin_(n_pre + 1, 0),
      post_(std::move(post), post_targets.size()),
      post_targets_(std::move(post_targets)),
      post_rings_(std::move(post_rings)) {
  for (uint32_t p : pre) ++row_start_[p + 1];
  for (uint32_t i = 0; i < n_pre; ++i) row_start_[i + 1] += row_start_[i];
  uint32_t rank = 0;
  for (uint64_t k = 1; k < post_.size(); ++k) {
    rank = pre[k] == pre[k - 1] && post_[k] == post_[k - 1] ? rank + 1 : 0;
    if (rank > 0) tie_ranks_.push_back({k, rank});
  }
  tie_ranks_.shrink_to_fit();
  FindContiguousParts();
  one_to_one_ = post_rings_.size() == 1 && part_shift_.size() == 1 && part_shift_[0] == 0 &&
                post_.size() == n_pre;
  for (uint32_t i = 0; i < n_pre && one_to_one_; ++i)
    one_to_one_ = row_start_[i] == i && post_[i] == i;
  for (uint32_t i = 0; i < n_pre; ++i) {
    run_begin_[i] = runs_.size();
    if (row_start_[i + 1] > row_start_[i]) runs_.push_back({row_start_[i], delay});
  }
  run_begin_[n_pre] = runs_.size();
  if (!runs_.empty()) delay_range_ = {delay, delay};
  runs_.push_back({post_.size(), 0});
  runs_.shrink_to_fit();
}

void Projection::FindContiguousParts() {
  std::vector<uint32_t> end, shift;
  for (uint32_t position = 0; position < post_targets_.size(); ++position) {
    const PostTarget& t = post_targets_[position];
    if (end.empty() || t.part != end.size() - 1) {
      if (t.part != end.size()) return;  // a part seen before, or skipped
      end.push_back(position);
      shift.push_back(t.index - position);
    }
    if (t.index != position + shift.back()) return;
    end.back() = position + 1;
  }
  if (end.size() != post_rings_.size()) return;
  part_end_ = std::move(end);
  part_shift_ = std::move(shift);
  // The parts say where every position is: 8 bytes per post cell less.
  post_targets_.clear();
  post_targets_.shrink_to_fit();
}

std::vector<uint64_t> Projection::SetUniformDelay(uint16_t steps, bool report, WorkerPool* pool) {
  // Where every member's part of a row is one delay run, the synapses are in
  // the order one delay gives them already; elsewhere they must be sorted.
  for (size_t j = 0; j + 1 < run_begin_.size(); ++j)
    if (run_begin_[j + 1] - run_begin_[j] > 1)
      return SetDelays(std::vector<uint16_t>(post_.size(), steps), report, pool);
  for (uint64_t r = 0; r < num_runs(); ++r) runs_[r].delay = steps;
  delay_range_ = num_runs() == 0 ? std::pair<uint16_t, uint16_t>{0, 0} : std::pair{steps, steps};
  return {};
}

std::vector<uint32_t> Projection::PrePositions() const {
  std::vector<uint32_t> pre(post_.size());
  for (uint32_t i = 0; i < num_rows(); ++i)
    std::fill(pre.begin() + row_start_[i], pre.begin() + row_start_[i + 1], i);
  return pre;
}

std::vector<uint16_t> Projection::Delays() const {
  std::vector<uint16_t> d(post_.size());
  for (uint64_t r = 0; r < num_runs(); ++r)
    std::fill(d.begin() + run_start(r), d.begin() + run_start(r + 1), run_delay(r));
  return d;
}

uint32_t Projection::Rank(uint64_t k) const {
  if (tie_ranks_.empty()) return 0;
  auto it = std::lower_bound(tie_ranks_.begin(), tie_ranks_.end(), k,
                             [](const TieRank& t, uint64_t v) { return t.synapse < v; });
  return it != tie_ranks_.end() && it->synapse == k ? it->rank : 0;
}

bool Projection::StoredCanonically() const {
  for (uint32_t i = 0; i < num_rows(); ++i)
    if (run_begin(i + 1) - run_begin(i) > 1) return false;
  return true;
}

std::vector<uint64_t> Projection::CanonicalOrder() const {
  std::vector<uint64_t> order(post_.size());
  std::iota(order.begin(), order.end(), 0);
  auto before = [&](uint64_t a, uint64_t b) { return PostThenRank(a, b); };
  for (uint32_t i = 0; i < num_rows(); ++i) {
    // A row of one delay run is stored in canonical order already.
    if (run_begin(i + 1) - run_begin(i) <= 1) continue;
    std::sort(order.begin() + row_start_[i], order.begin() + row_start_[i + 1], before);
  }
  return order;
}

std::vector<uint64_t> Projection::Arrange(const std::vector<uint16_t>& steps, uint32_t old_members,
                                          bool report, WorkerPool* pool) {
  // Shares of about equal synapses, so that the members finish together; a
  // permutation to report is filled on the first row that needs a reorder,
  // which only one share can tell.
  const uint32_t shares =
      pool != nullptr && !report && size() >= kParallelArrangeSynapses ? pool->size() : 1;
  std::vector<uint32_t> first_row(shares + 1, num_rows());
  for (uint32_t c = 0; c < shares; ++c)
    first_row[c] = static_cast<uint32_t>(
        std::lower_bound(row_start_.begin(), row_start_.end() - 1, size() * c / shares) -
        row_start_.begin());
  std::vector<uint64_t> perm;
  std::vector<ArrangedRows> parts(shares);
  if (shares == 1) {
    parts[0] = ArrangeRows(0, num_rows(), steps, old_members, report ? &perm : nullptr);
  } else {
    pool->Run([&](int c) {
      parts[c] = ArrangeRows(first_row[c], first_row[c + 1], steps, old_members, nullptr);
    });
  }
  std::vector<DelayRun> runs;
  std::vector<TieRank> ranks;
  std::vector<uint64_t> row_runs(num_rows() + 1);  // first run of each row
  delay_range_ = {UINT16_MAX, 0};
  for (uint32_t c = 0; c < shares; ++c) {
    ArrangedRows& part = parts[c];
    for (uint32_t i = first_row[c]; i < first_row[c + 1]; ++i)
      row_runs[i] = runs.size() + part.row_runs[i - first_row[c]];
    runs.insert(runs.end(), part.runs.begin(), part.runs.end());
    ranks.insert(ranks.end(), part.ranks.begin(), part.ranks.end());
    delay_range_ = {std::min(delay_range_.first, part.lo), std::max(delay_range_.second, part.hi)};
  }
  row_runs[num_rows()] = runs.size();
  runs.push_back({post_.size(), 0});
  runs.shrink_to_fit();
  runs_ = std::move(runs);
  ranks.shrink_to_fit();
  tie_ranks_ = std::move(ranks);
  if (runs_.size() == 1) delay_range_ = {0, 0};
  if (members_ == 1) {
    run_begin_ = std::move(row_runs);
    return perm;
  }
  // A row's runs ascend by member: where each member's begin.
  run_begin_.assign(uint64_t{num_rows()} * members_ + 1, 0);
  for (uint32_t i = 0; i < num_rows(); ++i) {
    uint64_t r = row_runs[i];
    for (uint32_t m = 0; m < members_; ++m) {
      run_begin_[uint64_t{i} * members_ + m] = r;
      while (r < row_runs[i + 1] && MemberOf(post_[run_start(r)]) == m) ++r;
    }
  }
  run_begin_.back() = row_runs.back();
  return perm;
}

Projection::ArrangedRows Projection::ArrangeRows(uint32_t first, uint32_t last,
                                                 const std::vector<uint16_t>& steps,
                                                 uint32_t old_members,
                                                 std::vector<uint64_t>* perm) {
  // Row by row: the row's synapses in canonical order (as stored when the row
  // holds one delay run, else sorted back by post and tie rank), then a
  // stable counting sort by member and new delay gives storage order, and
  // the count of each (member, delay) its run. Scratch is per row; nothing
  // is sorted by comparison unless a row held several runs or spans a wide
  // delay range.
  ArrangedRows out;
  out.row_runs.resize(last - first);
  std::vector<uint32_t> canonical, sorted, count, rank;
  std::vector<uint32_t> post_scratch;  // for PostPositions::Permute
  std::vector<double> weight_scratch;
  const bool shared_weight = weight_.stride() == 0;
  auto below = [](const TieRank& t, uint64_t synapse) { return t.synapse < synapse; };
  // The first of tie_ranks_ not before the row.
  size_t tie = std::lower_bound(tie_ranks_.begin(), tie_ranks_.end(), row_start_[first], below) -
               tie_ranks_.begin();
  for (uint32_t i = first; i < last; ++i) {
    const uint64_t b = row_start_[i], e = row_start_[i + 1];
    const uint32_t n = static_cast<uint32_t>(e - b);
    const bool several_runs =  // before the change
        run_begin_[uint64_t{i + 1} * old_members] - run_begin_[uint64_t{i} * old_members] > 1;
    out.row_runs[i - first] = out.runs.size();
    const size_t ties_end =
        std::lower_bound(tie_ranks_.begin() + tie, tie_ranks_.end(), e, below) - tie_ranks_.begin();
    if (n == 0) continue;
    canonical.resize(n);
    std::iota(canonical.begin(), canonical.end(), 0u);
    if (ties_end > tie) {
      rank.assign(n, 0);
      for (size_t t = tie; t < ties_end; ++t) rank[tie_ranks_[t].synapse - b] = tie_ranks_[t].rank;
    }
    uint16_t lo = UINT16_MAX, hi = 0;
    for (uint64_t k = b; k < e; ++k) {
      lo = std::min(lo, steps[k]);
      hi = std::max(hi, steps[k]);
    }
    out.lo = std::min(out.lo, lo);
    out.hi = std::max(out.hi, hi);
    if (several_runs) {
      auto before = [&](uint32_t x, uint32_t y) {
        return post_[b + x] != post_[b + y] ? post_[b + x] < post_[b + y]
                                            : (ties_end > tie && rank[x] < rank[y]);
      };
      std::sort(canonical.begin(), canonical.end(), before);
    }
    sorted.resize(n);
    // Key: member, then delay, with delay_width keys per member.
    const uint32_t delay_width = uint32_t{hi} - lo + 1;
    const uint32_t width = delay_width * members_;
    auto key = [&](uint32_t x) { return MemberOf(post_[b + x]) * delay_width + steps[b + x] - lo; };
    auto delay_of = [&](uint32_t k) { return static_cast<uint16_t>(lo + k % delay_width); };
    if (width <= 2 * n + 64) {
      count.assign(width + 1, 0);
      for (uint32_t x : canonical) ++count[key(x) + 1];
      for (uint32_t k = 0; k < width; ++k) {
        if (count[k + 1] > 0) out.runs.push_back({b + count[k], delay_of(k)});
        count[k + 1] += count[k];
      }
      for (uint32_t x : canonical) sorted[count[key(x)]++] = x;
    } else {  // a few synapses spread over many delays
      sorted = canonical;
      std::stable_sort(sorted.begin(), sorted.end(),
                       [&](uint32_t x, uint32_t y) { return key(x) < key(y); });
      for (uint32_t j = 0; j < n; ++j)
        if (j == 0 || key(sorted[j]) != key(sorted[j - 1]))
          out.runs.push_back({b + j, delay_of(key(sorted[j]))});
    }
    bool moved = false;
    for (uint32_t j = 0; j < n && !moved; ++j) moved = sorted[j] != j;
    if (ties_end > tie)
      for (uint32_t j = 0; j < n; ++j)
        if (const uint32_t r = rank[sorted[j]]; r > 0) out.ranks.push_back({b + j, r});
    tie = ties_end;
    if (!moved) continue;
    if (perm != nullptr) {
      if (perm->empty()) {
        perm->resize(post_.size());
        std::iota(perm->begin(), perm->end(), 0);
      }
      for (uint32_t j = 0; j < n; ++j) (*perm)[b + j] = b + sorted[j];
    }
    post_.Permute(b, sorted, post_scratch);
    if (shared_weight) continue;
    PermuteRange(weight_.PerSynapse(size()), b, sorted, weight_scratch);
  }
  return out;
}

void Projection::GroupByMember(const std::vector<std::vector<CellRange>>& owned, WorkerPool* pool) {
  const uint32_t members = static_cast<uint32_t>(owned.size());
  const uint32_t n_post = num_post();
  std::vector<uint16_t> member_of(n_post, 0);
  std::vector<bool> reached(members, false);
  for (uint32_t position = 0; position < n_post; ++position) {
    const PostTarget t = post_target(position);
    for (uint32_t m = 0; m < members; ++m) {
      const CellRange& cells = owned[m][t.part];
      if (t.index >= cells.begin && t.index < cells.end) {
        member_of[position] = static_cast<uint16_t>(m);
        reached[m] = true;
        break;
      }
    }
  }
  const uint32_t old_members = members_;
  if (std::count(reached.begin(), reached.end(), true) <= 1) {
    // One member delivers everything: any order will do, so keep the one
    // there is unless it was grouped for several members.
    const auto sole = std::find(reached.begin(), reached.end(), true);
    sole_member_ = sole == reached.end() ? 0 : static_cast<uint32_t>(sole - reached.begin());
    if (old_members == 1) return;
    members_ = 1;
    member_of_position_.clear();
    member_of_position_.shrink_to_fit();
    reached_.clear();
  } else {
    if (old_members == members && member_of == member_of_position_) return;
    members_ = members;
    member_of_position_ = std::move(member_of);
    reached_ = std::move(reached);
  }
  Arrange(Delays(), old_members, /*report=*/false, pool);
}

uint64_t Projection::MemoryBytes() const {
  return row_start_.capacity() * sizeof(uint64_t) + run_begin_.capacity() * sizeof(uint64_t) +
         runs_.capacity() * sizeof(DelayRun) + post_.MemoryBytes() + weight_.MemoryBytes() +
         tie_ranks_.capacity() * sizeof(TieRank) + post_targets_.capacity() * sizeof(PostTarget) +
         post_rings_.capacity() * sizeof(RingBuffer*) +
         (part_end_.capacity() + part_shift_.capacity()) * sizeof(uint32_t) +
         member_of_position_.capacity() * sizeof(uint16_t);
}

}  // namespace spikeserve::engine
