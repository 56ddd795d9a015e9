// Recorded data shaped as Neo: Block > Segment > AnalogSignal / SpikeTrains,
// assembled from GetData's chunk stream.
#ifndef SPIKESERVE_CLIENTS_CPP_NEO_BLOCK_H_
#define SPIKESERVE_CLIENTS_CPP_NEO_BLOCK_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "spikeserve/v1/data.pb.h"

namespace spikeserve::client {

struct AnalogSignal {
  v1::SignalHeader header;
  std::vector<uint64_t> source_ids;     // PyNN id per channel
  std::vector<uint64_t> channel_index;  // index in the block's cell set per channel
  std::vector<double> values;           // row-major [sample][channel], float32 widened

  size_t num_channels() const { return header.num_channels(); }
  size_t num_samples() const { return header.num_samples(); }
  double at(size_t sample, size_t channel) const {
    return values[sample * num_channels() + channel];
  }
  double time_ms(size_t sample) const {
    return header.t_start_ms() + sample * header.sampling_period_ms();
  }
};

// The spike trains of one population, multiplexed as (train, time) pairs in
// time order; train k belongs to source_ids[k].
struct SpikeTrains {
  v1::SpikeTrainsHeader header;
  std::vector<uint64_t> source_ids;
  std::vector<uint64_t> channel_index;
  std::vector<uint32_t> train;
  std::vector<double> times_ms;

  // Spike times of the cell with PyNN id `source_id`.
  std::vector<double> TimesOf(uint64_t source_id) const;
};

struct NeoSegment {
  v1::SegmentStart start;
  std::vector<AnalogSignal> signals;
  std::vector<SpikeTrains> spike_trains;

  const AnalogSignal* FindSignal(const std::string& name) const;
};

struct Block {
  v1::BlockStart start;
  std::vector<NeoSegment> segments;
  uint64_t num_chunks = 0;
  uint64_t total_bytes = 0;
};

// Assembles a Block chunk by chunk, checking the stream's invariants.
class BlockAssembler {
 public:
  // Returns an error message, or "" when the chunk fits.
  std::string Add(const v1::DataChunk& chunk);
  // Returns an error message if the stream ended early.
  std::string Finish();
  Block& block() { return block_; }

 private:
  Block block_;
  uint64_t next_seq_ = 0;
  bool ended_ = false;
  // Positions (in the current segment) of the signals and trains by stream id;
  // positions, not pointers, because the vectors grow.
  std::map<uint32_t, size_t> signals_;
  std::map<uint32_t, size_t> spikes_;
};

// Connections of a projection (GetConnections), canonical order.
struct Connections {
  std::vector<uint32_t> pre;
  std::vector<uint32_t> post;
  std::map<std::string, std::vector<double>> values;
};

}  // namespace spikeserve::client

#endif  // SPIKESERVE_CLIENTS_CPP_NEO_BLOCK_H_
