// Writes recorded data as a NIX (HDF5) file that neo.io.NixIO (neo 0.11) reads
// back as the Neo Block PyNN's get_data() would have produced, so that a
// recording can leave the server as one file instead of a stream.
//
// The layout is the one neo's own NixIO writer produces through nixpy 1.5
// (shared/reference/neo-nix-grpc.md, "SPEC FOR A C++ WRITER"), written with
// the HDF5 C API: nixpy is not packaged in Debian, and it costs ~25 kB and
// ~20 ms per spike train, which does not scale to 10^5 neurons.
//
// The structs are the writer's own, not engine types, so that anything that
// can describe a Neo Block (a session, a spilled recording, a test) can write
// one.
#ifndef SPIKESERVE_SERVER_NIX_WRITER_H_
#define SPIKESERVE_SERVER_NIX_WRITER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"

namespace spikeserve::server {

// An annotation value; becomes a one-element NIX property that neo turns
// back into a Python str, float, int or bool.
using NixValue = std::variant<std::string, double, int64_t, bool>;

// One neo.AnalogSignal: all recorded cells of one variable as columns.
struct NixSignal {
  std::string name;   // PyNN's variable: "v", "gsyn_exc", ...
  std::string units;  // quantities spelling: "mV", "uS", "nA", "dimensionless"
  double sampling_period_ms = 0.0;
  double t_start_ms = 0.0;
  uint64_t num_samples = 0;
  uint32_t num_channels = 0;
  bool float32 = false;  // stored (and read back by neo) as float32 instead of float64
  // Row-major [sample][channel], num_samples * num_channels values; or empty
  // when `read_rows` gives them.
  std::vector<double> values;
  // Fills `out` with rows [begin, end), row-major. The writer asks for a
  // bounded number of rows at a time (a few MiB), so that a signal larger
  // than memory (a spilled recording) is written in bounded memory.
  std::function<absl::Status(uint64_t begin, uint64_t end, double* out)> read_rows;
  // Per channel, or empty to leave the annotation out: annotation source_ids
  // (PyNN ids) and array annotation channel_index (population indices).
  std::vector<int64_t> source_ids;
  std::vector<int64_t> channel_index;
  std::string source_population;
};

// One neo.SpikeTrain in ms. Times must lie in [t_start_ms, t_stop_ms], as
// neo refuses to build the train otherwise.
struct NixSpikeTrain {
  std::vector<double> times_ms;
  double t_start_ms = 0.0;
  double t_stop_ms = 0.0;
  // PyNN's: source_population and channel_id (the PyNN id), or source_id and
  // source_index, depending on the backend style being mirrored.
  std::map<std::string, NixValue> annotations;
};

// Successive pieces of spikes in time order: the train (a position in
// NixSpikeTrainSource::trains) and the time of each of `n` spikes.
using NixSpikePiece = std::function<void(const uint32_t* train, const double* time_ms, uint64_t n)>;

// Spike trains whose times the writer reads in pieces instead of holding
// them all (a population's recording, which may be larger than memory).
// `trains` leave times_ms empty; `counts` says how many spikes each has.
struct NixSpikeTrainSource {
  std::vector<NixSpikeTrain> trains;
  std::vector<uint64_t> counts;
  // Calls `piece` with every spike, in pieces; each call may read them anew.
  std::function<absl::Status(const NixSpikePiece& piece)> read;
};

struct NixSegment {
  std::string name;  // "segment000", ...
  std::string description;
  std::map<std::string, NixValue> annotations;
  std::vector<NixSignal> signals;
  std::vector<NixSpikeTrain> spike_trains;
  std::vector<NixSpikeTrainSource> spike_sources;  // written after spike_trains
};

struct NixBlock {
  std::string name;  // the Population label
  std::string description;
  std::map<std::string, NixValue> annotations;
  std::vector<NixSegment> segments;
};

// Writes `block` to `path`, replacing any existing file. Entity timestamps
// (neo's rec_datetime) are the time of writing.
//
// Memory: signals are read and written a bounded number of rows at a time
// and the trains of a NixSpikeTrainSource in groups of a bounded number of
// spikes (one train is held whole), so the writer needs a few MiB whatever
// the size of the data it is given through readers.
//
// Errors: INVALID_ARGUMENT, before anything is written, when the block cannot
// be represented (sizes that disagree, non-finite or non-positive sampling
// period, spike times outside [t_start, t_stop], annotation names that are
// empty, contain '/' or collide with the writer's own properties; spike
// times and counts a NixSpikeTrainSource reads are checked as they are
// written, and the partial file is removed); a reader's error as it is;
// FAILED_PRECONDITION when the file cannot be created; INTERNAL when HDF5
// fails later (a full disk, say), in which case the partial file is removed.
// Messages name the path and, for HDF5 failures, HDF5's own complaint.
//
// Thread-safe: Debian's HDF5 is built thread-safe, and the writer keeps no
// global state.
absl::Status WriteNixFile(const NixBlock& block, const std::string& path);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_NIX_WRITER_H_
