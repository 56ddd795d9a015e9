#include "engine/counter_rng_lanes.h"

#include <algorithm>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SPIKESERVE_PHILOX_AVX512 1
#endif

#include "engine/vector_clones.h"

namespace spikeserve::engine {
namespace {

constexpr uint32_t kM0 = CounterRng::kPhiloxM0, kM1 = CounterRng::kPhiloxM1;
constexpr uint32_t kW0 = CounterRng::kPhiloxW0, kW1 = CounterRng::kPhiloxW1;

// CounterRng's Philox4x32-10 on the counter {0, a, b, b >> 32} of one lane,
// written without arrays so that the compiler keeps each word in a vector.
struct Lane {
  uint32_t c0, c1, c2, c3;
};
[[gnu::always_inline]] inline Lane FirstBlock(const CounterRng::Key& key, uint32_t a_low,
                                              uint64_t b) {
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

SPIKESERVE_VECTOR_CLONES
void FirstUniformsAutoVectorised(const CounterRng::Key& key, uint64_t a_first, uint64_t b,
                                 uint32_t n, double* u) {
  const uint32_t a_low = static_cast<uint32_t>(a_first);
  for (uint32_t l = 0; l < n; ++l) {
    const Lane w = FirstBlock(key, a_low + l, b);
    u[l] = CounterRng::UniformFromWords(w.c0, w.c1);
  }
}

SPIKESERVE_VECTOR_CLONES
void FirstBlocksAutoVectorised(const CounterRng::Key& key, uint64_t a_first, uint64_t b, uint32_t n,
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

#ifdef SPIKESERVE_PHILOX_AVX512
// The same rounds written for AVX-512, which GCC 12 does not find by itself:
// from 32-bit words it makes 64-bit products with vpmullq (three µops, and
// unpacking around each), where Philox needs only the 32 x 32 -> 64-bit
// vpmuludq (one µop). Here each word lives in the low half of a 64-bit lane,
// eight streams per register, so vpmuludq reads it in place. The high
// halves of the lanes are left holding garbage between rounds (vpmuludq
// ignores them) and are cleared only when the words are taken out.
#define SPIKESERVE_AVX512 [[gnu::target("avx512f,avx512dq"), gnu::always_inline]] inline

// GCC 12's intrinsics make their "undefined" operands by self-initialising a
// variable, which -Wmaybe-uninitialized then reports wherever they are
// inlined (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// Counters of streams a_low + l, l in [0, 8 kGroups), are sent through
// Philox eight per register: w[w][g] holds word w of streams
// a_low + 8 g + [0, 8), in the low half of each 64-bit lane.
constexpr int kGroups = 4;  // independent multiply chains in flight
struct Blocks {
  __m512i w[4][kGroups];
};

SPIKESERVE_AVX512 Blocks PhiloxLanes(const CounterRng::Key& key, uint32_t a_low, uint64_t b) {
  const __m512i m0 = _mm512_set1_epi64(kM0), m1 = _mm512_set1_epi64(kM1);
  uint32_t k0 = static_cast<uint32_t>(key.value), k1 = static_cast<uint32_t>(key.value >> 32);
  // Rounds 0 and 1 on scalars where the lanes agree: the counter's first
  // word is 0 and its last two are b's halves in every lane, so round 0
  // multiplies nothing that differs between lanes and round 1 only word 0.
  const uint64_t round0_p1 = uint64_t{kM1} * static_cast<uint32_t>(b);
  const uint32_t round0_c0 = static_cast<uint32_t>(round0_p1 >> 32) ^ k0;  // ^ a, per lane
  const uint32_t round0_c1 = static_cast<uint32_t>(round0_p1);
  const uint32_t round0_c2 = static_cast<uint32_t>(b >> 32) ^ k1;  // round0_c3 = 0
  k0 += kW0;
  k1 += kW1;
  const uint64_t round1_p1 = uint64_t{kM1} * round0_c2;
  const __m512i round1_c0 =
      _mm512_set1_epi64(static_cast<uint32_t>(round1_p1 >> 32) ^ round0_c1 ^ k0);
  const __m512i round1_c1 = _mm512_set1_epi64(static_cast<uint32_t>(round1_p1));
  const __m512i step = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  Blocks x;
  for (int g = 0; g < kGroups; ++g) {
    // a_low + l wraps in 32 bits, as the scalar counter does.
    const __m512i a = _mm512_add_epi32(_mm512_set1_epi64(a_low + 8u * g), step);
    const __m512i p0 = _mm512_mul_epu32(_mm512_xor_si512(a, _mm512_set1_epi64(round0_c0)), m0);
    x.w[0][g] = round1_c0;
    x.w[1][g] = round1_c1;
    x.w[2][g] = _mm512_xor_si512(_mm512_srli_epi64(p0, 32), _mm512_set1_epi64(k1));
    x.w[3][g] = p0;
  }
  for (int round = 2; round < 10; ++round) {
    k0 += kW0;
    k1 += kW1;
    const __m512i key0 = _mm512_set1_epi64(k0), key1 = _mm512_set1_epi64(k1);
    for (int g = 0; g < kGroups; ++g) {
      const __m512i p0 = _mm512_mul_epu32(x.w[0][g], m0), p1 = _mm512_mul_epu32(x.w[2][g], m1);
      // 0x96: a ^ b ^ c.
      x.w[0][g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), x.w[1][g], key0, 0x96);
      x.w[1][g] = p1;
      x.w[2][g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), x.w[3][g], key1, 0x96);
      x.w[3][g] = p0;
    }
  }
  return x;
}

// The mask of the lanes of a register of eight that hold streams, `left`
// streams remaining from its first.
inline __mmask8 LaneMask(uint32_t left) {
  return left >= 8 ? 0xFF : static_cast<__mmask8>((1u << left) - 1);
}

// The n <= 8 kGroups lanes' first uniforms, as UniformFromWords.
SPIKESERVE_AVX512 void StoreUniforms(const Blocks& x, uint32_t n, double* u) {
  const __m512i low = _mm512_set1_epi64(0xFFFFFFFF);
  const __m512d half = _mm512_set1_pd(0.5), scale = _mm512_set1_pd(1.0 / 9007199254740992.0);
  for (int g = 0; g < kGroups && 8u * g < n; ++g) {
    const __m512i hi = _mm512_srli_epi64(_mm512_and_si512(x.w[0][g], low), 5);
    const __m512i lo = _mm512_srli_epi64(_mm512_and_si512(x.w[1][g], low), 6);
    const __m512d value = _mm512_mul_pd(
        _mm512_add_pd(_mm512_cvtepi64_pd(_mm512_or_si512(_mm512_slli_epi64(hi, 26), lo)), half),
        scale);
    _mm512_mask_storeu_pd(u + 8 * g, LaneMask(n - 8u * g), value);
  }
}

[[gnu::target("avx512f,avx512dq")]] void FirstUniformsAvx512(const CounterRng::Key& key,
                                                             uint64_t a_first, uint64_t b,
                                                             uint32_t n, double* u) {
  constexpr uint32_t kLanes = 8 * kGroups;
  const uint32_t a_low = static_cast<uint32_t>(a_first);
  for (uint32_t l = 0; l < n; l += kLanes)
    StoreUniforms(PhiloxLanes(key, a_low + l, b), std::min(kLanes, n - l), u + l);
}

[[gnu::target("avx512f,avx512dq")]] void FirstBlocksAvx512(const CounterRng::Key& key,
                                                           uint64_t a_first, uint64_t b, uint32_t n,
                                                           uint32_t (&words)[4][kMaxLanes]) {
  constexpr uint32_t kLanes = 8 * kGroups;
  const uint32_t a_low = static_cast<uint32_t>(a_first);
  for (uint32_t l = 0; l < n; l += kLanes) {
    const Blocks x = PhiloxLanes(key, a_low + l, b);
    const uint32_t count = std::min(kLanes, n - l);
    for (int w = 0; w < 4; ++w)
      for (int g = 0; g < kGroups && 8u * g < count; ++g)
        // The low half of each 64-bit lane, packed into eight 32-bit words.
        _mm512_mask_cvtepi64_storeu_epi32(words[w] + l + 8 * g, LaneMask(count - 8u * g),
                                          x.w[w][g]);
  }
}

#pragma GCC diagnostic pop

bool HasAvx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  return has;
}
#endif

}  // namespace

void FirstUniforms(const CounterRng::Key& key, uint64_t a_first, uint64_t b, uint32_t n, double* u,
                   LaneCode code) {
#ifdef SPIKESERVE_PHILOX_AVX512
  if (code == LaneCode::kFastest && HasAvx512()) return FirstUniformsAvx512(key, a_first, b, n, u);
#endif
  FirstUniformsAutoVectorised(key, a_first, b, n, u);
}

void FirstBlocks(const CounterRng::Key& key, uint64_t a_first, uint64_t b, uint32_t n,
                 uint32_t (&words)[4][kMaxLanes], LaneCode code) {
#ifdef SPIKESERVE_PHILOX_AVX512
  if (code == LaneCode::kFastest && HasAvx512())
    return FirstBlocksAvx512(key, a_first, b, n, words);
#endif
  FirstBlocksAutoVectorised(key, a_first, b, n, words);
}

}  // namespace spikeserve::engine
