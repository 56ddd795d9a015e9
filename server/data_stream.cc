#include "server/data_stream.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/catalogue.h"
#include "engine/errors.h"
#include "server/proto_convert.h"
#include "server/wire_format.h"

namespace spikeserve::server {
namespace {

const absl::Status kClientGone(absl::StatusCode::kCancelled, "the client stopped reading");

}  // namespace

int64_t CellSetPart::Position(uint32_t index) const {
  if (selector->all) return index < population.size ? index : -1;
  auto it = std::lower_bound(selector->indices.begin(), selector->indices.end(), index);
  if (it == selector->indices.end() || *it != index) return -1;
  return it - selector->indices.begin();
}

absl::StatusOr<std::vector<CellSetPart>> ResolveParts(const engine::Simulation& simulation,
                                                      const engine::CellSet& cells,
                                                      const std::string& field,
                                                      std::set<std::string>* recordable) {
  std::vector<CellSetPart> parts;
  uint64_t offset = 0;
  for (const engine::Selector& selector : cells.parts) {
    absl::StatusOr<engine::PopulationInfo> population =
        simulation.DescribePopulation(selector.population);
    if (!population.ok()) return engine::PrefixField(population.status(), field);
    parts.push_back(CellSetPart{&selector, *population, offset});
    offset += selector.all ? population->size : selector.indices.size();
    if (const engine::CellTypeInfo* info = engine::FindCellType(population->cell_type)) {
      recordable->insert(info->recordables.begin(), info->recordables.end());
    }
  }
  return parts;
}

bool ChunkEncoder::Emit(v1::DataChunk& chunk) {
  chunk.set_seq(seq_++);
  return write_(chunk);
}

bool ChunkEncoder::ChannelIds(uint32_t stream_id, const std::vector<uint64_t>& source_ids,
                              const std::vector<uint64_t>& channel_index) {
  const size_t per_chunk = std::max<size_t>(1, max_chunk_bytes_ / 16);
  for (size_t first = 0; first < source_ids.size(); first += per_chunk) {
    const size_t n = std::min(per_chunk, source_ids.size() - first);
    v1::DataChunk chunk;
    v1::ChannelIds* ids = chunk.mutable_channel_ids();
    ids->set_stream_id(stream_id);
    ids->set_first(first);
    AppendLittleEndian<uint64_t>(source_ids.data() + first, n, ids->mutable_source_ids_u64le());
    AppendLittleEndian<uint64_t>(channel_index.data() + first, n,
                                 ids->mutable_channel_index_u64le());
    if (!Emit(chunk)) return false;
  }
  return true;
}

bool ChunkEncoder::BlockStart(const std::vector<CellSetPart>& parts, const std::string& name,
                              double dt_ms, uint32_t num_segments) {
  v1::DataChunk block;
  v1::BlockStart* start = block.mutable_block_start();
  if (!name.empty()) {
    start->set_name(name);
  } else if (!parts.empty()) {
    start->set_name(parts.front().population.label);
  }
  start->set_dt_ms(dt_ms);
  start->set_simulator("spikeserve");
  for (const CellSetPart& part : parts) {
    v1::PopulationMeta* meta = start->add_populations();
    meta->set_population_id(part.population.id);
    meta->set_label(part.population.label);
    meta->set_first_id(part.population.first_id);
    meta->set_size(part.population.size);
    meta->set_cell_type(part.population.cell_type);
    meta->set_channel_offset(part.offset);
  }
  start->set_num_segments(num_segments);
  return Emit(block);
}

bool ChunkEncoder::SegmentStart(const engine::Segment& segment) {
  v1::DataChunk start;
  v1::SegmentStart* segment_start = start.mutable_segment_start();
  segment_start->set_index(segment.index);
  segment_start->set_name(absl::StrFormat("segment%03d", segment.index));
  segment_start->set_t_start_ms(segment.t_start_ms);
  segment_start->set_t_stop_ms(segment.t_stop_ms);
  segment_start->set_closed(segment.closed);
  DecodeAnnotations(segment.annotations, segment_start->mutable_annotations());
  return Emit(start);
}

bool ChunkEncoder::SegmentEnd(uint32_t index) {
  v1::DataChunk end;
  end.mutable_segment_end()->set_index(index);
  return Emit(end);
}

bool ChunkEncoder::BlockEnd() {
  v1::DataChunk end;
  end.mutable_block_end()->set_total_bytes(total_bytes_);
  return Emit(end);
}

SelectedTrains TrainsOf(const CellSetPart& part, const engine::SpikeData& spikes) {
  SelectedTrains trains;
  trains.train_of.assign(part.population.size, -1);
  for (uint32_t index : spikes.recorded) {
    const int64_t position = part.Position(index);
    if (position < 0) continue;
    trains.train_of[index] = static_cast<int64_t>(trains.source_ids.size());
    trains.source_ids.push_back(part.population.first_id + index);
    trains.channel_index.push_back(part.offset + position);
  }
  return trains;
}

absl::Status ForEachSpikes(const engine::SpikeData& spikes, uint64_t begin, uint64_t end,
                           uint64_t per_piece,
                           const std::function<absl::Status(engine::SpikeSpan, uint64_t)>& use) {
  engine::SpikeData::Scratch scratch;
  for (uint64_t first = begin; first < end; first += per_piece) {
    const uint64_t n = std::min(per_piece, end - first);
    absl::StatusOr<engine::SpikeSpan> span = spikes.Spikes(first, first + n, &scratch);
    if (!span.ok()) return span.status();
    if (absl::Status used = use(*span, n); !used.ok()) return used;
  }
  return absl::OkStatus();
}

absl::Status ForEachTrainSpike(
    const engine::SpikeData& spikes, uint64_t begin, uint64_t end, uint64_t per_piece,
    const std::vector<int64_t>& train_of,
    const std::function<absl::Status(const uint32_t* trains, const double* times, uint64_t n)>&
        use) {
  std::vector<uint32_t> trains;
  std::vector<double> times;
  return ForEachSpikes(spikes, begin, end, per_piece, [&](engine::SpikeSpan span, uint64_t n) {
    trains.clear();
    times.clear();
    for (uint64_t k = 0; k < n; ++k) {
      const int64_t train = train_of[span.index[k]];
      if (train < 0) continue;
      trains.push_back(static_cast<uint32_t>(train));
      times.push_back(span.time_ms[k]);
    }
    return use(trains.data(), times.data(), trains.size());
  });
}

bool ChunkEncoder::SpikeHeader(const CellSetPart& part, const engine::SpikeData& spikes,
                               double t_start_ms, double t_stop_ms, bool count_spikes,
                               SpikeStream* stream) {
  SelectedTrains trains = TrainsOf(part, spikes);
  stream->id = next_id_++;
  stream->train_of = std::move(trains.train_of);
  stream->num_trains = trains.source_ids.size();
  v1::DataChunk chunk;
  v1::SpikeTrainsHeader* header = chunk.mutable_spike_trains_header();
  header->set_spikes_id(stream->id);
  header->set_population_id(part.population.id);
  header->set_source_population(part.population.label);
  header->set_t_start_ms(t_start_ms);
  header->set_t_stop_ms(t_stop_ms);
  header->set_num_trains(stream->num_trains);
  if (count_spikes) {
    uint64_t count = 0;
    status_ = ForEachSpikes(
        spikes, 0, spikes.count(), SpikesPerPiece(), [&](engine::SpikeSpan span, uint64_t n) {
          count += std::count_if(span.index, span.index + n,
                                 [&](uint32_t i) { return stream->train_of[i] >= 0; });
          return absl::OkStatus();
        });
    if (!status_.ok()) return false;
    header->set_num_spikes(count);
  }
  return Emit(chunk) && ChannelIds(stream->id, trains.source_ids, trains.channel_index);
}

bool ChunkEncoder::Spikes(const SpikeStream& stream, const engine::SpikeData& spikes,
                          size_t begin, size_t end) {
  const size_t per_batch = SpikesPerPiece();
  std::vector<uint32_t> batch_index;
  std::vector<double> batch_time;
  auto send = [&] {
    if (batch_index.empty()) return true;
    const size_t n = batch_index.size();
    v1::DataChunk chunk;
    v1::SpikeBatch* batch = chunk.mutable_spike_batch();
    batch->set_spikes_id(stream.id);
    batch->set_num_spikes(n);
    AppendLittleEndian<uint32_t>(batch_index.data(), n, batch->mutable_source_index_u32le());
    AppendLittleEndian<double>(batch_time.data(), n, batch->mutable_times_f64le());
    total_bytes_ += n * 12;
    batch_index.clear();
    batch_time.clear();
    return Emit(chunk);
  };
  bool sent = true;
  const absl::Status read = ForEachTrainSpike(
      spikes, begin, end, per_batch, stream.train_of,
      [&](const uint32_t* trains, const double* times, uint64_t n) {
        for (uint64_t k = 0; k < n; ++k) {
          batch_index.push_back(trains[k]);
          batch_time.push_back(times[k]);
          if (batch_index.size() == per_batch && !(sent = send())) return kClientGone;
        }
        return absl::OkStatus();
      });
  if (!sent) return false;
  if (!read.ok()) {
    status_ = read;
    return false;
  }
  return send();
}

SelectedColumns ColumnsOf(const CellSetPart& part, const engine::SignalData& signal) {
  SelectedColumns selected;
  for (size_t c = 0; c < signal.channels.size(); ++c) {
    const int64_t position = part.Position(signal.channels[c]);
    if (position < 0) continue;
    selected.columns.push_back(c);
    selected.source_ids.push_back(part.population.first_id + signal.channels[c]);
    selected.channel_index.push_back(part.offset + position);
  }
  return selected;
}

bool ChunkEncoder::SignalHeader(const CellSetPart& part, const engine::SignalData& signal,
                                uint64_t first_sample, uint64_t num_samples, SignalStream* stream) {
  SelectedColumns selected = ColumnsOf(part, signal);
  v1::DataChunk chunk;
  chunk.mutable_signal_header()->set_population_id(part.population.id);
  chunk.mutable_signal_header()->set_source_population(part.population.label);
  return Columns(chunk, signal, std::move(selected.columns), selected.source_ids,
                 selected.channel_index, first_sample, num_samples, stream);
}

bool ChunkEncoder::CurrentSourceHeader(const engine::CurrentSourceRecording& recording,
                                       SignalStream* stream) {
  v1::DataChunk chunk;
  chunk.mutable_signal_header()->set_current_source_id(recording.source);
  return Columns(chunk, recording.current, {0}, {recording.source}, {0}, 0,
                 recording.current.num_samples(), stream);
}

// Completes `chunk`, a SignalHeader whose owner fields are already set, and
// sends it with its ChannelIds.
bool ChunkEncoder::Columns(v1::DataChunk& chunk, const engine::SignalData& signal,
                           std::vector<size_t> columns, const std::vector<uint64_t>& source_ids,
                           const std::vector<uint64_t>& channel_index, uint64_t first_sample,
                           uint64_t num_samples, SignalStream* stream) {
  v1::SignalHeader* header = chunk.mutable_signal_header();
  stream->id = next_id_++;
  header->set_signal_id(stream->id);
  header->set_name(signal.variable);
  header->set_units(signal.units);
  header->set_sampling_period_ms(signal.sampling_period_ms);
  header->set_t_start_ms(signal.t_start_ms);
  header->set_dtype(dtype_);
  header->set_num_samples(columns.empty() ? 0 : num_samples);
  header->set_first_sample(first_sample);
  header->set_num_channels(columns.size());
  stream->columns = std::move(columns);
  return Emit(chunk) && ChannelIds(stream->id, source_ids, channel_index);
}

bool ChunkEncoder::SignalRows(const SignalStream& stream, const engine::SignalData& signal,
                              uint64_t begin, uint64_t end) {
  const std::vector<size_t>& columns = stream.columns;
  if (columns.empty()) return true;
  const size_t value_bytes = dtype_ == v1::FLOAT32 ? 4 : 8;
  const size_t row_bytes = columns.size() * value_bytes;
  // Whole rows per chunk when a row fits; otherwise one row, split by channel.
  const size_t rows_per_chunk = std::max<size_t>(1, max_chunk_bytes_ / row_bytes);
  const size_t channels_per_chunk = row_bytes <= max_chunk_bytes_
                                        ? columns.size()
                                        : std::max<size_t>(1, max_chunk_bytes_ / value_bytes);
  const size_t stride = signal.channels.size();
  // Columns are ascending and unique, so "as many as the matrix has" means
  // all of them, and whole rows are contiguous in the engine's buffer.
  const bool whole_rows = columns.size() == stride && channels_per_chunk == stride;
  std::vector<double> spilled, gathered;
  for (uint64_t row = begin; row < end; row += rows_per_chunk) {
    const size_t n_rows = std::min<uint64_t>(rows_per_chunk, end - row);
    absl::StatusOr<const double*> rows = signal.Rows(row, row + n_rows, &spilled);
    if (!rows.ok()) {
      status_ = rows.status();
      return false;
    }
    for (size_t c0 = 0; c0 < columns.size(); c0 += channels_per_chunk) {
      const size_t n_cols = std::min(channels_per_chunk, columns.size() - c0);
      const double* values = *rows;
      if (!whole_rows) {
        gathered.clear();
        gathered.reserve(n_rows * n_cols);
        for (size_t r = 0; r < n_rows; ++r) {
          const double* source = *rows + r * stride;
          for (size_t c = c0; c < c0 + n_cols; ++c) gathered.push_back(source[columns[c]]);
        }
        values = gathered.data();
      }
      v1::DataChunk data_chunk;
      v1::SignalChunk* data = data_chunk.mutable_signal_chunk();
      data->set_signal_id(stream.id);
      data->set_first_sample(row);
      data->set_num_samples(n_rows);
      data->set_first_channel(c0);
      data->set_num_channels(n_cols);
      if (dtype_ == v1::FLOAT32) {
        AppendLittleEndian<float>(values, n_rows * n_cols, data->mutable_data());
      } else {
        AppendLittleEndian<double>(values, n_rows * n_cols, data->mutable_data());
      }
      total_bytes_ += data->data().size();
      if (!Emit(data_chunk)) return false;
    }
  }
  return true;
}

namespace {

bool Wanted(const DataRequest& request, const std::string& variable) {
  return request.variables.empty() || request.variables.count(variable) > 0;
}

// GetData's encoding of one segment's recordings.
class SegmentEncoder : public SelectionVisitor {
 public:
  SegmentEncoder(ChunkEncoder& encoder, const engine::Segment& segment)
      : encoder_(encoder), segment_(segment) {}
  bool Spikes(const CellSetPart& part, const engine::SpikeData& spikes) override {
    ChunkEncoder::SpikeStream stream;
    return encoder_.SpikeHeader(part, spikes, segment_.t_start_ms, segment_.t_stop_ms,
                                /*count_spikes=*/true, &stream) &&
           encoder_.Spikes(stream, spikes, 0, spikes.count());
  }
  bool Signal(const CellSetPart& part, const engine::SignalData& signal) override {
    ChunkEncoder::SignalStream stream;
    return encoder_.SignalHeader(part, signal, 0, signal.num_samples(), &stream) &&
           encoder_.SignalRows(stream, signal, 0, signal.num_samples());
  }
  bool CurrentSource(const engine::CurrentSourceRecording& recording) override {
    ChunkEncoder::SignalStream stream;
    return encoder_.CurrentSourceHeader(recording, &stream) &&
           encoder_.SignalRows(stream, recording.current, 0, recording.current.num_samples());
  }

