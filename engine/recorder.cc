#include "engine/recorder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/errors.h"

namespace spikeserve::engine {
namespace {

std::vector<uint32_t> OnList(const std::vector<char>& on) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < on.size(); ++i)
    if (on[i]) out.push_back(i);
  return out;
}

// The entry of `entries` (sorted by `key_of`) whose key is `key`; a new one,
// made by `make`, is inserted in order if there is none. Segments keep their
// populations and sources sorted by id so that readers see a stable order.
template <typename Entry, typename Key, typename KeyOf, typename Make>
Entry& FindOrInsertSorted(std::vector<Entry>& entries, Key key, KeyOf key_of, Make make) {
  auto it = std::lower_bound(entries.begin(), entries.end(), key,
                             [&](const Entry& entry, Key k) { return key_of(entry) < k; });
  if (it == entries.end() || key_of(*it) != key) it = entries.insert(it, make());
  return *it;
}

constexpr uint64_t kSpikeBytes = sizeof(uint32_t) + sizeof(double);  // index and time
// A spilled spike is a row of its index and its time.
constexpr size_t kSpikeRowWidth = 2;
// Spikes are interleaved into rows through a copy; this bounds it (1 MiB).
constexpr uint64_t kSpikesPerBlock = uint64_t{1} << 16;

// `rows` rows of values over the channels `from`, as rows over `to` (a
// superset, both ascending); values of the channels not in `from` are NaN.
std::vector<double> Widen(const double* values, uint64_t rows, const std::vector<uint32_t>& from,
                          const std::vector<uint32_t>& to) {
  std::vector<double> out(rows * to.size(), std::numeric_limits<double>::quiet_NaN());
  for (uint64_t k = 0; k < rows; ++k)
    for (size_t c = 0, m = 0; c < from.size(); ++c) {
      while (to[m] != from[c]) ++m;
      out[k * to.size() + m] = values[k * from.size() + c];
    }
  return out;
}

}  // namespace

absl::StatusOr<const double*> SignalData::Rows(uint64_t begin, uint64_t end,
                                               std::vector<double>* scratch) const {
  const size_t width = channels.size();
  if (begin >= spilled.rows) return samples.data() + (begin - spilled.rows) * width;
  scratch->resize((end - begin) * width);
  const uint64_t split = std::min(end, spilled.rows);
  if (absl::Status read = spilled.Read(begin, split, width, scratch->data()); !read.ok())
    return read;
  std::copy(samples.begin(), samples.begin() + (end - split) * width,
            scratch->data() + (split - begin) * width);
  return scratch->data();
}

absl::StatusOr<SpikeSpan> SpikeData::Spikes(uint64_t begin, uint64_t end, Scratch* scratch) const {
  if (begin >= spilled.rows)
    return SpikeSpan{index.data() + (begin - spilled.rows),
                     time_ms.data() + (begin - spilled.rows)};
  const uint64_t split = std::min(end, spilled.rows);
  scratch->rows.resize((split - begin) * kSpikeRowWidth);
  if (absl::Status read = spilled.Read(begin, split, kSpikeRowWidth, scratch->rows.data());
      !read.ok())
    return read;
  scratch->index.resize(end - begin);
  scratch->time_ms.resize(end - begin);
  for (uint64_t k = 0; k < split - begin; ++k) {
    scratch->index[k] = static_cast<uint32_t>(scratch->rows[k * kSpikeRowWidth]);
    scratch->time_ms[k] = scratch->rows[k * kSpikeRowWidth + 1];
  }
  std::copy(index.begin(), index.begin() + (end - split), scratch->index.begin() + (split - begin));
  std::copy(time_ms.begin(), time_ms.begin() + (end - split),
            scratch->time_ms.begin() + (split - begin));
  return SpikeSpan{scratch->index.data(), scratch->time_ms.data()};
}

Recorder::Recorder(const TimeGrid& grid) : grid_(grid) { segments_.emplace_back(); }

void Recorder::AddPopulation(PopulationId id, const CellTypeInfo& type, uint32_t size) {
  State& s = states_[id];
  s.type = &type;
  s.size = size;
  s.spikes_on.assign(size, 0);
}

