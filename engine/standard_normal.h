// Standard normal draws from a counter stream, by Marsaglia and Tsang's
// ziggurat (J. Stat. Softw. 5(8), 2000) in Doornik's form (2005), which takes
// the layer from bits that the uniform does not use, so that the two are
// independent. 128 layers of equal area; a draw takes two words of the
// stream (one uniform's worth) in 98.8 % of cases, and only the rest, the
// wedges and the tail beyond R, call exp() or log(). Box-Muller, which it
// replaces, took a log, a square root and a cosine for every draw and was a
// third of building the microcircuit (bench/RESULTS.md, session 12).
//
// A draw is a pure function of the stream, as every draw in the engine.
#ifndef SPIKESERVE_ENGINE_STANDARD_NORMAL_H_
#define SPIKESERVE_ENGINE_STANDARD_NORMAL_H_

#include <cmath>
#include <cstdint>

#include "engine/counter_rng.h"

namespace spikeserve::engine {

class Ziggurat {
 public:
  static constexpr int kLayers = 128;
  static constexpr double kR = 3.442619855899;          // where the tail begins
  static constexpr double kArea = 9.91256303526217e-3;  // of each layer, with the base's tail

  static const Ziggurat& Get() {
    static const Ziggurat table;
    return table;
  }

  double Draw(CounterRng& rng) const {
    for (;;) {
      const uint32_t first = rng.NextU32(), second = rng.NextU32();
      // UniformFromWords uses bits 5-31 of the first word and 6-31 of the
      // second; the layer takes bits 0-4 of the first and 0-1 of the second.
      const int layer = static_cast<int>((first & 0x1F) | (second & 0x3) << 5);
      const double u = 2.0 * CounterRng::UniformFromWords(first, second) - 1.0;  // (-1, 1)
      if (std::fabs(u) < ratio_[layer]) return u * x_[layer];
      if (layer == 0) return Tail(rng, u < 0.0);
      const double x = u * x_[layer];
      const double f_outer = std::exp(-0.5 * (x_[layer] * x_[layer] - x * x));
      const double f_inner = std::exp(-0.5 * (x_[layer + 1] * x_[layer + 1] - x * x));
      if (f_inner + rng.Uniform() * (f_outer - f_inner) < 1.0) return x;
    }
  }

  // Layer edges, widest first: x(0) = kArea / f(kR) for the base with its
  // tail, x(1) = kR, x(kLayers) = 0.
  double x(int layer) const { return x_[layer]; }

 private:
  Ziggurat() {
    x_[0] = kArea / std::exp(-0.5 * kR * kR);
    x_[1] = kR;
    for (int i = 2; i < kLayers; ++i)
      x_[i] =
          std::sqrt(-2.0 * std::log(kArea / x_[i - 1] + std::exp(-0.5 * x_[i - 1] * x_[i - 1])));
    x_[kLayers] = 0.0;
    for (int i = 0; i < kLayers; ++i) ratio_[i] = x_[i + 1] / x_[i];
  }

  // Beyond kR (Marsaglia 1964), with the sign of the draw that fell there.
  static double Tail(CounterRng& rng, bool negative) {
    double x, y;
    do {
      x = -std::log(rng.Uniform()) / kR;
      y = -std::log(rng.Uniform());
    } while (2.0 * y < x * x);
    return negative ? -(kR + x) : kR + x;
  }

  double x_[kLayers + 1];
  double ratio_[kLayers];  // x(i + 1) / x(i): below it a draw is inside layer i's rectangle
};

inline double StandardNormal(CounterRng& rng) { return Ziggurat::Get().Draw(rng); }

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_STANDARD_NORMAL_H_
