// A projection's synapses as compressed sparse rows keyed by presynaptic
// position (position in the pre CellSet), each row sorted by post position,
// so storage order is PyNN's canonical order and GetConnections needs no sort.
#ifndef SPIKESERVE_ENGINE_PROJECTION_H_
#define SPIKESERVE_ENGINE_PROJECTION_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/ring_buffer.h"
#include "engine/simulation.h"

namespace spikeserve::engine {

// 12 bytes per static synapse, all included (rows cost 8 bytes per pre cell).
struct Synapse {
  uint32_t post;   // position in the post CellSet
  float weight;    // nA (current-based target) or uS (conductance-based)
  uint16_t delay;  // steps, >= 1
};
static_assert(sizeof(Synapse) <= 12, "synapse must stay compact");

// Where a post position lives: which of the projection's post ring buffers,
// and the cell index inside that population.
struct PostTarget {
  uint32_t part;
  uint32_t index;
};

class Projection {
 public:
  // `pre`, `post` connection lists in canonical order.
  Projection(ProjectionId id, std::string label, uint32_t receptor, uint32_t n_pre,
             const std::vector<uint32_t>& pre, const std::vector<uint32_t>& post,
             std::vector<PostTarget> post_targets, std::vector<RingBuffer*> post_rings);

  ProjectionId id() const { return id_; }
  const std::string& label() const { return label_; }
  uint64_t size() const { return synapses_.size(); }
  std::vector<Synapse>& synapses() { return synapses_; }
  const std::vector<Synapse>& synapses() const { return synapses_; }
  // Pre position of every synapse, in storage order.
  std::vector<uint32_t> PrePositions() const;

  // Puts the spike of pre position `row`, emitted at the end of step
  // `spike_step` - 1 (time spike_step * dt), into the post ring buffers.
  void Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) const {
    for (uint64_t k = row_start_[row]; k < row_start_[row + 1]; ++k) {
      const Synapse& s = synapses_[k];
      const PostTarget& t = post_targets_[s.post];
      post_rings_[t.part]->Add(receptor_, spike_step + s.delay, t.index,
                               static_cast<double>(s.weight) * multiplicity);
    }
  }

 private:
  ProjectionId id_;
  std::string label_;
  uint32_t receptor_;
  std::vector<uint64_t> row_start_;
  std::vector<Synapse> synapses_;
  std::vector<PostTarget> post_targets_;
  std::vector<RingBuffer*> post_rings_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_PROJECTION_H_
