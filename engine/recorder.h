// Recorded data, organised as PyNN/Neo segments (one per period between
// resets), plus what each population is asked to record.
//
// Sampling rule: a population has one sampling interval I (a multiple of dt)
// for all its signals; samples are taken at the grid times origin + k I up to
// and including the current time, where origin is the segment start (or the
// last ClearRecording). So a 50 ms run at dt = 0.1 gives 501 samples, the
// first being the initial value, and a following run continues without
// duplicating the sample at the boundary.
//
// Current sources are sampled every step from their recording origin; the
// sample at a run's end is taken again at the next run's start, so that it
// shows what was applied if the parameters changed in between.
#ifndef SPIKESERVE_ENGINE_RECORDER_H_
#define SPIKESERVE_ENGINE_RECORDER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/cell_group.h"
#include "engine/simulation.h"
#include "engine/spill_store.h"
#include "engine/time_grid.h"

namespace spikeserve::engine {

class Recorder {
 public:
  explicit Recorder(const TimeGrid& grid);

  void AddPopulation(PopulationId id, const CellTypeInfo& type, uint32_t size);

  // `cells` are validated indices; errors name "variables[k]" or "sampling_interval_ms".
  absl::Status Record(PopulationId id, const std::vector<uint32_t>& cells,
                      const std::vector<std::string>& variables, uint64_t interval_steps,
                      uint64_t now_step);
  absl::Status Stop(PopulationId id, const std::vector<uint32_t>& cells,
                    const std::vector<std::string>& variables);
  void Clear(PopulationId id, uint64_t now_step);

  // Called before the first step of a run and after every step (`step` is
  // then the number of steps done): samples if `step` is a sampling time.
  void SampleIfDue(PopulationId id, uint64_t step, const CellGroup& cells);
  // Whether any population has (or had) signals sampled: SampleIfDue may
  // then read cells between steps.
  bool SamplesSignals() const;
  bool RecordsSpikes(PopulationId id) const;
  // Spikes of one step; their time is spike_step * dt or, when `exact` is
  // given, exact[j] for the j-th spike (multiplicity expanded).
  void AddSpikes(PopulationId id, uint64_t spike_step, const std::vector<SpikeEvent>& spikes,
                 const std::vector<double>* exact);

  void RecordSource(CurrentSourceId id, uint64_t now_step);
  void ClearSource(CurrentSourceId id, uint64_t now_step);
  // Recorded sources, ascending.
  std::vector<CurrentSourceId> RecordedSources() const;
  // The sample at `step`, which is the next one or the last one taken.
  void SampleSource(CurrentSourceId id, uint64_t step, double amplitude_na);

  // Reset: closes the open segment (if time had advanced) and opens a new one
  // with the same recording settings; otherwise merges the annotations.
  void Reset(const std::map<std::string, std::string>& annotations, bool time_advanced);
  // End of the open segment; exact spike times past it (rounded down onto
  // the last step) are recorded as t_ms, so spikes stay inside the segment.
  void SetTime(double t_ms);

  const std::vector<Segment>& segments() const { return segments_; }

  // See Simulation::SetSpillStore.
  void SetSpillStore(std::shared_ptr<SpillStore> store, uint64_t memory_budget_bytes);
  // Everything the segments hold, in memory or spilled: 8 bytes per sample
  // value, 12 per spike (index and time).
  uint64_t recorded_bytes() const { return recorded_bytes_; }
  // The part of recorded_bytes() held in memory (the rest is spilled).
  uint64_t memory_bytes() const { return memory_bytes_; }
  // Over the budget, moves the rows of the largest recordings (signals,
  // spikes, currents) to the store until half the budget is left; `now_step`
  // is the current time. Reports the error of a spill that sampling started
  // (see SampleIfDue) since the last call. On an error the rows not yet moved
  // stay in memory.
  absl::Status Spill(uint64_t now_step);

 private:
  struct Signal {
    std::string variable;
    std::string units;
    std::vector<char> on;  // per cell
  };
  struct State {
    const CellTypeInfo* type = nullptr;
    uint32_t size = 0;
    std::vector<char> spikes_on;
    std::vector<Signal> signals;  // in the order variables were first recorded
    uint64_t interval_steps = 0;  // 0: not fixed yet
    uint64_t origin_step = 0;
    uint64_t next_sample = 0;
  };

  PopulationRecording& Open(PopulationId id);
  // Fresh entry of `id` in the open segment, starting at `now_step`.
  void Restart(PopulationId id, uint64_t now_step);
  absl::Status SyncChannels(PopulationId id);
  // Moves recordings, largest first, until at most `target` bytes are left.
  absl::Status SpillDownTo(uint64_t target, uint64_t now_step);
  // Move all but the last `keep` rows (spikes) of one recording; a closed
  // one also gives its memory back.
  absl::Status SpillSignal(SignalData& d, uint64_t keep, bool closed);
  absl::Status SpillSpikes(SpikeData& s, uint64_t keep, bool closed);
  // Sums memory_bytes_ and recorded_bytes_ over the segments.
  void Recount();

  SignalData& OpenSource(CurrentSourceId id);

  TimeGrid grid_;
  std::map<PopulationId, State> states_;
  std::map<CurrentSourceId, uint64_t> source_origin_;  // step of sample 0
  std::vector<Segment> segments_;
  std::shared_ptr<SpillStore> spill_;  // null: everything stays in memory
  uint64_t budget_bytes_ = 0;
  uint64_t memory_bytes_ = 0;    // recorded data in memory, counted as recorded_bytes_
  absl::Status sampling_spill_;  // of a spill in SampleIfDue, for Spill() to report
  uint64_t recorded_bytes_ = 0;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_RECORDER_H_