PopulationRecording& Recorder::Open(PopulationId id) {
  return FindOrInsertSorted(
      segments_.back().populations, id, [](const PopulationRecording& r) { return r.population; },
      [id] {
        PopulationRecording recording;
        recording.population = id;
        return recording;
      });
}

absl::Status Recorder::Record(PopulationId id, const std::vector<uint32_t>& cells,
                              const std::vector<std::string>& variables, uint64_t interval_steps,
                              uint64_t now_step) {
  State& s = states_.at(id);
  bool any_signal = false;
  for (size_t k = 0; k < variables.size(); ++k) {
    const auto& rec = s.type->recordables;
    if (std::find(rec.begin(), rec.end(), variables[k]) == rec.end())
      return InvalidArgument(
          absl::StrCat("variables[", k, "]"), reason::kNotRecordable,
          absl::StrCat("'", variables[k], "' is not recordable for ", s.type->name,
                       "; recordable: ", absl::StrJoin(rec, ", ")));
    any_signal |= variables[k] != "spikes";
  }
  if (any_signal && s.interval_steps != 0 && s.interval_steps != interval_steps)
    return InvalidArgument(
        "sampling_interval_ms", reason::kConflict,
        absl::StrCat("population already records with a sampling interval of ",
                     grid_.Time(s.interval_steps), " ms; PyNN allows one interval per population"));
  if (any_signal && s.interval_steps == 0) {
    s.interval_steps = interval_steps;
    const uint64_t i = interval_steps;
    s.next_sample = s.origin_step + (now_step - s.origin_step + i - 1) / i * i;
  }
  for (const auto& var : variables) {
    if (var == "spikes") {
      for (uint32_t c : cells) s.spikes_on[c] = 1;
      continue;
    }
    auto it = std::find_if(s.signals.begin(), s.signals.end(),
                           [&](const Signal& g) { return g.variable == var; });
    if (it == s.signals.end()) {
      std::string units;
      for (const auto& sv : s.type->state_variables)
        if (sv.name == var) units = sv.units;
      s.signals.push_back({var, units, std::vector<char>(s.size, 0)});
      it = s.signals.end() - 1;
    }
    for (uint32_t c : cells) it->on[c] = 1;
  }
  return SyncChannels(id);
}

// Brings the open segment's channel lists up to the union of everything
// recorded in it; samples taken before a channel joined are NaN. Spilled
// rows are rewritten block by block, so memory stays bounded; if the store
// fails, the signal keeps its old channels and blocks.
absl::Status Recorder::SyncChannels(PopulationId id) {
  State& s = states_.at(id);
  PopulationRecording& r = Open(id);
  const auto spike_cells = OnList(s.spikes_on);
  if (!spike_cells.empty()) {
    r.spikes_recorded = true;
    std::vector<uint32_t> merged;
    std::set_union(r.spikes.recorded.begin(), r.spikes.recorded.end(), spike_cells.begin(),
                   spike_cells.end(), std::back_inserter(merged));
    r.spikes.recorded = std::move(merged);
  }
  for (const Signal& g : s.signals) {
    const auto on = OnList(g.on);
    if (on.empty()) continue;
    auto it = std::find_if(r.signals.begin(), r.signals.end(),
                           [&](const SignalData& d) { return d.variable == g.variable; });
    if (it == r.signals.end()) {
      SignalData d;
      d.variable = g.variable;
      d.units = g.units;
      d.sampling_period_ms = grid_.Time(s.interval_steps);
      d.t_start_ms = grid_.Time(s.next_sample);
      r.signals.push_back(std::move(d));
      it = r.signals.end() - 1;
    }
    std::vector<uint32_t> merged;
    std::set_union(it->channels.begin(), it->channels.end(), on.begin(), on.end(),
                   std::back_inserter(merged));
    if (merged.size() == it->channels.size()) continue;
    SpilledPrefix spilled;
    std::vector<double> block;
    for (const auto& old : it->spilled.blocks) {
      absl::StatusOr<const double*> rows =
          it->Rows(old->first_row(), old->first_row() + old->rows(), &block);
      if (!rows.ok()) return rows.status();
      const std::vector<double> wide = Widen(*rows, old->rows(), it->channels, merged);
      if (absl::Status appended = spilled.Append(spill_, wide.data(), old->rows(), merged.size());
          !appended.ok())
        return appended;
    }
    it->samples =
        Widen(it->samples.data(), it->samples.size() / std::max<size_t>(1, it->channels.size()),
              it->channels, merged);
    it->spilled = std::move(spilled);
    it->channels = std::move(merged);
  }
  Recount();
  return absl::OkStatus();
}

