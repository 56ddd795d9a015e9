// A projection's synapses as compressed sparse rows keyed by presynaptic
// position (position in the pre CellSet).
//
// Layout: per synapse only the post position (two bytes, or four for a post
// cell set of more than 65,536 positions: post_positions.h) and, unless all
// share one, the weight (double, so a weight reads back exactly as it was
// set): at most 12 bytes. Delays are kept off the per-synapse record: each
// row is split into delay runs, consecutive synapses sharing one delay, so a
// homogeneous-delay row costs one run, and delivery touches one ring-buffer
// slot per run.
//
// Two orders. Storage order, the one every per-synapse array follows: by pre
// position, then member, then delay, then post position, then tie rank. The
// member is the one of several threads that delivers into the post cell
// (GroupByMember); until a projection is grouped, every synapse has member
// 0. Canonical order, the one clients see (simulation.h's ConnectionTable):
// by pre position, then post position, then tie rank, so a connection keeps
// its place whatever its delay or member. The tie rank orders the synapses
// of one (pre, post) pair (multapses) as they were made; only ranks >= 1 are
// kept, so projections without multapses pay nothing for it. The canonical
// order is computed when needed (CanonicalOrder), not stored. Changing delays
// may reorder synapses within a row; SetDelays reports the permutation so
// that per-synapse state kept elsewhere (synapse_dynamics.h) follows.
#ifndef SPIKESERVE_ENGINE_PROJECTION_H_
#define SPIKESERVE_ENGINE_PROJECTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/inlined_vector.h"
#include "engine/cell_group.h"
#include "engine/post_positions.h"
#include "engine/ring_buffer.h"
#include "engine/simulation.h"
#include "engine/synapse_parameter.h"
#include "engine/worker_pool.h"

namespace spikeserve::engine {

// A delay run: the synapses from `begin` up to the next run's begin have
// `delay`. Runs cover the synapses in storage order, rows one after the
// other, so a run needs no end of its own: 8 bytes each.
struct DelayRun {
  uint64_t begin : 48;  // synapse index
  uint64_t delay : 16;  // steps, >= 1
};

// Where a post position lives: which of the projection's post ring buffers,
// and the cell index inside that population.
struct PostTarget {
  uint32_t part;
  uint32_t index;
};

class Projection {
 public:
  // `pre`, `post` connection lists sorted by pre then post position, the
  // synapses of one pair in creation order; every synapse starts with weight
  // 0 and a delay of `delay` steps.
  Projection(ProjectionId id, std::string label, uint32_t receptor, uint32_t n_pre,
             const std::vector<uint32_t>& pre, std::vector<uint32_t> post, uint16_t delay,
             std::vector<PostTarget> post_targets, std::vector<RingBuffer*> post_rings);

  ProjectionId id() const { return id_; }
  const std::string& label() const { return label_; }
  uint32_t receptor() const { return receptor_; }
  uint64_t size() const { return post_.size(); }
  uint32_t num_rows() const { return static_cast<uint32_t>(row_start_.size() - 1); }

  const PostPositions& post() const { return post_; }
  // Weights, nA (current target) or uS (conductance): shared while every
  // synapse has the same one, as in most networks, at no memory per synapse.
  const SynapseParameter& weights() const { return weight_; }
  void SetWeights(double w) { weight_.AssignShared(w); }
  void SetWeights(std::vector<double> w) { weight_.Assign(std::move(w)); }
  void SetWeights(SynapseParameter w) { weight_ = std::move(w); }
  // One weight per synapse (storage order), to change in place.
  std::vector<double>& MutableWeights() { return weight_.PerSynapse(size()); }
  // Post positions: the parts' end once they replace the table.
  uint32_t num_post() const {
    return part_end_.empty() ? static_cast<uint32_t>(post_targets_.size()) : part_end_.back();
  }
  // The cell at post position `position`.
  PostTarget post_target(uint32_t position) const {
    if (part_end_.empty()) return post_targets_[position];
    uint32_t part = 0;
    while (position >= part_end_[part]) ++part;
    return {part, position + part_shift_[part]};
  }

