#include "engine/projection.h"

#include <utility>

namespace spikeserve::engine {

Projection::Projection(ProjectionId id, std::string label, uint32_t receptor, uint32_t n_pre,
                       const std::vector<uint32_t>& pre, const std::vector<uint32_t>& post,
                       std::vector<PostTarget> post_targets, std::vector<RingBuffer*> post_rings)
    : id_(id),
      label_(std::move(label)),
      receptor_(receptor),
      row_start_(n_pre + 1, 0),
      synapses_(pre.size()),
      post_targets_(std::move(post_targets)),
      post_rings_(std::move(post_rings)) {
  for (uint32_t p : pre) ++row_start_[p + 1];
  for (uint32_t i = 0; i < n_pre; ++i) row_start_[i + 1] += row_start_[i];
  for (size_t k = 0; k < post.size(); ++k) synapses_[k] = Synapse{post[k], 0.0f, 1};
}

std::vector<uint32_t> Projection::PrePositions() const {
  std::vector<uint32_t> pre(synapses_.size());
  for (uint32_t i = 0; i + 1 < row_start_.size(); ++i)
    for (uint64_t k = row_start_[i]; k < row_start_[i + 1]; ++k) pre[k] = i;
  return pre;
}

}  // namespace spikeserve::engine