void Recorder::Recount() {
  memory_bytes_ = 0;
  recorded_bytes_ = 0;
  for (const Segment& segment : segments_) {
    auto count = [&](const SignalData& d) {
      memory_bytes_ += d.samples.size() * sizeof(double);
      recorded_bytes_ += d.num_samples() * d.channels.size() * sizeof(double);
    };
    for (const PopulationRecording& r : segment.populations) {
      memory_bytes_ += r.spikes.index.size() * kSpikeBytes;
      recorded_bytes_ += r.spikes.count() * kSpikeBytes;
      for (const SignalData& d : r.signals) count(d);
    }
    for (const CurrentSourceRecording& r : segment.current_sources) count(r.current);
  }
}

void Recorder::SetSpillStore(std::shared_ptr<SpillStore> store, uint64_t memory_budget_bytes) {
  spill_ = std::move(store);
  budget_bytes_ = memory_budget_bytes;
}

absl::Status Recorder::Spill(uint64_t now_step) {
  if (!sampling_spill_.ok()) return std::exchange(sampling_spill_, absl::OkStatus());
  if (spill_ == nullptr || memory_bytes_ <= budget_bytes_) return absl::OkStatus();
  return SpillDownTo(budget_bytes_ / 2, now_step);
}

absl::Status Recorder::SpillDownTo(uint64_t target, uint64_t now_step) {
  // What each recording could move, in bytes, with the rows it must keep in
  // memory because they may still change: the last current sample of an open
  // segment (taken again at the next run's start) and spikes timed after
  // now (SetTime may move them onto the segment's end).
  struct Candidate {
    uint64_t bytes;
    SignalData* signal;
    SpikeData* spikes;
    uint64_t keep_rows;
    bool closed;
  };
  std::vector<Candidate> candidates;
  const double now_ms = grid_.Time(now_step);
  for (Segment& segment : segments_) {
    for (PopulationRecording& r : segment.populations) {
      uint64_t keep = 0;
      if (!segment.closed)
        while (keep < r.spikes.time_ms.size() &&
               r.spikes.time_ms[r.spikes.time_ms.size() - 1 - keep] > now_ms)
          ++keep;
      candidates.push_back(
          {(r.spikes.index.size() - keep) * kSpikeBytes, nullptr, &r.spikes, keep, segment.closed});
      for (SignalData& d : r.signals)
        candidates.push_back({d.samples.size() * sizeof(double), &d, nullptr, 0, segment.closed});
    }
    for (CurrentSourceRecording& r : segment.current_sources) {
      const uint64_t keep = segment.closed ? 0 : std::min<uint64_t>(1, r.current.samples.size());
      candidates.push_back({(r.current.samples.size() - keep) * sizeof(double), &r.current, nullptr,
                            keep, segment.closed});
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.bytes > b.bytes; });
  for (const Candidate& c : candidates) {
    if (memory_bytes_ <= target || c.bytes == 0) break;
    absl::Status moved = c.signal != nullptr ? SpillSignal(*c.signal, c.keep_rows, c.closed)
                                             : SpillSpikes(*c.spikes, c.keep_rows, c.closed);
    if (!moved.ok()) return moved;
  }
  return absl::OkStatus();
}

absl::Status Recorder::SpillSignal(SignalData& d, uint64_t keep, bool closed) {
  const size_t width = d.channels.size();
  const uint64_t rows = d.samples.size() / width - keep;
  if (absl::Status appended = d.spilled.Append(spill_, d.samples.data(), rows, width);
      !appended.ok())
    return appended;
  d.samples.erase(d.samples.begin(), d.samples.begin() + rows * width);
  memory_bytes_ -= rows * width * sizeof(double);
  // An open recording grows again into the memory it had; a closed one is done.
  if (closed) d.samples.shrink_to_fit();
  return absl::OkStatus();
}

