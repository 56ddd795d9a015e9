#include "engine/counter_rng_lanes.h"

#include "engine/vector_clones.h"

namespace spikeserve::engine {

SPIKESERVE_VECTOR_CLONES
void FirstUniforms(const CounterRng::Key& key, uint64_t a_first, uint64_t b, uint32_t n,
                   double* u) {
  // CounterRng's Philox4x32-10 on the counter {0, a, b, b >> 32}, written per
  // lane without arrays so that the compiler keeps each word in a vector.
  constexpr uint32_t kM0 = CounterRng::kPhiloxM0, kM1 = CounterRng::kPhiloxM1;
  constexpr uint32_t kW0 = CounterRng::kPhiloxW0, kW1 = CounterRng::kPhiloxW1;
  const uint32_t key0 = static_cast<uint32_t>(key.value),
                 key1 = static_cast<uint32_t>(key.value >> 32);
  const uint32_t b_low = static_cast<uint32_t>(b), b_high = static_cast<uint32_t>(b >> 32);
  const uint32_t a_low = static_cast<uint32_t>(a_first);
  for (uint32_t l = 0; l < n; ++l) {
    uint32_t c0 = 0, c1 = a_low + l, c2 = b_low, c3 = b_high, k0 = key0, k1 = key1;
    for (int round = 0; round < 10; ++round) {
      const uint64_t p0 = uint64_t{kM0} * c0, p1 = uint64_t{kM1} * c2;
      c0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
      c1 = static_cast<uint32_t>(p1);
      c2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
      c3 = static_cast<uint32_t>(p0);
      k0 += kW0;
      k1 += kW1;
    }
    u[l] = CounterRng::UniformFromWords(c0, c1);
  }
}

}  // namespace spikeserve::engine
