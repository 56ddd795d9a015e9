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

// One part of the requested cell set, resolved against its population.
struct Part {
  const engine::Selector* selector;
  engine::PopulationInfo population;
  uint64_t offset;  // position of the part's first cell in the whole cell set

  // Position of population index `index` inside this part, or -1 if outside.
  int64_t Position(uint32_t index) const {
    if (selector->all) return index < population.size ? index : -1;
    auto it = std::lower_bound(selector->indices.begin(), selector->indices.end(), index);
    if (it == selector->indices.end() || *it != index) return -1;
    return it - selector->indices.begin();
  }
};

class Streamer {
 public:
  Streamer(const DataRequest& request, const ChunkWriter& write)
      : request_(request), write_(write) {}

  bool Emit(v1::DataChunk& chunk) {
    chunk.set_seq(seq_++);
    return write_(chunk);
  }

  // The ids of a header's channels (or trains), in pieces of bounded size.
  bool EmitChannelIds(uint32_t stream_id, const std::vector<uint64_t>& source_ids,
                      const std::vector<uint64_t>& channel_index) {
    const size_t per_chunk = std::max<size_t>(1, request_.max_chunk_bytes / 16);
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

  bool Wanted(const std::string& variable) const {
    return request_.variables.empty() || request_.variables.count(variable) > 0;
  }

  bool StreamSpikes(const Part& part, const engine::Segment& segment,
                    const engine::SpikeData& spikes) {
    // Recorded cells of this part, and each one's position in the train list.
    std::vector<int64_t> train_of(part.population.size, -1);
    v1::DataChunk chunk;
    v1::SpikeTrainsHeader* header = chunk.mutable_spike_trains_header();
    const uint32_t spikes_id = next_id_++;
    header->set_spikes_id(spikes_id);
    header->set_population_id(part.population.id);
    header->set_source_population(part.population.label);
    header->set_t_start_ms(segment.t_start_ms);
    header->set_t_stop_ms(segment.t_stop_ms);
    std::vector<uint64_t> source_ids, channel_index;
    for (uint32_t index : spikes.recorded) {
      const int64_t position = part.Position(index);
      if (position < 0) continue;
      train_of[index] = static_cast<int64_t>(source_ids.size());
      source_ids.push_back(part.population.first_id + index);
      channel_index.push_back(part.offset + position);
    }
    header->set_num_trains(source_ids.size());
    std::vector<uint32_t> batch_index;
    std::vector<double> batch_time;
    for (size_t k = 0; k < spikes.index.size(); ++k) {
      const int64_t train = train_of[spikes.index[k]];
      if (train < 0) continue;
      batch_index.push_back(static_cast<uint32_t>(train));
      batch_time.push_back(spikes.time_ms[k]);
    }
    header->set_num_spikes(batch_index.size());
    if (!Emit(chunk) || !EmitChannelIds(spikes_id, source_ids, channel_index)) return false;

    const size_t per_batch = std::max<size_t>(1, request_.max_chunk_bytes / 12);
    for (size_t first = 0; first < batch_index.size(); first += per_batch) {
      const size_t n = std::min(per_batch, batch_index.size() - first);
      v1::DataChunk batch_chunk;
      v1::SpikeBatch* batch = batch_chunk.mutable_spike_batch();
      batch->set_spikes_id(spikes_id);
      batch->set_num_spikes(n);
      AppendLittleEndian<uint32_t>(batch_index.data() + first, n,
                                   batch->mutable_source_index_u32le());
      AppendLittleEndian<double>(batch_time.data() + first, n, batch->mutable_times_f64le());
      total_bytes_ += n * 12;
      if (!Emit(batch_chunk)) return false;
    }
    return true;
  }

  bool StreamSignal(const Part& part, const engine::SignalData& signal) {
    // Columns of the engine's sample matrix that belong to the part.
    std::vector<size_t> columns;
    std::vector<uint64_t> source_ids, channel_index;
    for (size_t c = 0; c < signal.channels.size(); ++c) {
      const int64_t position = part.Position(signal.channels[c]);
      if (position < 0) continue;
      columns.push_back(c);
      source_ids.push_back(part.population.first_id + signal.channels[c]);
      channel_index.push_back(part.offset + position);
    }
    v1::DataChunk chunk;
    chunk.mutable_signal_header()->set_population_id(part.population.id);
    chunk.mutable_signal_header()->set_source_population(part.population.label);
    return StreamColumns(chunk, signal, columns, source_ids, channel_index);
  }

  // A recorded current source: one channel, named by the source's id.
  bool StreamCurrentSource(const engine::CurrentSourceRecording& recording) {
    v1::DataChunk chunk;
    chunk.mutable_signal_header()->set_current_source_id(recording.source);
    return StreamColumns(chunk, recording.current, {0}, {recording.source}, {0});
  }

  // Sends `signal`'s `columns` after `chunk`, a SignalHeader whose owner
  // fields are already set.
  bool StreamColumns(v1::DataChunk& chunk, const engine::SignalData& signal,
                     const std::vector<size_t>& columns, const std::vector<uint64_t>& source_ids,
                     const std::vector<uint64_t>& channel_index) {
    v1::SignalHeader* header = chunk.mutable_signal_header();
    const uint32_t signal_id = next_id_++;
    header->set_signal_id(signal_id);
    header->set_name(signal.variable);
    header->set_units(signal.units);
    header->set_sampling_period_ms(signal.sampling_period_ms);
    header->set_t_start_ms(signal.t_start_ms);
    header->set_dtype(request_.dtype);
    const uint64_t num_samples = signal.num_samples();
    header->set_num_samples(columns.empty() ? 0 : num_samples);
    header->set_num_channels(columns.size());
    if (!Emit(chunk) || !EmitChannelIds(signal_id, source_ids, channel_index)) return false;
    if (columns.empty()) return true;

    const size_t value_bytes = request_.dtype == v1::FLOAT32 ? 4 : 8;
    const size_t row_bytes = columns.size() * value_bytes;
    // Whole rows per chunk when a row fits; otherwise one row, split by channel.
    const size_t rows_per_chunk = std::max<size_t>(1, request_.max_chunk_bytes / row_bytes);
    const size_t channels_per_chunk =
        row_bytes <= request_.max_chunk_bytes
            ? columns.size()
            : std::max<size_t>(1, request_.max_chunk_bytes / value_bytes);
    const size_t stride = signal.channels.size();
    // Columns are ascending and unique, so "as many as the matrix has" means
    // all of them, and whole rows are contiguous in the engine's buffer.
    const bool whole_rows = columns.size() == stride && channels_per_chunk == stride;
    std::vector<double> gathered;
    for (uint64_t row = 0; row < num_samples; row += rows_per_chunk) {
      const size_t n_rows = std::min<uint64_t>(rows_per_chunk, num_samples - row);
      for (size_t c0 = 0; c0 < columns.size(); c0 += channels_per_chunk) {
        const size_t n_cols = std::min(channels_per_chunk, columns.size() - c0);
        const double* values = signal.samples.data() + row * stride;
        if (!whole_rows) {
          gathered.clear();
          gathered.reserve(n_rows * n_cols);
          for (size_t r = row; r < row + n_rows; ++r) {
            const double* source = signal.samples.data() + r * stride;
            for (size_t c = c0; c < c0 + n_cols; ++c) gathered.push_back(source[columns[c]]);
          }
          values = gathered.data();
        }
        v1::DataChunk data_chunk;
        v1::SignalChunk* data = data_chunk.mutable_signal_chunk();
        data->set_signal_id(signal_id);
        data->set_first_sample(row);
        data->set_num_samples(n_rows);
        data->set_first_channel(c0);
        data->set_num_channels(n_cols);
        if (request_.dtype == v1::FLOAT32) {
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

  bool StreamSegment(const std::vector<Part>& parts, const engine::Segment& segment) {
    v1::DataChunk start;
    v1::SegmentStart* segment_start = start.mutable_segment_start();
    segment_start->set_index(segment.index);
    segment_start->set_name(absl::StrFormat("segment%03d", segment.index));
    segment_start->set_t_start_ms(segment.t_start_ms);
    segment_start->set_t_stop_ms(segment.t_stop_ms);
    segment_start->set_closed(segment.closed);
    DecodeAnnotations(segment.annotations, segment_start->mutable_annotations());
    if (!Emit(start)) return false;
    for (const Part& part : parts) {
      for (const engine::PopulationRecording& recording : segment.populations) {
        if (recording.population != part.population.id) continue;
        if (recording.spikes_recorded && Wanted("spikes") &&
            !StreamSpikes(part, segment, recording.spikes)) {
          return false;
        }
        for (const engine::SignalData& signal : recording.signals) {
          if (Wanted(signal.variable) && !StreamSignal(part, signal)) return false;
        }
      }
    }
    for (const engine::CurrentSourceRecording& recording : segment.current_sources) {
      const auto& wanted = request_.current_sources;
      if (std::find(wanted.begin(), wanted.end(), recording.source) != wanted.end() &&
          !StreamCurrentSource(recording)) {
        return false;
      }
    }
    v1::DataChunk end;
    end.mutable_segment_end()->set_index(segment.index);
    return Emit(end);
  }

  uint64_t total_bytes() const { return total_bytes_; }

 private:
  const DataRequest& request_;
  const ChunkWriter& write_;
  uint64_t seq_ = 0;
  uint32_t next_id_ = 1;
  uint64_t total_bytes_ = 0;
};

}  // namespace

absl::Status StreamData(const engine::Simulation& simulation, const DataRequest& request,
                        const ChunkWriter& write) {
  if (request.max_chunk_bytes < kMinChunkBytes || request.max_chunk_bytes > kMaxChunkBytes) {
    return engine::InvalidArgument(
        "max_chunk_bytes", engine::reason::kOutOfRange,
        absl::StrCat("max_chunk_bytes must be between ", kMinChunkBytes, " and ", kMaxChunkBytes,
                     " (0 means ", kDefaultChunkBytes, "); got ", request.max_chunk_bytes));
  }
  std::vector<Part> parts;
  uint64_t offset = 0;
  std::set<std::string> recordable;
  for (const engine::Selector& selector : request.cells.parts) {
    absl::StatusOr<engine::PopulationInfo> population =
        simulation.DescribePopulation(selector.population);
    if (!population.ok()) return engine::PrefixField(population.status(), "cells");
    parts.push_back(Part{&selector, *population, offset});
    offset += selector.all ? population->size : selector.indices.size();
    if (const engine::CellTypeInfo* type = engine::FindCellType(population->cell_type)) {
      recordable.insert(type->recordables.begin(), type->recordables.end());
    }
  }
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

  Streamer streamer(request, write);
  v1::DataChunk block;
  v1::BlockStart* block_start = block.mutable_block_start();
  if (!request.block_name.empty()) {
    block_start->set_name(request.block_name);
  } else if (!parts.empty()) {
    block_start->set_name(parts.front().population.label);
  }
  block_start->set_dt_ms(simulation.config().timestep_ms);
  block_start->set_simulator("spikeserve");
  for (const Part& part : parts) {
    v1::PopulationMeta* meta = block_start->add_populations();
    meta->set_population_id(part.population.id);
    meta->set_label(part.population.label);
    meta->set_first_id(part.population.first_id);
    meta->set_size(part.population.size);
    meta->set_cell_type(part.population.cell_type);
    meta->set_channel_offset(part.offset);
  }
  std::vector<uint32_t> wanted = request.segments;
  if (wanted.empty()) {
    for (uint32_t i = 0; i < segments.size(); ++i) wanted.push_back(i);
  }
  block_start->set_num_segments(wanted.size());
  const absl::Status cancelled(absl::StatusCode::kCancelled, "the client stopped reading");
  if (!streamer.Emit(block)) return cancelled;
  for (uint32_t index : wanted) {
    const engine::Segment& segment = segments[index];
    if (!streamer.StreamSegment(parts, segment)) return cancelled;
  }
  v1::DataChunk end;
  end.mutable_block_end()->set_total_bytes(streamer.total_bytes());
  if (!streamer.Emit(end)) return cancelled;
  return absl::OkStatus();
}

}  // namespace spikeserve::server
