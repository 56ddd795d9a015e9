// Bulk numbers on the wire: little-endian bytes (DESIGN.md), so that clients
// map them with numpy.frombuffer and no per-element parsing.
#ifndef SPIKESERVE_SERVER_WIRE_FORMAT_H_
#define SPIKESERVE_SERVER_WIRE_FORMAT_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/base/config.h"
#include "absl/status/statusor.h"

namespace spikeserve::server {

#if !defined(ABSL_IS_LITTLE_ENDIAN)
#error "wire_format.h copies memory as little-endian; add byte swapping for this platform"
#endif

// Appends `count` values of T, converted to Wire, to `out`.
template <typename Wire, typename T>
void AppendLittleEndian(const T* values, size_t count, std::string* out) {
  static_assert(std::is_arithmetic_v<Wire> && std::is_arithmetic_v<T>);
  const size_t old_size = out->size();
  out->resize(old_size + count * sizeof(Wire));
  char* dst = out->data() + old_size;
  if constexpr (std::is_same_v<Wire, T>) {
    std::memcpy(dst, values, count * sizeof(Wire));
  } else {
    for (size_t i = 0; i < count; ++i) {
      const Wire w = static_cast<Wire>(values[i]);
      std::memcpy(dst + i * sizeof(Wire), &w, sizeof(Wire));
    }
  }
}

// Decodes little-endian float64s; INVALID_ARGUMENT naming `field` when the
// length is not a whole number of values.
absl::StatusOr<std::vector<double>> DecodeFloat64(const std::string& bytes,
                                                  const std::string& field);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_WIRE_FORMAT_H_
