// The first uniform of many counter streams at once: streams (key, a, b) for
// consecutive a, as CounterRng(key, a, b).Uniform() gives them, computed
// lane by lane so that the Philox rounds run in vector registers (eight
// streams per instruction) instead of one 10-round dependency chain per
// stream. Sources that draw once per cell and step (SpikeSourcePoisson)
// spend much of their time here.
#ifndef SPIKESERVE_ENGINE_COUNTER_RNG_LANES_H_
#define SPIKESERVE_ENGINE_COUNTER_RNG_LANES_H_

#include <cstdint>

#include "engine/counter_rng.h"

namespace spikeserve::engine {

// Which code computes the lanes: the fastest this CPU runs (AVX-512
// intrinsics where it has them), or the compiler's vectorisation of the
// scalar rounds, which CPUs without AVX-512 run. Both give the same words;
// tests hold each to CounterRng.
enum class LaneCode { kFastest, kPortable };

// u[l] = CounterRng(key, a_first + l, b).Uniform() for l in [0, n), where
// every a_first + l has key.a_high as its high half (the caller splits
// ranges that cross a multiple of 2^32).
void FirstUniforms(const CounterRng::Key& key, uint64_t a_first, uint64_t b, uint32_t n, double* u,
                   LaneCode code = LaneCode::kFastest);

// The whole first block (four words) of the same streams: word w of stream
// a_first + l in words[w][l], l in [0, n), n <= kMaxLanes. Values drawn once
// per element (a normal mostly takes two words, one uniform's worth) come
// from these.
inline constexpr uint32_t kMaxLanes = 64;
void FirstBlocks(const CounterRng::Key& key, uint64_t a_first, uint64_t b, uint32_t n,
                 uint32_t (&words)[4][kMaxLanes], LaneCode code = LaneCode::kFastest);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_COUNTER_RNG_LANES_H_
