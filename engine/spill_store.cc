#include "engine/spill_store.h"

#include <algorithm>

namespace spikeserve::engine {

absl::Status SpilledPrefix::Read(uint64_t begin, uint64_t end, size_t width, double* out) const {
  // The first block that ends after `begin`.
  auto block = std::upper_bound(blocks.begin(), blocks.end(), begin,
                                [](uint64_t row, const std::shared_ptr<const SpilledRows>& b) {
                                  return row < b->first_row() + b->rows();
                                });
  for (uint64_t row = begin; block != blocks.end() && row < end; ++block) {
    const SpilledRows& b = **block;
    const uint64_t n = std::min(end, b.first_row() + b.rows()) - row;
    absl::Status read = b.store().Read(b.key(), (row - b.first_row()) * width, n * width, out);
    if (!read.ok()) return read;
    out += n * width;
    row += n;
  }
  return absl::OkStatus();
}

absl::Status SpilledPrefix::Append(const std::shared_ptr<SpillStore>& store, const double* values,
                                   uint64_t count, size_t width) {
  absl::StatusOr<uint64_t> key = store->Write(values, count * width);
  if (!key.ok()) return key.status();
  blocks.push_back(std::make_shared<const SpilledRows>(store, *key, rows, count));
  rows += count;
  return absl::OkStatus();
}

}  // namespace spikeserve::engine