  // Delay runs of `row`: run_begin(row) .. run_begin(row + 1) - 1. Run r
  // holds synapses [run_start(r), run_start(r + 1)).
  uint64_t row_start(uint32_t row) const { return row_start_[row]; }
  uint64_t run_begin(uint32_t row) const { return run_begin_[uint64_t{row} * members_]; }
  uint64_t num_runs() const { return runs_.size() - 1; }
  uint64_t run_start(uint64_t r) const { return runs_[r].begin; }
  uint16_t run_delay(uint64_t r) const { return runs_[r].delay; }

  // Pre position and delay (steps) of every synapse, in storage order.
  std::vector<uint32_t> PrePositions() const;
  std::vector<uint16_t> Delays() const;
  // Canonical position -> storage index (see the top of this file).
  std::vector<uint64_t> CanonicalOrder() const;
  // Whether storage order is canonical order (no row has several delays).
  bool StoredCanonically() const;
  // Smallest and largest delay (steps); {0, 0} without synapses.
  std::pair<uint16_t, uint16_t> DelayRange() const { return delay_range_; }

  // Sets every synapse's delay (storage order) and regroups the rows. Returns
  // the permutation applied, new index -> old index, or {} if none was
  // needed. Without `report` (nothing outside the projection holds values
  // per synapse that must follow) it returns {} and spares the permutation's
  // word per synapse, and a `pool`'s members take a share of the rows each.
  std::vector<uint64_t> SetDelays(const std::vector<uint16_t>& steps, bool report = true,
                                  WorkerPool* pool = nullptr) {
    return Arrange(steps, members_, report, pool);
  }
  // The same delay for every synapse, without per-synapse temporaries when
  // no member's part of a row has several delays now; returns the
  // permutation as SetDelays.
  std::vector<uint64_t> SetUniformDelay(uint16_t steps, bool report = true,
                                        WorkerPool* pool = nullptr);

  // Groups every row's synapses by the member (thread) that delivers into
  // their post cells, `owned[member][part]` the cells of post part `part`
  // that `member` owns, so that each member of a multi-threaded run reads
  // only its own synapses of a spike's row (MemberRuns). Each cell's input
  // is summed in the same order as before: a cell's synapses in a row all
  // fall to one member. Changes storage order without reporting it, so only
  // for projections without per-synapse state kept elsewhere (static
  // synapses). Nothing is moved while the grouping stays the same, or while
  // a single member owns every post cell. With a `pool`, its members arrange
  // a share of the rows each.
  void GroupByMember(const std::vector<std::vector<CellRange>>& owned, WorkerPool* pool = nullptr);
  // Below this many synapses a projection is arranged on one thread: a
  // handoff and the shares' copying cost more than they save.
  static constexpr uint64_t kParallelArrangeSynapses = 1 << 16;
  // Whether `member` of the last grouping owns any post cell.
  bool Reaches(uint32_t member) const {
    return members_ == 1 ? member == sole_member_ : reached_[member];
  }
  // The delay runs of `row` into the post cells `member` owns (a range of
  // run indices, as run_begin()).
  std::pair<uint64_t, uint64_t> MemberRuns(uint32_t row, uint32_t member) const {
    if (members_ == 1)
      return member == sole_member_ ? std::pair{run_begin_[row], run_begin_[row + 1]}
                                    : std::pair{run_begin_[row], run_begin_[row]};
    const uint64_t i = uint64_t{row} * members_ + member;
    return {run_begin_[i], run_begin_[i + 1]};
  }

  // Heap bytes held by the synapses, rows and targets (not the ring buffers).
  uint64_t MemoryBytes() const;

  // Puts the spike of pre position `row`, emitted at the end of step
  // `spike_step` - 1 (time spike_step * dt), into the post ring buffers.
  void Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) const {
    DeliverRuns(run_begin(row), run_begin(row + 1), spike_step, multiplicity);
  }

