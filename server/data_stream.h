// Turns an engine's recorded segments into the Neo-structured chunk stream of
// GetData (data.proto): Block > Segment > AnalogSignal / SpikeTrain.
#ifndef SPIKESERVE_SERVER_DATA_STREAM_H_
#define SPIKESERVE_SERVER_DATA_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/simulation.h"
#include "spikeserve/v1/data.pb.h"

namespace spikeserve::server {

struct DataRequest {
  engine::CellSet cells;
  std::set<std::string> variables;                       // empty: all
  std::vector<uint32_t> segments;                        // empty: all
  std::vector<engine::CurrentSourceId> current_sources;  // recorded currents to include
  v1::SignalDtype dtype = v1::FLOAT64;
  size_t max_chunk_bytes = 1 << 20;
  std::string block_name;
};

// Chunk-size bounds: small enough to keep clear of gRPC's 4 MiB message limit
// with headroom, large enough that per-message overhead stays negligible.
inline constexpr size_t kMinChunkBytes = 4 << 10;
inline constexpr size_t kMaxChunkBytes = 3 << 20;
inline constexpr size_t kDefaultChunkBytes = 1 << 20;

// Returns false when the receiver is gone; streaming then stops.
using ChunkWriter = std::function<bool(const v1::DataChunk& chunk)>;

// Validates `request` against what `simulation` holds, then writes the chunks
// in order. CANCELLED if `write` returned false.
absl::Status StreamData(const engine::Simulation& simulation, const DataRequest& request,
                        const ChunkWriter& write);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_DATA_STREAM_H_
