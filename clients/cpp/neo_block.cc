#include "clients/cpp/neo_block.h"

#include <cstring>

namespace spikeserve::client {
namespace {

template <typename T>
std::vector<T> FromLittleEndian(const std::string& bytes) {
  std::vector<T> values(bytes.size() / sizeof(T));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
  return values;
}

}  // namespace

std::vector<double> SpikeTrains::TimesOf(uint64_t source_id) const {
  std::vector<double> times;
  for (size_t k = 0; k < source_ids.size(); ++k) {
    if (source_ids[k] != source_id) continue;
    for (size_t i = 0; i < train.size(); ++i) {
      if (train[i] == static_cast<uint32_t>(k)) times.push_back(times_ms[i]);
    }
  }
  return times;
}

const AnalogSignal* NeoSegment::FindSignal(const std::string& name) const {
  for (const AnalogSignal& signal : signals) {
    if (signal.header.name() == name) return &signal;
  }
  return nullptr;
}

std::string BlockAssembler::Add(const v1::DataChunk& chunk) {
  if (chunk.seq() != next_seq_) return "chunk out of sequence";
  ++next_seq_;
  ++block_.num_chunks;
  if (ended_) return "chunk after block_end";
  if (chunk.seq() == 0 && !chunk.has_block_start()) return "stream does not begin with block_start";
  const bool in_segment = !block_.segments.empty();
  switch (chunk.chunk_case()) {
    case v1::DataChunk::kBlockStart:
      if (chunk.seq() != 0) return "second block_start";
      block_.start = chunk.block_start();
      return "";
    case v1::DataChunk::kSegmentStart:
      block_.segments.emplace_back();
      block_.segments.back().start = chunk.segment_start();
      signals_.clear();
      spikes_.clear();
      return "";
    case v1::DataChunk::kSignalHeader: {
      if (!in_segment) return "signal_header outside a segment";
      AnalogSignal signal;
      signal.header = chunk.signal_header();
      signal.values.assign(signal.num_samples() * signal.num_channels(), 0.0);
      signals_[signal.header.signal_id()] = block_.segments.back().signals.size();
      block_.segments.back().signals.push_back(std::move(signal));
      return "";
    }
    case v1::DataChunk::kSignalChunk: {
      const v1::SignalChunk& data = chunk.signal_chunk();
      auto it = signals_.find(data.signal_id());
      if (it == signals_.end()) return "signal_chunk for an unknown signal";
      AnalogSignal& signal = block_.segments.back().signals[it->second];
      const bool f32 = signal.header.dtype() == v1::FLOAT32;
      const size_t expected =
          data.num_samples() * data.num_channels() * (f32 ? sizeof(float) : sizeof(double));
      if (data.data().size() != expected) return "signal_chunk size does not match its shape";
      if (data.first_sample() + data.num_samples() > signal.num_samples() ||
          data.first_channel() + data.num_channels() > signal.num_channels()) {
        return "signal_chunk outside its signal";
      }
      const std::vector<double> values =
          f32 ? [&] {
            std::vector<float> narrow = FromLittleEndian<float>(data.data());
            return std::vector<double>(narrow.begin(), narrow.end());
          }()
              : FromLittleEndian<double>(data.data());
      for (size_t r = 0; r < data.num_samples(); ++r) {
        for (size_t c = 0; c < data.num_channels(); ++c) {
          signal.values[(data.first_sample() + r) * signal.num_channels() + data.first_channel() +
                        c] = values[r * data.num_channels() + c];
        }
      }
      block_.total_bytes += data.data().size();
      return "";
    }
    case v1::DataChunk::kSpikeTrainsHeader: {
      if (!in_segment) return "spike_trains_header outside a segment";
      SpikeTrains trains;
      trains.header = chunk.spike_trains_header();
      spikes_[trains.header.spikes_id()] = block_.segments.back().spike_trains.size();
      block_.segments.back().spike_trains.push_back(std::move(trains));
      return "";
    }
    case v1::DataChunk::kSpikeBatch: {
      const v1::SpikeBatch& batch = chunk.spike_batch();
      auto it = spikes_.find(batch.spikes_id());
      if (it == spikes_.end()) return "spike_batch for unknown spike trains";
      SpikeTrains& trains = block_.segments.back().spike_trains[it->second];
      if (batch.source_index_u32le().size() != batch.num_spikes() * 4 ||
          batch.times_f64le().size() != batch.num_spikes() * 8) {
        return "spike_batch size does not match num_spikes";
      }
      const std::vector<uint32_t> index = FromLittleEndian<uint32_t>(batch.source_index_u32le());
      const std::vector<double> times = FromLittleEndian<double>(batch.times_f64le());
      for (uint32_t k : index) {
        if (k >= trains.header.num_trains()) {
          return "spike_batch index outside its trains";
        }
      }
      trains.train.insert(trains.train.end(), index.begin(), index.end());
      trains.times_ms.insert(trains.times_ms.end(), times.begin(), times.end());
      block_.total_bytes += batch.source_index_u32le().size() + batch.times_f64le().size();
      return "";
    }
    case v1::DataChunk::kChannelIds: {
      const v1::ChannelIds& ids = chunk.channel_ids();
      const std::vector<uint64_t> source = FromLittleEndian<uint64_t>(ids.source_ids_u64le());
      const std::vector<uint64_t> index = FromLittleEndian<uint64_t>(ids.channel_index_u64le());
      if (source.size() != index.size()) return "channel_ids lists of different lengths";
      std::vector<uint64_t>* source_ids = nullptr;
      std::vector<uint64_t>* channel_index = nullptr;
      uint64_t expected = 0;
      if (auto it = signals_.find(ids.stream_id()); it != signals_.end()) {
        AnalogSignal& signal = block_.segments.back().signals[it->second];
        source_ids = &signal.source_ids;
        channel_index = &signal.channel_index;
        expected = signal.num_channels();
      } else if (auto it = spikes_.find(ids.stream_id()); it != spikes_.end()) {
        SpikeTrains& trains = block_.segments.back().spike_trains[it->second];
        source_ids = &trains.source_ids;
        channel_index = &trains.channel_index;
        expected = trains.header.num_trains();
      } else {
        return "channel_ids for an unknown stream";
      }
      if (ids.first() != source_ids->size() || source_ids->size() + source.size() > expected) {
        return "channel_ids out of order or beyond the header's count";
      }
      source_ids->insert(source_ids->end(), source.begin(), source.end());
      channel_index->insert(channel_index->end(), index.begin(), index.end());
      return "";
    }
    case v1::DataChunk::kSegmentEnd:
      if (!in_segment || block_.segments.back().start.index() != chunk.segment_end().index()) {
        return "segment_end does not match the open segment";
      }
      return "";
    case v1::DataChunk::kBlockEnd:
      ended_ = true;
      if (chunk.block_end().total_bytes() != block_.total_bytes) {
        return "block_end total_bytes differs from the bytes received";
      }
      return "";
    case v1::DataChunk::CHUNK_NOT_SET:
      break;
  }
  return "empty chunk";
}

std::string BlockAssembler::Finish() {
  if (!ended_) return "stream ended before block_end";
  for (const NeoSegment& segment : block_.segments) {
    for (const SpikeTrains& trains : segment.spike_trains) {
      if (trains.train.size() != trains.header.num_spikes()) {
        return "spike trains hold fewer spikes than their header announced";
      }
      if (trains.source_ids.size() != trains.header.num_trains()) {
        return "spike trains lack some of their ids";
      }
    }
    for (const AnalogSignal& signal : segment.signals) {
      if (signal.source_ids.size() != signal.num_channels()) {
        return "a signal lacks some of its channel ids";
      }
    }
  }
  return "";
}

}  // namespace spikeserve::client