  // Delay runs [first, last) of a spike emitted at the end of step
  // spike_step - 1 (one row's, or one member's part of it: MemberRuns).
  void DeliverRuns(uint64_t first, uint64_t last, uint64_t spike_step,
                   uint32_t multiplicity) const {
    post_.Visit([&](const auto* post) {
      for (uint64_t r = first; r < last; ++r)
        DeliverRun(post, r, spike_step + run_delay(r), multiplicity);
    });
  }

  // The spikes [first, last) of pre positions e->index, emitted at the end
  // of step spike_step - 1, when every pre position i has one synapse, to
  // post position i of one population (a OneToOneConnector, e.g. a Poisson
  // background per cell), all with one weight and one delay: one loop over
  // the spikes instead of a row and a run lookup for each. Returns false,
  // having done nothing, for any other projection. Adds exactly what
  // Deliver would.
  bool DeliverOneToOne(const SpikeEvent* first, const SpikeEvent* last, uint64_t spike_step) const {
    if (!one_to_one_ || weight_.stride() != 0 || delay_range_.first != delay_range_.second)
      return false;
    RingBuffer::Input* slot = post_rings_[0]->Slot(receptor_, spike_step + delay_range_.first);
    const double w = weight_.data()[0];
    for (; first != last; ++first) slot[first->index] += RingBuffer::Input(w * first->multiplicity);
    return true;
  }

  // Starts loading run r's first synapses, which DeliverRun reads. Always
  // inlined: GCC 12 takes a function that only prefetches for pure, and
  // drops the calls to it that it does not inline early (it dropped this
  // one while the prefetch went through a lambda).
  ABSL_ATTRIBUTE_ALWAYS_INLINE void PrefetchRun(uint64_t r) const {
    const uint64_t k = run_start(r);
    __builtin_prefetch(post_.address(k));
    if (weight_.stride() != 0) __builtin_prefetch(&weight_.data()[k]);
  }

  // Calls f(k, arrival) for every synapse k of `row`, `arrival` the step at
  // which a spike emitted at the end of step spike_step - 1 reaches k's post
  // cell: the walk synapse dynamics deliver along.
  template <class F>
  void ForEachSynapse(uint32_t row, uint64_t spike_step, F&& f) const {
    for (uint64_t r = run_begin(row); r < run_begin(row + 1); ++r) {
      const uint64_t arrival = spike_step + run_delay(r);
      for (uint64_t k = run_start(r), end = run_start(r + 1); k < end; ++k) f(k, arrival);
    }
  }

  // Adds `value` to the input of synapse k's post cell arriving at `arrival`.
  void AddInput(uint64_t k, uint64_t arrival, double value) const {
    const PostTarget t = post_target(post_[k]);
    post_rings_[t.part]->Add(receptor_, arrival, t.index, value);
  }

