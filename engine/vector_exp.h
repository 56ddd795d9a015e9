// e^x written so that a loop calling it vectorises: no branches, no calls,
// no lookup tables, only arithmetic the SIMD units have (libm's exp is a call
// per element, which keeps the cell-update loops scalar).
//
// Method: x = k ln2 + r with k = round(x / ln2) and |r| <= ln2 / 2, ln2 split
// into a high part with 21 trailing zero bits (k * kLn2High is exact for
// every k here) and a low part; e^r by its Taylor polynomial of degree 13,
// whose truncation error r^14 / 14! < 5e-18 is below half an ulp of e^r;
// 2^k assembled in the exponent bits. Measured against std::exp over
// [-708, 709]: at most 2 ulp (engine/vector_exp_test.cc). Below -708 the
// result is 0 (e^x is subnormal or 0 there); NaN gives NaN. Above 709 the
// result is meaningless: the engine's arguments are decay exponents, <= 0,
// and checking the upper end too (a compare and a select per element, or a
// min) made the COBA cell update 15 % slower.
#ifndef SPIKESERVE_ENGINE_VECTOR_EXP_H_
#define SPIKESERVE_ENGINE_VECTOR_EXP_H_

#include <cstdint>
#include <cstring>

namespace spikeserve::engine {

inline double VectorExp(double x) {
  constexpr double kLog2e = 1.4426950408889634074;
  // ln 2 = kLn2High + kLn2Low; kLn2High has 32 significant bits.
  constexpr double kLn2High = 6.93147180369123816490e-01;
  constexpr double kLn2Low = 1.90821492927058770002e-10;
  // Adding 1.5 * 2^52 rounds to the nearest integer in the low bits.
  constexpr double kShifter = 6755399441055744.0;
  constexpr double kMin = -708.0;
  const double clamped = x < kMin ? kMin : x;  // a NaN x passes through
  const double shifted = clamped * kLog2e + kShifter;
  const double k = shifted - kShifter;
  const double r = (clamped - k * kLn2High) - k * kLn2Low;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // The low bits of `shifted` hold k; adding the bias and shifting by the
  // mantissa width leaves 2^k's bit pattern (k + 1023 is in [2, 2046]).
  uint64_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  bits = (bits + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x < kMin ? 0.0 : p * scale;
}

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_VECTOR_EXP_H_
