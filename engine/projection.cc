#include "engine/projection.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace spikeserve::engine {

Projection::Projection(ProjectionId id, std::string label, uint32_t receptor, uint32_t n_pre,
                       const std::vector<uint32_t>& pre, std::vector<uint32_t> post, uint16_t delay,
                       std::vector<PostTarget> post_targets, std::vector<RingBuffer*> post_rings)
    : id_(id),
      label_(std::move(label)),
      receptor_(receptor),
      row_start_(n_pre + 1, 0),
      run_begin_(n_pre + 1, 0),
      post_(std::move(post)),
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
  SetUniformDelay(delay);
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
}

std::vector<uint64_t> Projection::SetUniformDelay(uint16_t steps) {
  // A row of at most one delay run is in canonical order already; one of
  // several runs must be sorted back first.
  for (uint32_t i = 0; i < num_rows(); ++i)
    if (run_begin_[i + 1] - run_begin_[i] > 1)
      return SetDelays(std::vector<uint16_t>(post_.size(), steps));
  runs_.clear();
  for (uint32_t i = 0; i < num_rows(); ++i) {
    run_begin_[i] = runs_.size();
    if (row_start_[i + 1] > row_start_[i]) runs_.push_back({row_start_[i], steps});
  }
  run_begin_[num_rows()] = runs_.size();
  delay_range_ = runs_.empty() ? std::pair<uint16_t, uint16_t>{0, 0} : std::pair{steps, steps};
  runs_.push_back({post_.size(), 0});
  runs_.shrink_to_fit();
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
    if (run_begin_[i + 1] - run_begin_[i] > 1) return false;
  return true;
}

std::vector<uint64_t> Projection::CanonicalOrder() const {
  std::vector<uint64_t> order(post_.size());
  std::iota(order.begin(), order.end(), 0);
  auto before = [&](uint64_t a, uint64_t b) { return PostThenRank(a, b); };
  for (uint32_t i = 0; i < num_rows(); ++i) {
    // A row of one delay run is stored in canonical order already.
    if (run_begin_[i + 1] - run_begin_[i] <= 1) continue;
    std::sort(order.begin() + row_start_[i], order.begin() + row_start_[i + 1], before);
  }
  return order;
}

