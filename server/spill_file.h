// The HDF5 file that holds a session's recorded data beyond its memory
// budget (engine::SpillStore): one file per session under the data
// directory's .spill/, one 1-D float64 dataset per block of rows ("b<key>"),
// created on the first block and removed with the session.
#ifndef SPIKESERVE_SERVER_SPILL_FILE_H_
#define SPIKESERVE_SERVER_SPILL_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/spill_store.h"
#include "server/hdf5_handle.h"

namespace spikeserve::server {

// Under --data_dir; exports may not write there.
inline constexpr char kSpillDirectory[] = ".spill";

// The path of a session's spill file in `spill_dir`:
// session-<server pid>-<id prefix>-<n>.h5. The pid tells which server a file
// belongs to, for RemoveStaleSpillFiles.
std::string SpillFilePath(const std::string& spill_dir, const std::string& id_prefix, uint64_t n);

// A server that was killed leaves its sessions' spill files behind; at start,
// the files in `spill_dir` of servers that no longer run (or of an earlier
// process with this server's pid) go. Returns how many were removed.
int RemoveStaleSpillFiles(const std::string& spill_dir);

class SpillFile : public engine::SpillStore {
 public:
  explicit SpillFile(std::string path) : path_(std::move(path)) {}
  // Closes and removes the file: spilled data lives only as long as its session.
  ~SpillFile() override;
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  // RESOURCE_EXHAUSTED naming the file when it cannot be created or written
  // (a full disk); the file is left without the block.
  absl::StatusOr<uint64_t> Write(const double* values, uint64_t count) override;
  absl::Status Read(uint64_t key, uint64_t first, uint64_t count, double* out) override;
  void Erase(uint64_t key) override;

  const std::string& path() const { return path_; }

 private:
  absl::Status Create();
  absl::Status WriteFailed(const std::string& what);

  const std::string path_;
  Handle file_;
  uint64_t next_key_ = 0;
};

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_SPILL_FILE_H_