 private:
  ChunkEncoder& encoder_;
  const engine::Segment& segment_;
};

}  // namespace

bool VisitSegment(const DataRequest& request, const std::vector<CellSetPart>& parts,
                  const engine::Segment& segment, SelectionVisitor& visitor) {
  for (const CellSetPart& part : parts) {
    for (const engine::PopulationRecording& recording : segment.populations) {
      if (recording.population != part.population.id) continue;
      if (recording.spikes_recorded && Wanted(request, "spikes") &&
          !visitor.Spikes(part, recording.spikes)) {
        return false;
      }
      for (const engine::SignalData& signal : recording.signals) {
        if (Wanted(request, signal.variable) && !visitor.Signal(part, signal)) return false;
      }
    }
  }
  for (const engine::CurrentSourceRecording& recording : segment.current_sources) {
    const auto& wanted = request.current_sources;
    if (std::find(wanted.begin(), wanted.end(), recording.source) == wanted.end()) continue;
    if (!visitor.CurrentSource(recording)) return false;
  }
  return true;
}

absl::StatusOr<Selection> Select(const engine::Simulation& simulation, const DataRequest& request) {
  std::set<std::string> recordable;
  absl::StatusOr<std::vector<CellSetPart>> parts =
      ResolveParts(simulation, request.cells, "cells", &recordable);
  if (!parts.ok()) return parts.status();
  for (const std::string& variable : request.variables) {
    if (recordable.count(variable) == 0) {
      return engine::InvalidArgument(
          "variables", engine::reason::kNotRecordable,
          absl::StrCat("variable '", variable,
                       "' is not recordable by the selected cells; allowed: ",
                       absl::StrJoin(recordable, ", ")));
    }
  }
  for (size_t k = 0; k < request.current_sources.size(); ++k) {
    absl::StatusOr<engine::ParameterMap> known =
        simulation.CurrentSourceParameters(request.current_sources[k]);
    if (!known.ok()) {
      return engine::PrefixField(known.status(), absl::StrCat("current_sources[", k, "]"));
    }
  }
  const std::vector<engine::Segment>& segments = simulation.segments();
  for (uint32_t index : request.segments) {
    if (index >= segments.size()) {
      return engine::InvalidArgument(
          "segments", engine::reason::kIndexOutOfRange,
          absl::StrCat("segment ", index, " does not exist; the session has ", segments.size(),
                       " segment(s), 0..", segments.size() - 1));
    }
  }
  Selection selection{*std::move(parts), request.segments};
  if (selection.segments.empty()) {
    for (uint32_t i = 0; i < segments.size(); ++i) selection.segments.push_back(i);
  }
  return selection;
}

absl::Status StreamData(const engine::Simulation& simulation, const DataRequest& request,
                        const ChunkWriter& write) {
  if (request.max_chunk_bytes < kMinChunkBytes || request.max_chunk_bytes > kMaxChunkBytes) {
    return engine::InvalidArgument(
        "max_chunk_bytes", engine::reason::kOutOfRange,
        absl::StrCat("max_chunk_bytes must be between ", kMinChunkBytes, " and ", kMaxChunkBytes,
                     " (0 means ", kDefaultChunkBytes, "); got ", request.max_chunk_bytes));
  }
  absl::StatusOr<Selection> selection = Select(simulation, request);
  if (!selection.ok()) return selection.status();
  const std::vector<engine::Segment>& segments = simulation.segments();
  ChunkEncoder encoder(request.dtype, request.max_chunk_bytes, write);
  if (!encoder.BlockStart(selection->parts, request.block_name, simulation.config().timestep_ms,
                          selection->segments.size())) {
    return kClientGone;
  }
  for (uint32_t index : selection->segments) {
    const engine::Segment& segment = segments[index];
    SegmentEncoder visitor(encoder, segment);
    if (!encoder.SegmentStart(segment) ||
        !VisitSegment(request, selection->parts, segment, visitor) ||
        !encoder.SegmentEnd(segment.index)) {
      return encoder.status().ok() ? kClientGone : encoder.status();
    }
  }
  if (!encoder.BlockEnd()) return kClientGone;
  return absl::OkStatus();
}

}  // namespace spikeserve::server
