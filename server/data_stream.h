// Turns an engine's recorded segments into the Neo-structured chunk stream of
// GetData (data.proto): Block > Segment > AnalogSignal / SpikeTrain.
#ifndef SPIKESERVE_SERVER_DATA_STREAM_H_
#define SPIKESERVE_SERVER_DATA_STREAM_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

// Returns false when the receiver is gone; streaming then stops. The writer
// may take (swap out) the chunk's contents.
using ChunkWriter = std::function<bool(v1::DataChunk& chunk)>;

// Validates `request` against what `simulation` holds, then writes the chunks
// in order. CANCELLED if `write` returned false.
absl::Status StreamData(const engine::Simulation& simulation, const DataRequest& request,
                        const ChunkWriter& write);

// One part of a requested cell set, resolved against its population.
struct CellSetPart {
  const engine::Selector* selector;
  engine::PopulationInfo population;
  uint64_t offset;  // position of the part's first cell in the whole cell set

  // Position of population index `index` inside this part, or -1 if outside.
  int64_t Position(uint32_t index) const;
};

// The parts of `cells` (validated), with the variables they can record.
// Errors name `field`.
absl::StatusOr<std::vector<CellSetPart>> ResolveParts(const engine::Simulation& simulation,
                                                      const engine::CellSet& cells,
                                                      const std::string& field,
                                                      std::set<std::string>* recordable);

// What a request selects, validated against what the simulation holds: the
// parts of its cell set and the segments, in order.
struct Selection {
  std::vector<CellSetPart> parts;
  std::vector<uint32_t> segments;
};
absl::StatusOr<Selection> Select(const engine::Simulation& simulation, const DataRequest& request);

// The recordings one segment holds of a selection, in GetData's order: per
// part its spikes, then its signals; then the requested current sources.
// StreamData and the NIX export both walk it, so that they agree on what a
// request selects. Each call returns false to stop the walk.
class SelectionVisitor {
 public:
  virtual ~SelectionVisitor() = default;
  virtual bool Spikes(const CellSetPart& part, const engine::SpikeData& spikes) = 0;
  virtual bool Signal(const CellSetPart& part, const engine::SignalData& signal) = 0;
  virtual bool CurrentSource(const engine::CurrentSourceRecording& recording) = 0;
};
bool VisitSegment(const DataRequest& request, const std::vector<CellSetPart>& parts,
                  const engine::Segment& segment, SelectionVisitor& visitor);

// The columns of a signal's sample matrix that belong to a part, ascending,
// with each one's PyNN id and position in the cell set.
struct SelectedColumns {
  std::vector<size_t> columns;
  std::vector<uint64_t> source_ids;
  std::vector<uint64_t> channel_index;
};
SelectedColumns ColumnsOf(const CellSetPart& part, const engine::SignalData& signal);

// The spike trains of a part: one per recorded cell, ascending.
struct SelectedTrains {
  std::vector<int64_t> train_of;  // per population index: train position or -1
  std::vector<uint64_t> source_ids;
  std::vector<uint64_t> channel_index;
};
SelectedTrains TrainsOf(const CellSetPart& part, const engine::SpikeData& spikes);

// Spikes [begin, end) in pieces of at most `per_piece`, spilled or not, so
// that spilled ones are read back a bounded piece at a time. Stops at the
// first error of `use` or of the spill store, and returns it.
absl::Status ForEachSpikes(const engine::SpikeData& spikes, uint64_t begin, uint64_t end,
                           uint64_t per_piece,
                           const std::function<absl::Status(engine::SpikeSpan, uint64_t)>& use);

// As ForEachSpikes, keeping only spikes of selected trains (`train_of`, as
// SelectedTrains'): `use` gets each piece as n (train position, time) pairs.
absl::Status ForEachTrainSpike(
    const engine::SpikeData& spikes, uint64_t begin, uint64_t end, uint64_t per_piece,
    const std::vector<int64_t>& train_of,
    const std::function<absl::Status(const uint32_t* trains, const double* times, uint64_t n)>&
        use);

// Encodes recorded data as DataChunks: headers with their ChannelIds once,
// then any ranges of samples or spikes, in order. GetData sends everything at
// once; live data during a run sends what each epoch added.
class ChunkEncoder {
 public:
  ChunkEncoder(v1::SignalDtype dtype, size_t max_chunk_bytes, ChunkWriter write)
      : dtype_(dtype), max_chunk_bytes_(max_chunk_bytes), write_(std::move(write)) {}

  // A signal's columns that belong to a part, once its header is out.
  struct SignalStream {
    uint32_t id = 0;
    std::vector<size_t> columns;  // of the engine's sample matrix
  };
  // The trains of a population that belong to a part.
  struct SpikeStream {
    uint32_t id = 0;
    std::vector<int64_t> train_of;  // per population index: train position or -1
    size_t num_trains = 0;
  };

  bool Emit(v1::DataChunk& chunk);
  // BlockStart for `parts`.
  bool BlockStart(const std::vector<CellSetPart>& parts, const std::string& name, double dt_ms,
                  uint32_t num_segments);
  bool SegmentStart(const engine::Segment& segment);
  bool SegmentEnd(uint32_t index);
  bool BlockEnd();

  // SignalHeader and ChannelIds of `signal`'s channels in `part`; the header
  // says `num_samples` and `first_sample` (see data.proto).
  bool SignalHeader(const CellSetPart& part, const engine::SignalData& signal,
                    uint64_t first_sample, uint64_t num_samples, SignalStream* stream);
  // A recorded current source: one channel, named by the source's id.
  bool CurrentSourceHeader(const engine::CurrentSourceRecording& recording,
                           SignalStream* stream);
  // Rows [begin, end) of the signal, spilled or not. False also when they
  // cannot be read; status() says why.
  bool SignalRows(const SignalStream& stream, const engine::SignalData& signal, uint64_t begin,
                  uint64_t end);

  // SpikeTrainsHeader and ChannelIds; `num_spikes` as the header says.
  // Counting reads the spikes, spilled or not: false also when they cannot be
  // read; status() says why.
  bool SpikeHeader(const CellSetPart& part, const engine::SpikeData& spikes, double t_start_ms,
                   double t_stop_ms, bool count_spikes, SpikeStream* stream);
  // Spikes [begin, end) of the population's recording, those of the part,
  // spilled or not (as SignalRows).
  bool Spikes(const SpikeStream& stream, const engine::SpikeData& spikes, size_t begin,
              size_t end);

  uint64_t total_bytes() const { return total_bytes_; }
  // Why the last false was not the client's doing (OK if it was).
  const absl::Status& status() const { return status_; }

 private:
  bool ChannelIds(uint32_t stream_id, const std::vector<uint64_t>& source_ids,
                  const std::vector<uint64_t>& channel_index);
  size_t SpikesPerPiece() const { return std::max<size_t>(1, max_chunk_bytes_ / 12); }
  bool Columns(v1::DataChunk& chunk, const engine::SignalData& signal,
               std::vector<size_t> columns, const std::vector<uint64_t>& source_ids,
               const std::vector<uint64_t>& channel_index, uint64_t first_sample,
               uint64_t num_samples, SignalStream* stream);

  const v1::SignalDtype dtype_;
  const size_t max_chunk_bytes_;
  const ChunkWriter write_;
  uint64_t seq_ = 0;
  uint32_t next_id_ = 1;
  uint64_t total_bytes_ = 0;
  absl::Status status_;
};

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_DATA_STREAM_H_
