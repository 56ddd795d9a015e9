#include "engine/counter_rng_lanes.h"

#include "engine/vector_clones.h"

namespace spikeserve::engine {
namespace {

// CounterRng's Philox4x32-10 on the counter {0, a, b, b >> 32} of one lane,
// written without arrays so that the compiler keeps each word in a vector.
struct Lane {
  uint32_t c0, c1, c2, c3;
};
[[gnu::always_inline]] inline Lane FirstBlock(const CounterRng::Key& key, uint32_t a_low,
                                              uint64_t b) {
  constexpr uint32_t kM0 = CounterRng::kPhiloxM0, kM1 = CounterRng::kPhiloxM1;
  constexpr uint32_t kW0 = CounterRng::kPhiloxW0, kW1 = CounterRng::kPhiloxW1;
  uint32_t c0 = 0, c1 = a_low, c2 = static_cast<uint32_t>(b), c3 = static_cast<uint32_t>(b >> 32);
  uint32_t k0 = static_cast<uint32_t>(key.value), k1 = static_cast<uint32_t>(key.value >> 32);
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t{kM0} * c0, p1 = uint64_t{kM1} * c2;
    c0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    c1 = static_cast<uint32_t>(p1);
    c2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c3 = static_cast<uint32_t>(p0);
    k0 += kW0;
    k1 += kW1;
  }
  return {c0, c1, c2, c3};
}

}  // namespace

SPIKESERVE_VECTOR_CLONES
void FirstUniforms(const CounterRng::Key& key, uint64_t a_first, uint64_t b, uint32_t n,
                   double* u) {
  const uint32_t a_low = static_cast<uint32_t>(a_first);
  for (uint32_t l = 0; l < n; ++l) {
    const Lane w = FirstBlock(key, a_low + l, b);
    u[l] = CounterRng::UniformFromWords(w.c0, w.c1);
  }
}

SPIKESERVE_VECTOR_CLONES
void FirstBlocks(const CounterRng::Key& key, uint64_t a_first, uint64_t b, uint32_t n,
                 uint32_t (&words)[4][kMaxLanes]) {
  const uint32_t a_low = static_cast<uint32_t>(a_first);
  for (uint32_t l = 0; l < n; ++l) {
    const Lane w = FirstBlock(key, a_low + l, b);
    words[0][l] = w.c0;
    words[1][l] = w.c1;
    words[2][l] = w.c2;
    words[3][l] = w.c3;
  }
}

}  // namespace spikeserve::engine
