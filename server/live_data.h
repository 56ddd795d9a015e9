// Live data during a run (RunRequest.live_data): the recordings a client
// asked for, and how much of each has been sent.
//
// The engine stays unaware of clients: it calls back at every epoch, and the
// recorder only ever appends to the open segment while a run goes on, so
// "what was recorded since the last flush" is the tail of each recording
// past a cursor taken when the run started. Each flush encodes that tail
// with the same ChunkEncoder as GetData and hands the chunks to the run's
// RunStream, which applies the back-pressure policy.
#ifndef SPIKESERVE_SERVER_LIVE_DATA_H_
#define SPIKESERVE_SERVER_LIVE_DATA_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/simulation.h"
#include "server/data_stream.h"
#include "server/run_stream.h"
#include "spikeserve/v1/simulator.pb.h"

namespace spikeserve::server {

// Defaults and bounds of LiveDataRequest (simulator.proto).
inline constexpr uint64_t kDefaultLiveWindowBytes = 4 << 20;
inline constexpr uint64_t kMinLiveWindowBytes = 64 << 10;
inline constexpr uint64_t kMaxLiveWindowBytes = 256ull << 20;
inline constexpr size_t kDefaultLiveChunkBytes = 256 << 10;

class LiveData {
 public:
  // Validates `request` against what the session records now; errors name
  // "live_data.<field>". Takes the cursors: the run's data starts here.
  static absl::StatusOr<std::unique_ptr<LiveData>> Create(const v1::LiveDataRequest& request,
                                                          const engine::Simulation& simulation);

  RunStream::Options stream_options() const { return stream_options_; }

  // Sends what was recorded since the last flush (the first one sends the
  // block, segment and headers before), as recorded up to `t_ms`. False when
  // the client is gone.
  bool Flush(const engine::Simulation& simulation, double t_ms, RunStream& stream);
  // The last flush, then SegmentEnd and BlockEnd.
  bool End(const engine::Simulation& simulation, double t_ms, RunStream& stream);
  // After a false: OK if the client went, else why the data could not be read.
  const absl::Status& status() const { return encoder_.status(); }

 private:
  struct Cursor {
    size_t part = 0;       // in parts_
    std::string variable;  // "spikes" or a signal's name
    uint64_t sent = 0;     // samples (rows) or spikes already in the stream
    ChunkEncoder::SignalStream signal;
    ChunkEncoder::SpikeStream spikes;
  };

  LiveData(engine::CellSet cells, RunStream::Options stream_options, v1::SignalDtype dtype,
           size_t max_chunk_bytes);
  bool Start(const engine::Segment& segment, double dt_ms);

  engine::CellSet cells_;  // parts_ point into it
  std::vector<CellSetPart> parts_;
  std::vector<Cursor> cursors_;
  const RunStream::Options stream_options_;
  ChunkEncoder encoder_;
  RunStream* stream_ = nullptr;  // of the flush in progress
  uint32_t segment_ = 0;
  double t_start_ms_ = 0.0;  // window of the flush in progress
  double t_stop_ms_ = 0.0;
  bool started_ = false;
};

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_LIVE_DATA_H_
