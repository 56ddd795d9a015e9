// The bit pattern of a double. For non-negative doubles the patterns,
// compared as unsigned integers, are in the numbers' order, and a negative
// double or a NaN compares above every positive finite one: one integer
// comparison checks that a number lies in [0, limit], which floating-point
// comparisons take two for.
#ifndef SPIKESERVE_ENGINE_FLOAT_BITS_H_
#define SPIKESERVE_ENGINE_FLOAT_BITS_H_

#include <cstdint>
#include <cstring>

namespace spikeserve::engine {

inline uint64_t BitsOf(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_FLOAT_BITS_H_
