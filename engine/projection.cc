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
      weight_(post_.size(), 0.0),
      post_targets_(std::move(post_targets)),
      post_rings_(std::move(post_rings)) {
  for (uint32_t p : pre) ++row_start_[p + 1];
  for (uint32_t i = 0; i < n_pre; ++i) row_start_[i + 1] += row_start_[i];
  uint32_t rank = 0;
  for (uint64_t k = 1; k < post_.size(); ++k) {
    rank = pre[k] == pre[k - 1] && post_[k] == post_[k - 1] ? rank + 1 : 0;
    if (rank > 0) tie_ranks_.push_back({k, rank});
  }
  FindContiguousParts();
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

std::pair<uint16_t, uint16_t> Projection::DelayRange() const {
  if (num_runs() == 0) return {0, 0};
  std::pair<uint16_t, uint16_t> range{UINT16_MAX, 0};
  for (uint64_t r = 0; r < num_runs(); ++r) {
    range.first = std::min(range.first, run_delay(r));
    range.second = std::max(range.second, run_delay(r));
  }
  return range;
}

std::vector<uint64_t> Projection::SetDelays(const std::vector<uint16_t>& steps) {
  std::vector<uint64_t> perm;  // filled on the first row that needs a reorder
  auto before = [&](uint64_t a, uint64_t b) {
    return steps[a] != steps[b] ? steps[a] < steps[b] : PostThenRank(a, b);
  };
  std::vector<uint64_t> order;
  for (uint32_t i = 0; i < num_rows(); ++i) {
    const uint64_t b = row_start_[i], e = row_start_[i + 1];
    order.resize(e - b);
    std::iota(order.begin(), order.end(), b);
    if (std::is_sorted(order.begin(), order.end(), before)) continue;
    std::sort(order.begin(), order.end(), before);
    if (perm.empty()) {
      perm.resize(post_.size());
      std::iota(perm.begin(), perm.end(), 0);
    }
    std::copy(order.begin(), order.end(), perm.begin() + b);
  }
  std::vector<uint16_t> sorted_steps;
  const std::vector<uint16_t>* d = &steps;
  if (!perm.empty()) {
    std::vector<uint32_t> post(post_.size());
    std::vector<double> weight(post_.size());
    sorted_steps.resize(post_.size());
    for (uint64_t k = 0; k < perm.size(); ++k) {
      post[k] = post_[perm[k]];
      weight[k] = weight_[perm[k]];
      sorted_steps[k] = steps[perm[k]];
    }
    std::vector<TieRank> ranks;
    if (!tie_ranks_.empty())
      for (uint64_t k = 0; k < perm.size(); ++k)
        if (const uint32_t r = Rank(perm[k]); r > 0) ranks.push_back({k, r});
    post_ = std::move(post);
    weight_ = std::move(weight);
    tie_ranks_ = std::move(ranks);
    d = &sorted_steps;
  }
  runs_.clear();
  for (uint32_t i = 0; i < num_rows(); ++i) {
    run_begin_[i] = runs_.size();
    for (uint64_t k = row_start_[i]; k < row_start_[i + 1]; ++k) {
      if (k == row_start_[i] || (*d)[k] != (*d)[k - 1]) runs_.push_back({k, (*d)[k]});
    }
  }
  run_begin_[num_rows()] = runs_.size();
  runs_.push_back({post_.size(), 0});
  runs_.shrink_to_fit();
  return perm;
}

std::vector<uint32_t> Projection::MemberCuts(
    const std::vector<std::vector<CellRange>>& owned) const {
  const uint32_t members = static_cast<uint32_t>(owned.size());
  const size_t parts = post_rings_.size();
  const size_t stride = parts * members + 1;
  std::vector<uint32_t> cuts(num_runs() * stride);
  for (uint64_t r = 0; r < num_runs(); ++r) {
    const uint64_t begin = run_start(r), end = run_start(r + 1);
    uint32_t* c = cuts.data() + r * stride;
    // Segment (part, member) is number part * members + member; the run's
    // synapses must go through the segments in ascending order.
    size_t segment = 0;
    c[0] = 0;
    for (uint64_t k = begin; k < end; ++k) {
      const PostTarget& t = post_targets_[post_[k]];
      uint32_t member = 0;
      while (member + 1 < members && t.index >= owned[member].at(t.part).end) ++member;
      const size_t s = t.part * members + member;
      if (s < segment) return {};
      for (; segment < s; ++segment) c[segment + 1] = static_cast<uint32_t>(k - begin);
    }
    for (; segment < stride - 1; ++segment) c[segment + 1] = static_cast<uint32_t>(end - begin);
  }
  return cuts;
}

uint64_t Projection::MemoryBytes() const {
  return row_start_.capacity() * sizeof(uint64_t) + run_begin_.capacity() * sizeof(uint64_t) +
         runs_.capacity() * sizeof(DelayRun) + post_.capacity() * sizeof(uint32_t) +
         weight_.capacity() * sizeof(double) + tie_ranks_.capacity() * sizeof(TieRank) +
         post_targets_.capacity() * sizeof(PostTarget) +
         post_rings_.capacity() * sizeof(RingBuffer*) +
         (part_end_.capacity() + part_shift_.capacity()) * sizeof(uint32_t);
}

}  // namespace spikeserve::engine
