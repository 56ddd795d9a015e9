// Turns a client's ParameterValue (scalar, array, random distribution) into
// one number per element, drawing random values from counter streams keyed by
// each element's stable id, so a value never depends on which other elements
// were drawn in the same call.
#ifndef SPIKESERVE_ENGINE_VALUE_RESOLUTION_H_
#define SPIKESERVE_ENGINE_VALUE_RESOLUTION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/counter_rng.h"
#include "engine/parameter_value.h"
#include "engine/worker_pool.h"

namespace spikeserve::engine {

// Stable across platforms and builds (std::hash is not), so that names can key streams.
inline uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

// Where the random draws of one parameter come from: element k uses the
// stream (spec seed or `default_seed`, purpose, ids[k], stream, substream).
struct DrawKeys {
  uint64_t default_seed;
  RngPurpose purpose;
  uint64_t stream;
  uint64_t substream;
};

// One finite number per element; errors name `field` (WRONG_LENGTH,
// WRONG_TYPE, NOT_FINITE, distribution errors).
absl::StatusOr<std::vector<double>> ResolveNumbers(const ParameterValue& value,
                                                   const std::string& field,
                                                   const std::vector<uint64_t>& ids,
                                                   const DrawKeys& keys);
// The same for the ids 0 .. n - 1 (one per connection, by canonical
// position). With a `pool`, its members draw a share of the elements each
// (the values are the same: each is its own stream's).
absl::StatusOr<std::vector<double>> ResolveNumbers(const ParameterValue& value,
                                                   const std::string& field, uint64_t n,
                                                   const DrawKeys& keys,
                                                   WorkerPool* pool = nullptr);

// Takes the values of elements [first, first + count), returns false to
// reject them (the call then stops).
using BlockSink = std::function<bool(uint64_t first, const double* values, size_t count)>;

// The same values handed to `sink` in blocks of a few thousand instead of
// one array of n: for values turned into something else at once (delays
// into steps), so that no n doubles are ever held. With a `pool`, its
// members call the sink concurrently, for disjoint blocks. True if every
// block was taken, false if the sink rejected one; errors as
// ResolveNumbers.
absl::StatusOr<bool> ResolveNumbersInBlocks(const ParameterValue& value, const std::string& field,
                                            uint64_t n, const DrawKeys& keys, WorkerPool* pool,
                                            const BlockSink& sink);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_VALUE_RESOLUTION_H_