absl::Status Recorder::SpillSpikes(SpikeData& s, uint64_t keep, bool closed) {
  const uint64_t n = s.index.size() - keep;
  std::vector<double> rows;
  uint64_t moved = 0;
  absl::Status status;
  while (moved < n && status.ok()) {
    const uint64_t m = std::min(kSpikesPerBlock, n - moved);
    rows.resize(m * kSpikeRowWidth);
    for (uint64_t k = 0; k < m; ++k) {
      rows[k * kSpikeRowWidth] = s.index[moved + k];
      rows[k * kSpikeRowWidth + 1] = s.time_ms[moved + k];
    }
    status = s.spilled.Append(spill_, rows.data(), m, kSpikeRowWidth);
    if (status.ok()) moved += m;
  }
  // Whatever was written is dropped from memory even when a later block failed.
  s.index.erase(s.index.begin(), s.index.begin() + moved);
  s.time_ms.erase(s.time_ms.begin(), s.time_ms.begin() + moved);
  memory_bytes_ -= moved * kSpikeBytes;
  if (closed) {
    s.index.shrink_to_fit();
    s.time_ms.shrink_to_fit();
  }
  return status;
}

absl::Status Recorder::Stop(PopulationId id, const std::vector<uint32_t>& cells,
                            const std::vector<std::string>& variables) {
  State& s = states_.at(id);
  for (size_t k = 0; k < variables.size(); ++k) {
    const auto& rec = s.type->recordables;
    if (std::find(rec.begin(), rec.end(), variables[k]) == rec.end())
      return InvalidArgument(
          absl::StrCat("variables[", k, "]"), reason::kNotRecordable,
          absl::StrCat("'", variables[k], "' is not recordable for ", s.type->name,
                       "; recordable: ", absl::StrJoin(rec, ", ")));
  }
  auto stops = [&](const std::string& v) {
    return variables.empty() || std::find(variables.begin(), variables.end(), v) != variables.end();
  };
  if (stops("spikes"))
    for (uint32_t c : cells) s.spikes_on[c] = 0;
  for (Signal& g : s.signals)
    if (stops(g.variable))
      for (uint32_t c : cells) g.on[c] = 0;
  return absl::OkStatus();
}

void Recorder::Restart(PopulationId id, uint64_t now_step) {
  State& s = states_.at(id);
  auto& pops = segments_.back().populations;
  pops.erase(std::remove_if(pops.begin(), pops.end(),
                            [&](const PopulationRecording& r) { return r.population == id; }),
             pops.end());
  s.origin_step = now_step;
  s.next_sample = now_step;
  bool any = std::find(s.spikes_on.begin(), s.spikes_on.end(), 1) != s.spikes_on.end();
  for (const Signal& g : s.signals) any |= std::find(g.on.begin(), g.on.end(), 1) != g.on.end();
  // A fresh recording has nothing spilled to rewrite, so this cannot fail.
  if (any) SyncChannels(id).IgnoreError();
  Recount();
}

void Recorder::Clear(PopulationId id, uint64_t now_step) { Restart(id, now_step); }

void Recorder::SampleIfDue(PopulationId id, uint64_t step, const CellGroup& cells) {
  State& s = states_.at(id);
  if (s.interval_steps == 0 || step != s.next_sample) return;
  s.next_sample += s.interval_steps;
  PopulationRecording& r = Open(id);
  for (SignalData& d : r.signals) {
    const std::vector<double>& values = *cells.Variable(d.variable);
    const Signal* g = nullptr;
    for (const Signal& q : s.signals)
      if (q.variable == d.variable) g = &q;
    // A full buffer that would grow past the budget is spilled instead: the
    // growth would hold the old and the new buffer at once, up to twice the
    // budget. Spilling leaves the buffer's memory to reuse.
    if (spill_ != nullptr && sampling_spill_.ok() &&
        d.samples.size() + d.channels.size() > d.samples.capacity() &&
        memory_bytes_ + d.samples.capacity() * sizeof(double) > budget_bytes_)
      sampling_spill_ = SpillDownTo(budget_bytes_ / 2, step);
    for (uint32_t c : d.channels)
      d.samples.push_back(g->on[c] ? values[c] : std::numeric_limits<double>::quiet_NaN());
    memory_bytes_ += d.channels.size() * sizeof(double);
    recorded_bytes_ += d.channels.size() * sizeof(double);
  }
}

bool Recorder::SamplesSignals() const {
  for (const auto& [id, s] : states_)
    if (s.interval_steps != 0) return true;
  return false;
}

