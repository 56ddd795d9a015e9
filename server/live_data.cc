#include "server/live_data.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/errors.h"
#include "server/proto_convert.h"

namespace spikeserve::server {
namespace {

const engine::PopulationRecording* FindRecording(const engine::Segment& segment,
                                                 engine::PopulationId id) {
  for (const engine::PopulationRecording& recording : segment.populations) {
    if (recording.population == id) return &recording;
  }
  return nullptr;
}

const engine::SignalData* FindSignal(const engine::PopulationRecording& recording,
                                     const std::string& variable) {
  for (const engine::SignalData& signal : recording.signals) {
    if (signal.variable == variable) return &signal;
  }
  return nullptr;
}

// Whether any cell of `part` is among `channels` (ascending population indices).
bool Covers(const CellSetPart& part, const std::vector<uint32_t>& channels) {
  return std::any_of(channels.begin(), channels.end(),
                     [&](uint32_t index) { return part.Position(index) >= 0; });
}

}  // namespace

LiveData::LiveData(engine::CellSet cells, RunStream::Options stream_options,
                   v1::SignalDtype dtype, size_t max_chunk_bytes)
    : cells_(std::move(cells)),
      stream_options_(stream_options),
      encoder_(dtype, max_chunk_bytes, [this](v1::DataChunk& chunk) {
        return stream_->Live(segment_, t_start_ms_, t_stop_ms_, chunk);
      }) {}

absl::StatusOr<std::unique_ptr<LiveData>> LiveData::Create(
    const v1::LiveDataRequest& request, const engine::Simulation& simulation) {
  RunStream::Options stream_options;
  if (request.policy() != v1::PAUSE && request.policy() != v1::DROP_LIVE) {
    return engine::InvalidArgument(
        "live_data.policy", engine::reason::kOutOfRange,
        absl::StrCat("live_data.policy must be PAUSE (the run waits for the client) or "
                     "DROP_LIVE (the run never waits; live chunks that do not fit are "
                     "dropped and reported); got ",
                     static_cast<int>(request.policy())));
  }
  stream_options.policy = request.policy();
  const size_t max_chunk_bytes =
      request.max_chunk_bytes() == 0 ? kDefaultLiveChunkBytes : request.max_chunk_bytes();
  if (max_chunk_bytes < kMinChunkBytes || max_chunk_bytes > kMaxChunkBytes) {
    return engine::InvalidArgument(
        "live_data.max_chunk_bytes", engine::reason::kOutOfRange,
        absl::StrCat("live_data.max_chunk_bytes must be between ", kMinChunkBytes, " and ",
                     kMaxChunkBytes, " (0 means ", kDefaultLiveChunkBytes, "); got ",
                     max_chunk_bytes));
  }
  stream_options.window_bytes =
      request.window_bytes() == 0 ? kDefaultLiveWindowBytes : request.window_bytes();
  if (stream_options.window_bytes < std::max<uint64_t>(kMinLiveWindowBytes, max_chunk_bytes) ||
      stream_options.window_bytes > kMaxLiveWindowBytes) {
    return engine::InvalidArgument(
        "live_data.window_bytes", engine::reason::kOutOfRange,
        absl::StrCat("live_data.window_bytes must be between ", kMinLiveWindowBytes, " and ",
                     kMaxLiveWindowBytes, " and at least max_chunk_bytes (", max_chunk_bytes,
                     "); 0 means ", kDefaultLiveWindowBytes, "; got ",
                     stream_options.window_bytes));
  }
  if (request.dtype() != v1::FLOAT64 && request.dtype() != v1::FLOAT32) {
    return engine::InvalidArgument(
        "live_data.dtype", engine::reason::kOutOfRange,
        absl::StrCat("live_data.dtype must be FLOAT64 or FLOAT32; got ",
                     static_cast<int>(request.dtype())));
  }
  absl::StatusOr<engine::CellSet> cells = FromProto(request.cells(), "live_data.cells", simulation);
  if (!cells.ok()) return cells.status();

  std::unique_ptr<LiveData> live(
      new LiveData(*std::move(cells), stream_options, request.dtype(), max_chunk_bytes));
  std::set<std::string> recordable;
  absl::StatusOr<std::vector<CellSetPart>> parts =
      ResolveParts(simulation, live->cells_, "live_data.cells", &recordable);
  if (!parts.ok()) return parts.status();
  live->parts_ = *std::move(parts);

  // What the selected cells record in the open segment, in GetData's order.
  const engine::Segment& segment = simulation.segments().back();
  std::set<std::string> recorded;
  for (size_t p = 0; p < live->parts_.size(); ++p) {
    const CellSetPart& part = live->parts_[p];
    const engine::PopulationRecording* recording = FindRecording(segment, part.population.id);
    if (recording == nullptr) continue;
    if (recording->spikes_recorded && Covers(part, recording->spikes.recorded)) {
      recorded.insert("spikes");
      live->cursors_.push_back({p, "spikes", recording->spikes.count(), {}, {}});
    }
    for (const engine::SignalData& signal : recording->signals) {
      if (!Covers(part, signal.channels)) continue;
      recorded.insert(signal.variable);
      live->cursors_.push_back({p, signal.variable, signal.num_samples(), {}, {}});
    }
  }
  for (int k = 0; k < request.variables_size(); ++k) {
    const std::string& variable = request.variables(k);
    const std::string field = absl::StrCat("live_data.variables[", k, "]");
    if (recordable.count(variable) == 0) {
      return engine::InvalidArgument(
          field, engine::reason::kNotRecordable,
          absl::StrCat("variable '", variable,
                       "' is not recordable by the selected cells; allowed: ",
                       absl::StrJoin(recordable, ", ")));
    }
    if (recorded.count(variable) == 0) {
      return engine::InvalidArgument(
          field, engine::reason::kNotRecorded,
          absl::StrCat("'", variable,
                       "' is not being recorded for the selected cells; call record() first",
                       recorded.empty() ? std::string()
                                        : absl::StrCat(" (recorded: ",
                                                       absl::StrJoin(recorded, ", "), ")")));
    }
  }
  if (live->cursors_.empty()) {
    return engine::InvalidArgument(
        "live_data.cells", engine::reason::kNotRecorded,
        "none of the selected cells records anything; call record() before asking for live "
        "data");
  }
  if (request.variables_size() > 0) {
    const std::set<std::string> wanted(request.variables().begin(), request.variables().end());
    live->cursors_.erase(std::remove_if(live->cursors_.begin(), live->cursors_.end(),
                                        [&](const Cursor& c) {
                                          return wanted.count(c.variable) == 0;
                                        }),
                         live->cursors_.end());
  }
  live->segment_ = segment.index;
  live->t_start_ms_ = live->t_stop_ms_ = simulation.time_ms();
  return live;
}

bool LiveData::Start(const engine::Segment& segment, double dt_ms) {
  started_ = true;
  if (!encoder_.BlockStart(parts_, "", dt_ms, 1) || !encoder_.SegmentStart(segment)) return false;
  for (Cursor& cursor : cursors_) {
    const CellSetPart& part = parts_[cursor.part];
    const engine::PopulationRecording& recording = *FindRecording(segment, part.population.id);
    const bool ok =
        cursor.variable == "spikes"
            ? encoder_.SpikeHeader(part, recording.spikes, segment.t_start_ms, t_start_ms_,
                                   /*count_spikes=*/false, &cursor.spikes)
            : encoder_.SignalHeader(part, *FindSignal(recording, cursor.variable), cursor.sent,
                                    /*num_samples=*/0, &cursor.signal);
    if (!ok) return false;
  }
  return true;
}

bool LiveData::Flush(const engine::Simulation& simulation, double t_ms, RunStream& stream) {
  stream_ = &stream;
  t_stop_ms_ = t_ms;
  const engine::Segment& segment = simulation.segments().back();
  if (!started_ && !Start(segment, simulation.config().timestep_ms)) return false;
  for (Cursor& cursor : cursors_) {
    const engine::PopulationRecording& recording =
        *FindRecording(segment, parts_[cursor.part].population.id);
    if (cursor.variable == "spikes") {
      const size_t end = recording.spikes.count();
      if (!encoder_.Spikes(cursor.spikes, recording.spikes, cursor.sent, end)) return false;
      cursor.sent = end;
    } else {
      const engine::SignalData& signal = *FindSignal(recording, cursor.variable);
      const uint64_t end = signal.num_samples();
      if (!encoder_.SignalRows(cursor.signal, signal, cursor.sent, end)) return false;
      cursor.sent = end;
    }
  }
  t_start_ms_ = t_ms;
  return true;
}

bool LiveData::End(const engine::Simulation& simulation, double t_ms, RunStream& stream) {
  return Flush(simulation, t_ms, stream) && encoder_.SegmentEnd(segment_) && encoder_.BlockEnd();
}

}  // namespace spikeserve::server