std::vector<uint64_t> Projection::SetDelays(const std::vector<uint16_t>& steps) {
  // Row by row: the row's synapses in canonical order (as stored when the row
  // holds one delay run, else sorted back by post and tie rank), then a
  // stable counting sort by the new delay gives storage order, and the
  // count of each delay its run. Scratch is per row; nothing is sorted by
  // comparison unless a row held several runs or spans a wide delay range.
  std::vector<uint64_t> perm;  // filled on the first row that needs a reorder
  std::vector<uint32_t> canonical, sorted, count, rank;
  std::vector<uint32_t> post_scratch;
  std::vector<double> weight_scratch;
  const bool shared_weight = weight_.stride() == 0;
  std::vector<TieRank> ranks;
  std::vector<DelayRun> runs;
  runs.reserve(runs_.size());
  size_t tie = 0;  // first of tie_ranks_ not before the row
  delay_range_ = {UINT16_MAX, 0};
  for (uint32_t i = 0; i < num_rows(); ++i) {
    const uint64_t b = row_start_[i], e = row_start_[i + 1];
    const uint32_t n = static_cast<uint32_t>(e - b);
    const bool several_runs = run_begin_[i + 1] - run_begin_[i] > 1;  // before the change
    run_begin_[i] = runs.size();
    const size_t ties_end =
        std::lower_bound(tie_ranks_.begin() + tie, tie_ranks_.end(), e,
                         [](const TieRank& t, uint64_t v) { return t.synapse < v; }) -
        tie_ranks_.begin();
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
    delay_range_ = {std::min(delay_range_.first, lo), std::max(delay_range_.second, hi)};
    if (several_runs) {
      auto before = [&](uint32_t x, uint32_t y) {
        return post_[b + x] != post_[b + y] ? post_[b + x] < post_[b + y]
                                            : (ties_end > tie && rank[x] < rank[y]);
      };
      std::sort(canonical.begin(), canonical.end(), before);
    }
    sorted.resize(n);
    const uint32_t width = uint32_t{hi} - lo + 1;
    if (width <= 2 * n + 64) {
      count.assign(width + 1, 0);
      for (uint32_t x : canonical) ++count[steps[b + x] - lo + 1];
      for (uint32_t d = 0; d < width; ++d) {
        if (count[d + 1] > 0) runs.push_back({b + count[d], static_cast<uint16_t>(lo + d)});
        count[d + 1] += count[d];
      }
      for (uint32_t x : canonical) sorted[count[steps[b + x] - lo]++] = x;
    } else {  // a few synapses spread over many delays
      sorted = canonical;
      std::stable_sort(sorted.begin(), sorted.end(),
                       [&](uint32_t x, uint32_t y) { return steps[b + x] < steps[b + y]; });
      for (uint32_t j = 0; j < n; ++j)
        if (j == 0 || steps[b + sorted[j]] != steps[b + sorted[j - 1]])
          runs.push_back({b + j, steps[b + sorted[j]]});
    }
    bool moved = false;
    for (uint32_t j = 0; j < n && !moved; ++j) moved = sorted[j] != j;
    if (ties_end > tie)
      for (uint32_t j = 0; j < n; ++j)
        if (const uint32_t r = rank[sorted[j]]; r > 0) ranks.push_back({b + j, r});
    tie = ties_end;
    if (!moved) continue;
    if (perm.empty()) {
      perm.resize(post_.size());
      std::iota(perm.begin(), perm.end(), 0);
    }
    post_scratch.resize(n);
    for (uint32_t j = 0; j < n; ++j) {
      perm[b + j] = b + sorted[j];
      post_scratch[j] = post_[b + sorted[j]];
    }
    std::copy(post_scratch.begin(), post_scratch.end(), post_.begin() + b);
    if (shared_weight) continue;
    std::vector<double>& weights = weight_.PerSynapse(size());
    weight_scratch.resize(n);
    for (uint32_t j = 0; j < n; ++j) weight_scratch[j] = weights[b + sorted[j]];
    std::copy(weight_scratch.begin(), weight_scratch.end(), weights.begin() + b);
  }
  run_begin_[num_rows()] = runs.size();
  runs.push_back({post_.size(), 0});
  runs.shrink_to_fit();
  runs_ = std::move(runs);
  ranks.shrink_to_fit();
  tie_ranks_ = std::move(ranks);
  if (runs_.size() == 1) delay_range_ = {0, 0};
  return perm;
}

Projection::MemberPosts Projection::PostsOf(std::vector<CellRange> cells) const {
  MemberPosts mine;
  mine.cells = std::move(cells);
  mine.contiguous = !part_end_.empty();
  for (uint32_t part = 0; part < part_end_.size(); ++part) {
    // Part p holds positions [part_end_[p-1], part_end_[p]), cell = position + shift.
    const uint32_t shift = part_shift_[part];
    const uint32_t first = (part == 0 ? 0 : part_end_[part - 1]) + shift;
    const uint32_t last = part_end_[part] + shift;
    const uint32_t begin = std::max(first, mine.cells[part].begin);
    const uint32_t end = std::min(last, mine.cells[part].end);
    if (begin < end) mine.positions.push_back({begin - shift, end - shift, part});
  }
  if (mine.contiguous) {
    // Cells outside the post slices this projection reaches count for nothing.
    mine.none = mine.positions.empty();
  } else {
    for (const CellRange& range : mine.cells) mine.none &= range.begin >= range.end;
  }
  return mine;
}

uint64_t Projection::MemoryBytes() const {
  return row_start_.capacity() * sizeof(uint64_t) + run_begin_.capacity() * sizeof(uint64_t) +
         runs_.capacity() * sizeof(DelayRun) + post_.capacity() * sizeof(uint32_t) +
         weight_.MemoryBytes() + tie_ranks_.capacity() * sizeof(TieRank) +
         post_targets_.capacity() * sizeof(PostTarget) +
         post_rings_.capacity() * sizeof(RingBuffer*) +
         (part_end_.capacity() + part_shift_.capacity()) * sizeof(uint32_t);
}

}  // namespace spikeserve::engine