bool Recorder::RecordsSpikes(PopulationId id) const {
  const auto& on = states_.at(id).spikes_on;
  return std::find(on.begin(), on.end(), 1) != on.end();
}

void Recorder::AddSpikes(PopulationId id, uint64_t spike_step,
                         const std::vector<SpikeEvent>& spikes, const std::vector<double>* exact) {
  const State& s = states_.at(id);
  SpikeData* data = nullptr;
  size_t first = 0;
  const double t = grid_.Time(spike_step);
  size_t j = 0;
  for (const SpikeEvent& e : spikes) {
    if (!s.spikes_on[e.index]) {
      j += e.multiplicity;
      continue;
    }
    if (data == nullptr) {
      data = &Open(id).spikes;
      first = data->index.size();
    }
    for (uint32_t m = 0; m < e.multiplicity; ++m, ++j) {
      data->index.push_back(e.index);
      data->time_ms.push_back(exact ? (*exact)[j] : t);
    }
    memory_bytes_ += e.multiplicity * kSpikeBytes;
    recorded_bytes_ += e.multiplicity * kSpikeBytes;
  }
  if (data == nullptr || exact == nullptr) return;
  // Exact times within one step need not follow the cell order.
  std::vector<std::pair<double, uint32_t>> batch;
  for (size_t k = first; k < data->index.size(); ++k)
    batch.emplace_back(data->time_ms[k], data->index[k]);
  std::sort(batch.begin(), batch.end());
  for (size_t k = 0; k < batch.size(); ++k) {
    data->time_ms[first + k] = batch[k].first;
    data->index[first + k] = batch[k].second;
  }
}

SignalData& Recorder::OpenSource(CurrentSourceId id) {
  return FindOrInsertSorted(
             segments_.back().current_sources, id,
             [](const CurrentSourceRecording& r) { return r.source; },
             [&] {
               CurrentSourceRecording recording;
               recording.source = id;
               recording.current.variable = "i";
               recording.current.units = "nA";
               recording.current.sampling_period_ms = grid_.dt();
               recording.current.t_start_ms = grid_.Time(source_origin_.at(id));
               recording.current.channels = {0};
               return recording;
             })
      .current;
}

void Recorder::RecordSource(CurrentSourceId id, uint64_t now_step) {
  if (source_origin_.count(id)) return;
  ClearSource(id, now_step);
}

void Recorder::ClearSource(CurrentSourceId id, uint64_t now_step) {
  auto& sources = segments_.back().current_sources;
  sources.erase(std::remove_if(sources.begin(), sources.end(),
                               [&](const CurrentSourceRecording& r) { return r.source == id; }),
                sources.end());
  source_origin_[id] = now_step;
  OpenSource(id);
  Recount();
}

std::vector<CurrentSourceId> Recorder::RecordedSources() const {
  std::vector<CurrentSourceId> out;
  for (const auto& [id, origin] : source_origin_) out.push_back(id);
  return out;
}

void Recorder::SampleSource(CurrentSourceId id, uint64_t step, double amplitude_na) {
  SignalData& current = OpenSource(id);
  const uint64_t k = step - source_origin_.at(id);
  if (k < current.num_samples()) {
    // The last sample, which spills keep in memory.
    current.samples[k - current.spilled.rows] = amplitude_na;
  } else {
    current.samples.push_back(amplitude_na);
    memory_bytes_ += sizeof(double);
    recorded_bytes_ += sizeof(double);
  }
}

void Recorder::SetTime(double t_ms) {
  segments_.back().t_stop_ms = t_ms;
  for (auto& r : segments_.back().populations)
    for (size_t k = r.spikes.time_ms.size(); k > 0 && r.spikes.time_ms[k - 1] > t_ms; --k)
      r.spikes.time_ms[k - 1] = t_ms;
}

void Recorder::Reset(const std::map<std::string, std::string>& annotations, bool time_advanced) {
  for (const auto& [k, v] : annotations) segments_.back().annotations[k] = v;
  if (!time_advanced) return;
  segments_.back().closed = true;
  Segment next;
  next.index = segments_.back().index + 1;
  segments_.push_back(std::move(next));
  for (auto& [id, s] : states_) Restart(id, 0);
  for (auto& [id, origin] : source_origin_) ClearSource(id, 0);
}

}  // namespace spikeserve::engine
