// e^x written so that a loop calling it vectorises: no branches, no calls,
// no lookup tables, only arithmetic the SIMD units have (libm's exp is a call
// per element, which keeps the cell-update loops scalar).
//
// Method: x = k ln2 + r with k = round(x / ln2) and |r| <= ln2 / 2, ln2 split
// into a high part with 21 trailing zero bits (k * kLn2High is exact for
// every k here) and a low part; e^r by a polynomial of degree 11 fitted to it
// on [-ln2/2, ln2/2] (mpmath's chebyfit, 40 digits; largest relative error
// 3.2e-18, below half an ulp; Taylor needs degree 13 for that);
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
  double p = 2.5110037605963777e-08;
  p = p * r + 2.763263963904103e-07;
  p = p * r + 2.755724091857897e-06;
  p = p * r + 2.4801485482328494e-05;
  p = p * r + 0.00019841269890047113;
  p = p * r + 0.0013888888952314775;
  p = p * r + 0.008333333333319601;
  p = p * r + 0.0416666666664881;
  p = p * r + 0.1666666666666668;
  p = p * r + 0.5000000000000019;
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

// (1 - e^{-x}) / x for x in [0, kOneMinusExpOverXMax], 1 at x = 0: the
// fraction of the way to its fixed point that a linear ODE with rate x per
// step covers in one step, with neither an exponential nor the division by x
// (which cost a cell-update loop more than the rest of its arithmetic).
// Method: a polynomial of degree 9 fitted to it on [0, 1/2] (mpmath's
// chebyfit, 40 digits; largest relative error 8e-17 with the coefficients
// rounded to doubles). Measured against -expm1(-x) / x: at most 2 ulp
// (engine/vector_exp_test.cc). Outside [0, 1/2] the result is meaningless.
// Degree 11 on [0, 1] made Vogels-Abbott COBA 4 % slower, and its exponents
// stay below 1/2 (bench/RESULTS.md, session 13).
inline constexpr double kOneMinusExpOverXMax = 0.5;

inline double OneMinusExpOverX(double x) {
  double p = -2.1985703840083692e-07;
  p = p * x + 2.6988592921217972e-06;
  p = p * x - 2.4768788096264572e-05;
  p = p * x + 0.0001984011727676172;
  p = p * x - 0.0013888863717021528;
  p = p * x + 0.008333332997835102;
  p = p * x - 0.041666666640941714;
  p = p * x + 0.16666666666566382;
  p = p * x - 0.49999999999998485;
  return p * x + 1.0;
}

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_VECTOR_EXP_H_
