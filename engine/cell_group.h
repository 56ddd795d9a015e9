// A population's cells as one object: parameter and state columns (one
// contiguous vector each), the ring buffer of its incoming synaptic input, and
// one Update per time step that loops over all cells. The virtual call happens
// once per population per step, never per cell (Arbor's cell-group idea); a
// group together with its ring buffer is the unit a shard will own.
#ifndef SPIKESERVE_ENGINE_CELL_GROUP_H_
#define SPIKESERVE_ENGINE_CELL_GROUP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/catalogue.h"
#include "engine/cell_column.h"
#include "engine/ring_buffer.h"
#include "engine/time_grid.h"

namespace spikeserve::engine {

// Whether every cell has the same value: cell groups then read their
// constants from cell 0 (a scalar the compiler keeps in a register) instead
// of streaming a column per cell through the cache every step.
template <class T>
bool IsUniform(const std::vector<T>& column) {
  for (const T& x : column)
    if (x != column.front()) return false;
  return true;
}

// Ranges of a split group start at multiples of this many cells, so that no
// two threads write the same cache line (or the same word of marks).
inline constexpr uint32_t kSplitAlignment = 64;

// Cells [begin, end) of a group.
struct CellRange {
  uint32_t begin = 0, end = 0;
};

// `multiplicity` > 1 when a source emits several spikes within one step.
struct SpikeEvent {
  uint32_t index;
  uint32_t multiplicity;
};

struct StepContext {
  uint64_t step;           // the step [step dt, (step+1) dt) being computed
  const double* injected;  // nA per cell, constant over the step; nullptr: none
  // Gap junctions (gap_junction.h), per cell and constant over the step: a
  // conductance gap_g (uS) and gap_ge = gap_g x its reversal potential
  // (uS mV), driving gap_ge - gap_g v; nullptr: none. Only groups of cell
  // types with the gap receptor get them.
  const double* gap_g = nullptr;
  const double* gap_ge = nullptr;
};

// What a group needs to know about its place in the session.
struct CellGroupContext {
  uint64_t seed = 0;       // session seed (sources draw from it)
  uint64_t first_gid = 1;  // global id of cell 0
};

class CellGroup {
 public:
  CellGroup(const CellTypeInfo& type, uint32_t size);
  virtual ~CellGroup() = default;

  const CellTypeInfo& type() const { return type_; }
  uint32_t size() const { return size_; }

  // Columns are in catalogue order; -1 when the name is unknown.
  int ParameterIndex(const std::string& name) const;
  int StateIndex(const std::string& name) const;
  CellColumn& parameter(size_t k) { return parameters_[k]; }
  const CellColumn& parameter(size_t k) const { return parameters_[k]; }
  // The column of parameter `name`, which the cell type has.
  const CellColumn& parameter(const std::string& name) const {
    return parameters_[ParameterIndex(name)];
  }
  // One sequence per cell for kSequence parameters (empty for the others).
  std::vector<std::vector<double>>& sequences(size_t k) { return sequences_[k]; }
  const std::vector<std::vector<double>>& sequences(size_t k) const { return sequences_[k]; }
  CellColumn& initial_value(size_t k) { return initial_values_[k]; }
  const CellColumn& initial_value(size_t k) const { return initial_values_[k]; }
  // Every cell has the same value of every (non-sequence) parameter.
  bool ParametersUniform() const;

  RingBuffer& input() { return input_; }

  // Called at the start of every run (parameters may have changed since the
  // last one): recompute derived constants; `step` is the current step.
  virtual void Prepare(const TimeGrid& grid, uint64_t step) = 0;
  // State back to the initial values; `trial` counts resets, so stochastic
  // sources start a fresh but reproducible trial.
  virtual void Reset(uint64_t trial) = 0;
  virtual void Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) = 0;
  // Whether disjoint ranges of cells may be updated at the same time on
  // different threads (UpdateRange); the others are updated as a whole.
  virtual bool Splittable() const { return false; }
  // Update of cells [begin, end) only, `begin` a multiple of kSplitAlignment;
  // spike indices are the group's. Groups that are not Splittable update
  // every cell whatever the range, so call them with the whole range only.
  virtual void UpdateRange(const StepContext& ctx, uint32_t /*begin*/, uint32_t /*end*/,
                           std::vector<SpikeEvent>& spikes) {
    Update(ctx, spikes);
  }
  // Exact times (ms) of the spikes of the last Update, one per spike
  // (multiplicity expanded) in event order; nullptr: they are on the grid.
  virtual const std::vector<double>* ExactSpikeTimes() const { return nullptr; }
  // Current value of a recordable state variable; nullptr if not recordable.
  virtual const std::vector<double>* Variable(const std::string& name) const = 0;

 protected:
  const CellTypeInfo& type_;
  const uint32_t size_;
  std::vector<CellColumn> parameters_;
  std::vector<std::vector<std::vector<double>>> sequences_;
  std::vector<CellColumn> initial_values_;
  RingBuffer input_;
};

// Physical range of a cell parameter's values, by its PyNN name (tau_m > 0,
// rate >= 0, ...; kFinite for names without a constraint). Looked up once per
// parameter, not per value: a population's values are checked one by one.
enum class ValueRange { kFinite, kPositive, kNonNegative };
ValueRange RangeOfParameter(const std::string& name);

// OK if `value` of parameter `name` is finite and in `range`; `field` names
// the value in errors.
absl::Status CheckParameterValue(const std::string& name, ValueRange range, double value,
                                 const std::string& field);

// The same for the values of a kSequence cell parameter (tau_eta > 0, ...).
// Its names mean other things than the plain parameters' ("a", "b").
ValueRange RangeOfSequenceParameter(const std::string& name);
absl::Status CheckSequenceValue(const std::string& name, ValueRange range, double value,
                                const std::string& field);

std::unique_ptr<CellGroup> MakeCellGroup(const CellTypeInfo& type, uint32_t size,
                                         const CellGroupContext& context);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_CELL_GROUP_H_
