#include "server/nix_export.h"

#include <cstring>
#include <utility>

namespace spikeserve::server {

NixValue ToNixValue(const v1::AnnotationValue& value) {
  switch (value.value_case()) {
    case v1::AnnotationValue::kDoubleValue:
      return value.double_value();
    case v1::AnnotationValue::kIntValue:
      return static_cast<int64_t>(value.int_value());
    case v1::AnnotationValue::kBoolValue:
      return value.bool_value();
    case v1::AnnotationValue::kStringValue:
    case v1::AnnotationValue::VALUE_NOT_SET:
      break;
  }
  return value.string_value();
}

NixBlockBuilder::NixBlockBuilder(std::map<std::string, NixValue> annotations,
                                 std::string description)
    : extra_annotations_(std::move(annotations)) {
  block_.description = std::move(description);
}

bool NixBlockBuilder::Add(const v1::DataChunk& chunk) {
  switch (chunk.chunk_case()) {
    case v1::DataChunk::kBlockStart: {
      const v1::BlockStart& start = chunk.block_start();
      block_.name = start.name();
      // The annotations PyNN's Recorder.metadata gives a Block.
      if (start.populations_size() > 0) {
        const v1::PopulationMeta& first = start.populations(0);
        block_.annotations = {
            {"size", static_cast<int64_t>(first.size())},
            {"first_index", int64_t{0}},
            {"last_index", static_cast<int64_t>(first.size())},
            {"first_id", static_cast<int64_t>(first.first_id())},
            {"last_id", static_cast<int64_t>(first.first_id() + first.size() - 1)},
            {"label", first.label()}};
      }
      block_.annotations["simulator"] = start.simulator();
      block_.annotations["dt"] = start.dt_ms();
      block_.annotations["mpi_processes"] = int64_t{1};
      for (const auto& [key, value] : extra_annotations_) block_.annotations[key] = value;
      break;
    }
    case v1::DataChunk::kSegmentStart: {
      const v1::SegmentStart& start = chunk.segment_start();
      NixSegment segment;
      segment.name = start.name();
      segment.description = block_.description;
      for (const auto& [key, value] : start.annotations()) {
        segment.annotations[key] = ToNixValue(value);
      }
      block_.segments.push_back(std::move(segment));
      signals_.clear();
      break;
    }
    case v1::DataChunk::kSignalHeader: {
      const v1::SignalHeader& header = chunk.signal_header();
      NixSignal signal;
      signal.name = header.name();
      signal.units = header.units();
      signal.sampling_period_ms = header.sampling_period_ms();
      signal.t_start_ms = header.t_start_ms();
      signal.num_samples = header.num_samples();
      signal.num_channels = static_cast<uint32_t>(header.num_channels());
      signal.float32 = header.dtype() == v1::FLOAT32;
      signal.values.assign(signal.num_samples * signal.num_channels, 0.0);
      signal.source_population = header.source_population();
      signals_[header.signal_id()] = block_.segments.back().signals.size();
      block_.segments.back().signals.push_back(std::move(signal));
      break;
    }
    case v1::DataChunk::kSignalChunk: {
      const v1::SignalChunk& data = chunk.signal_chunk();
      NixSignal& signal = block_.segments.back().signals[signals_.at(data.signal_id())];
      const char* bytes = data.data().data();
      for (uint64_t r = 0; r < data.num_samples(); ++r) {
        for (uint64_t c = 0; c < data.num_channels(); ++c) {
          const uint64_t k = r * data.num_channels() + c;
          double value;
          if (signal.float32) {
            float narrow;
            std::memcpy(&narrow, bytes + k * sizeof(float), sizeof(float));
            value = narrow;
          } else {
            std::memcpy(&value, bytes + k * sizeof(double), sizeof(double));
          }
          signal
              .values[(data.first_sample() + r) * signal.num_channels + data.first_channel() + c] =
              value;
        }
      }
      break;
    }
    case v1::DataChunk::kSpikeTrainsHeader: {
      PendingTrains& pending = trains_[chunk.spike_trains_header().spikes_id()];
      pending.header = chunk.spike_trains_header();
      pending.times.assign(pending.header.num_trains(), {});
      break;
    }
    case v1::DataChunk::kChannelIds: {
      const v1::ChannelIds& ids = chunk.channel_ids();
      const size_t n = ids.source_ids_u64le().size() / sizeof(uint64_t);
      std::vector<int64_t> source(n), index(n);
      std::memcpy(source.data(), ids.source_ids_u64le().data(), n * sizeof(int64_t));
      std::memcpy(index.data(), ids.channel_index_u64le().data(), n * sizeof(int64_t));
      std::vector<int64_t>* source_ids;
      std::vector<int64_t>* channel_index;
      if (auto it = signals_.find(ids.stream_id()); it != signals_.end()) {
        NixSignal& signal = block_.segments.back().signals[it->second];
        source_ids = &signal.source_ids;
        channel_index = &signal.channel_index;
      } else {
        PendingTrains& pending = trains_.at(ids.stream_id());
        source_ids = &pending.source_ids;
        channel_index = &pending.channel_index;
      }
      source_ids->insert(source_ids->end(), source.begin(), source.end());
      channel_index->insert(channel_index->end(), index.begin(), index.end());
      break;
    }
    case v1::DataChunk::kSpikeBatch: {
      const v1::SpikeBatch& batch = chunk.spike_batch();
      PendingTrains& pending = trains_.at(batch.spikes_id());
      for (uint64_t k = 0; k < batch.num_spikes(); ++k) {
        uint32_t train;
        double time;
        std::memcpy(&train, batch.source_index_u32le().data() + 4 * k, 4);
        std::memcpy(&time, batch.times_f64le().data() + 8 * k, 8);
        pending.times[train].push_back(time);
      }
      break;
    }
    case v1::DataChunk::kSegmentEnd:
      FlushTrains();
      break;
    case v1::DataChunk::kBlockEnd:
    case v1::DataChunk::CHUNK_NOT_SET:
      break;
  }
  return true;
}

void NixBlockBuilder::FlushTrains() {
  for (auto& [id, pending] : trains_) {
    for (size_t k = 0; k < pending.source_ids.size(); ++k) {
      NixSpikeTrain train;
      train.times_ms = std::move(pending.times[k]);
      train.t_start_ms = pending.header.t_start_ms();
      train.t_stop_ms = pending.header.t_stop_ms();
      // As PyNN's multiplexed spike trains (SpikeTrainList) annotate them.
      train.annotations["source_population"] = pending.header.source_population();
      train.annotations["channel_id"] = pending.source_ids[k];
      block_.segments.back().spike_trains.push_back(std::move(train));
    }
  }
  trains_.clear();
}

NixBlock NixBlockBuilder::Finish() { return std::move(block_); }

}  // namespace spikeserve::server
