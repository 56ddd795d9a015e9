// Where recorded data (signal samples, spikes, recorded currents) goes once a
// session holds more of it in memory than its budget allows
// (Simulation::SetSpillStore).
//
// The engine only knows this interface, so that it stays embeddable; the
// server implements it with an HDF5 file per session (server/spill_file.h).
// The recorder writes whole blocks of rows at once and reads back any range
// of values of a block, so an implementation never sees single samples.
#ifndef SPIKESERVE_ENGINE_SPILL_STORE_H_
#define SPIKESERVE_ENGINE_SPILL_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace spikeserve::engine {

class SpillStore {
 public:
  virtual ~SpillStore() = default;
  // Stores `count` values as a new block and returns its key. A failure
  // (a full disk) leaves the store as it was; the caller keeps the values.
  virtual absl::StatusOr<uint64_t> Write(const double* values, uint64_t count) = 0;
  // Values [first, first + count) of block `key` into `out`.
  virtual absl::Status Read(uint64_t key, uint64_t first, uint64_t count, double* out) = 0;
  // The block is no longer needed.
  virtual void Erase(uint64_t key) = 0;
};

// Rows [first_row, first_row + rows) of one recording, held in a store as a
// block of rows * width values. Copies of a recording share it; the block
// is erased when the last one goes (a clear, or the session's end).
class SpilledRows {
 public:
  SpilledRows(std::shared_ptr<SpillStore> store, uint64_t key, uint64_t first_row, uint64_t rows)
      : store_(std::move(store)), key_(key), first_row_(first_row), rows_(rows) {}
  ~SpilledRows() { store_->Erase(key_); }
  SpilledRows(const SpilledRows&) = delete;
  SpilledRows& operator=(const SpilledRows&) = delete;

  uint64_t first_row() const { return first_row_; }
  uint64_t rows() const { return rows_; }
  uint64_t key() const { return key_; }
  SpillStore& store() const { return *store_; }

 private:
  const std::shared_ptr<SpillStore> store_;
  const uint64_t key_;
  const uint64_t first_row_;
  const uint64_t rows_;
};

// The leading rows of one recording that were moved to a store, as blocks in
// row order; the rows after them stay in memory. Signals and spikes (rows of
// index and time) share it, so that spilling and reading back is one code.
struct SpilledPrefix {
  std::vector<std::shared_ptr<const SpilledRows>> blocks;
  uint64_t rows = 0;  // in all blocks

  // Rows [begin, end) (end <= rows) of `width` values each into `out`.
  // Errors are the store's (a file that cannot be read).
  absl::Status Read(uint64_t begin, uint64_t end, size_t width, double* out) const;
  // Writes `count` rows of `width` values to `store` as the block after the
  // others. On an error nothing changes and the caller keeps the rows.
  absl::Status Append(const std::shared_ptr<SpillStore>& store, const double* values,
                      uint64_t count, size_t width);
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SPILL_STORE_H_
