// Counter-based random numbers (Philox4x32-10, Salmon et al., SC 2011).
//
// A stream is a pure function of (seed, purpose, a, b, c): the i-th number of a
// stream never depends on how many other streams were used before, on thread
// count or on call order. That is what makes one seed give the same network and
// the same spikes whatever the parallel decomposition.
#ifndef SPIKESERVE_ENGINE_COUNTER_RNG_H_
#define SPIKESERVE_ENGINE_COUNTER_RNG_H_

#include <array>
#include <cstdint>

namespace spikeserve::engine {

// Keeps streams drawn for different reasons independent even when their
// element indices coincide.
enum class RngPurpose : uint32_t {
  kCellParameter = 1,
  kSynapseParameter = 2,
  kConnectivity = 3,
  kPoissonSource = 4,
  kSeedDerivation = 5,
  kTest = 6,
  kEscapeNoise = 7,
  kPoissonRefractorySource = 8,
  kGammaSource = 9,
  kInhGammaSource = 10,
  kNoisyCurrent = 11,
  kSynapticRelease = 12,
  kCellPosition = 13,
};

// SplitMix64 finaliser: a bijective 64-bit mixer, used to fold stream ids into
// Philox keys so that nearby ids give unrelated keys.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline uint64_t HashCombine(uint64_t h, uint64_t v) { return Mix64(h ^ Mix64(v)); }

class CounterRng {
 public:
  // `a` and `b` go into the counter (collision-free for a < 2^32, any b);
  // `c` and the high half of `a` are hashed into the key with seed and purpose.
  CounterRng(uint64_t seed, RngPurpose purpose, uint64_t a, uint64_t b = 0, uint64_t c = 0)
      : CounterRng(KeyOf(seed, purpose, a, c), a, b) {}

  // The key part of stream (seed, purpose, a, b, c), which depends on a only
  // through a >> 32: a loop over many streams (one per cell) hashes it once
  // and makes each stream with the constructor below.
  struct Key {
    uint64_t value;
    uint64_t a_high;  // a >> 32 of the streams it serves
  };
  static Key KeyOf(uint64_t seed, RngPurpose purpose, uint64_t a, uint64_t c = 0) {
    return {HashCombine(HashCombine(HashCombine(seed, static_cast<uint32_t>(purpose)), c), a >> 32),
            a >> 32};
  }
  // The same stream as CounterRng(seed, purpose, a, b, c), `key` being
  // KeyOf(seed, purpose, a', c) for an a' with a' >> 32 == a >> 32.
  CounterRng(const Key& key, uint64_t a, uint64_t b) {
    key_ = {static_cast<uint32_t>(key.value), static_cast<uint32_t>(key.value >> 32)};
    ctr_ = {0, static_cast<uint32_t>(a), static_cast<uint32_t>(b), static_cast<uint32_t>(b >> 32)};
  }

  // The same stream with its first block (the words of counter 0) given,
  // as FirstBlocks (counter_rng_lanes.h) computes them for many streams.
  CounterRng(const Key& key, uint64_t a, uint64_t b, const std::array<uint32_t, 4>& first)
      : CounterRng(key, a, b) {
    block_ = first;
    pos_ = 0;
    ctr_[0] = 1;
  }

  uint32_t NextU32() {
    if (pos_ == 4) {
      block_ = Philox(ctr_, key_);
      ++ctr_[0];
      pos_ = 0;
    }
    return block_[pos_++];
  }

  // Uniform in the open interval (0, 1), 53 random bits: safe for log().
  double Uniform() {
    const uint32_t first = NextU32();
    return UniformFromWords(first, NextU32());
  }
  // Uniform()'s value from its two words (counter_rng_lanes.h makes many at once).
  static double UniformFromWords(uint32_t first, uint32_t second) {
    const uint64_t hi = first >> 5, lo = second >> 6;  // 27 + 26 bits
    // Below 2^53, so the signed conversion (one instruction in AVX-512) is exact.
    return (static_cast<double>(static_cast<int64_t>(hi << 26 | lo)) + 0.5) *
           (1.0 / 9007199254740992.0);
  }

  static constexpr uint32_t kPhiloxM0 = 0xD2511F53, kPhiloxM1 = 0xCD9E8D57;
  static constexpr uint32_t kPhiloxW0 = 0x9E3779B9, kPhiloxW1 = 0xBB67AE85;

  // Uniform integer in [0, n), n > 0; Lemire's method without bias.
  uint64_t Below(uint64_t n) {
    if (n <= 0xFFFFFFFFull) {
      uint64_t m = uint64_t{NextU32()} * n;
      uint32_t low = static_cast<uint32_t>(m);
      if (low < n) {
        const uint32_t threshold = static_cast<uint32_t>(-static_cast<uint32_t>(n) % n);
        while (low < threshold) {
          m = uint64_t{NextU32()} * n;
          low = static_cast<uint32_t>(m);
        }
      }
      return m >> 32;
    }
    // Rejection on 64-bit words for the (rare) huge ranges.
    const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % n);
    uint64_t r;
    do {
      r = uint64_t{NextU32()} << 32 | NextU32();
    } while (r >= limit);
    return r % n;
  }

 private:
  using Block = std::array<uint32_t, 4>;
  static Block Philox(Block c, std::array<uint32_t, 2> k) {
    for (int round = 0; round < 10; ++round) {
      const uint64_t p0 = uint64_t{kPhiloxM0} * c[0], p1 = uint64_t{kPhiloxM1} * c[2];
      c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
           static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
      k[0] += kPhiloxW0;
      k[1] += kPhiloxW1;
    }
    return c;
  }

  std::array<uint32_t, 2> key_;
  Block ctr_;
  Block block_{};
  int pos_ = 4;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_COUNTER_RNG_H_