 private:
  ProjectionId id_;
  std::string label_;
  uint32_t receptor_;
  std::vector<uint64_t> row_start_;  // n_pre + 1 synapse offsets
  // n_pre * members_ + 1 offsets into runs_: member m's runs of row i begin
  // at run_begin_[i * members_ + m].
  std::vector<uint64_t> run_begin_;
  std::vector<DelayRun> runs_;  // plus one past the last, whose begin is size()
  std::pair<uint16_t, uint16_t> delay_range_{0, 0};  // DelayRange(), kept as runs change
  // Packed to 12 bytes: dense networks with multapses (the microcircuit's
  // FixedTotalNumber) hold one per repeated pair.
#pragma pack(push, 4)
  struct TieRank {
    uint64_t synapse;  // storage index
    uint32_t rank;     // >= 1
  };
#pragma pack(pop)
  static_assert(sizeof(TieRank) == 12);
  // 0 unless synapse k is a later-made multapse.
  uint32_t Rank(uint64_t k) const;
  // SetDelays with the rows' runs read as grouped by `old_members` (which
  // GroupByMember changes) and written grouped by members_; the permutation
  // (a word per synapse) only if `report`. Rows are independent: with a
  // `pool` (and no report) its members take a share of them each.
  std::vector<uint64_t> Arrange(const std::vector<uint16_t>& steps, uint32_t old_members,
                                bool report, WorkerPool* pool = nullptr);
  // What Arrange makes of rows [first, last): their synapses reordered in
  // place, and their runs, tie ranks and delays.
  struct ArrangedRows {
    std::vector<DelayRun> runs;
    std::vector<uint64_t> row_runs;  // index in `runs` of each row's first run
    std::vector<TieRank> ranks;
    uint16_t lo = UINT16_MAX, hi = 0;  // delay range
  };
  ArrangedRows ArrangeRows(uint32_t first, uint32_t last, const std::vector<uint16_t>& steps,
                           uint32_t old_members, std::vector<uint64_t>* perm);
  uint32_t MemberOf(uint32_t position) const {
    return members_ == 1 ? 0 : member_of_position_[position];
  }
  // Delay run r's part of a spike: `multiplicity` times each weight into the
  // post cells' input arriving at step `arrival`. One slot lookup per run and
  // post part, not per synapse. `post` is the post positions' data, of
  // either width.
  template <class Position>
  void DeliverRun(const Position* post, uint64_t r, uint64_t arrival, uint32_t multiplicity) const {
    const double m = multiplicity;
    const double* weight = weight_.data();
    const uint64_t stride = weight_.stride();
    const uint64_t begin = run_start(r), end = run_start(r + 1);
    if (part_end_.empty()) {
      absl::InlinedVector<RingBuffer::Input*, 4> slots(post_rings_.size());
      for (size_t part = 0; part < slots.size(); ++part)
        slots[part] = post_rings_[part]->Slot(receptor_, arrival);
      for (uint64_t k = begin; k < end; ++k) {
        const PostTarget& t = post_targets_[post[k]];
        slots[t.part][t.index] += RingBuffer::Input(weight[k * stride] * m);
      }
      return;
    }
    // A run ascends by post position, so it meets the parts in order, each
    // in one stretch; the cell index follows from the position without a
    // lookup.
    size_t part = 0;
    for (uint64_t k = begin; k < end;) {
      while (post[k] >= part_end_[part]) ++part;
      RingBuffer::Input* slot = post_rings_[part]->Slot(receptor_, arrival);
      const uint32_t part_end = part_end_[part], shift = part_shift_[part];
      for (; k < end && post[k] < part_end; ++k)
        slot[uint32_t{post[k]} + shift] += RingBuffer::Input(weight[k * stride] * m);
    }
  }
  // Fills part_end_ and part_shift_ if the post parts allow (below).
  void FindContiguousParts();
  // Whether synapse a precedes b among synapses of one row with one delay.
  bool PostThenRank(uint64_t a, uint64_t b) const {
    return post_[a] != post_[b] ? post_[a] < post_[b] : Rank(a) < Rank(b);
  }

  // GroupByMember's: 1 while one member (sole_member_) owns every post cell,
  // else the number of members, member_of_position_ the owner of each post
  // position and reached_ whether a member owns any.
  uint32_t members_ = 1;
  uint32_t sole_member_ = 0;
  std::vector<uint16_t> member_of_position_;
  std::vector<bool> reached_;

  PostPositions post_;
  SynapseParameter weight_;
  std::vector<TieRank> tie_ranks_;        // sorted by synapse; usually empty
  std::vector<PostTarget> post_targets_;  // by post position; empty when part_end_ is not
  std::vector<RingBuffer*> post_rings_;
  // When every post part is one block of consecutive positions holding
  // consecutive cells (a population, a slice of one, an assembly of them):
  // part p's positions end at part_end_[p] and its cell index is position +
  // part_shift_[p]. Empty otherwise (a permuted view, a population listed
  // twice), and delivery looks each position up in post_targets_.
  std::vector<uint32_t> part_end_;
  std::vector<uint32_t> part_shift_;  // modulo 2^32: the index is below the position
  // Synapse i joins pre position i to post position i = cell i, for every i
  // (DeliverOneToOne); fixed at construction, as rows of one synapse never
  // reorder.
  bool one_to_one_ = false;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_PROJECTION_H_
