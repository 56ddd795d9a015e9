// PyNN's RandomDistribution, validated once and then sampled from counter
// streams. Parameter names and meanings follow pyNN.random with NumpyRNG
// (e.g. exponential(beta) has mean beta; uniform_int(low, high) draws from
// [low, high) like numpy's randint).
#ifndef SPIKESERVE_ENGINE_RANDOM_DISTRIBUTION_H_
#define SPIKESERVE_ENGINE_RANDOM_DISTRIBUTION_H_

#include <string>

#include "absl/status/statusor.h"
#include "engine/counter_rng.h"
#include "engine/parameter_value.h"
#include "engine/standard_normal.h"

namespace spikeserve::engine {

class Distribution {
 public:
  enum class Kind {
    kUniform,
    kNormal,
    kNormalClipped,
    kNormalClippedToBoundary,
    kExponential,
    kUniformInt,
    kPoisson,
    kGamma,
    kLognormal,
    kBinomial,
    kVonMises,
  };

  // Checks the name against the catalogue and every parameter's presence and
  // range; errors name `field` + ".parameters.<name>".
  static absl::StatusOr<Distribution> Create(const RandomSpec& spec, const std::string& field);

  double Sample(CounterRng& rng) const;

 private:
  Distribution(Kind kind, double p0, double p1, double p2, double p3)
      : kind_(kind), p_{p0, p1, p2, p3} {}
  Kind kind_;
  double p_[4];
};

// Building blocks, exposed because spike sources and connectors use them too
// (StandardNormal: standard_normal.h).
double StandardGamma(CounterRng& rng, double shape);
uint64_t PoissonCount(CounterRng& rng, double mean);
// PoissonCount's draw for 0 < mean <= kPoissonInversionMaxMean, by inversion
// of one uniform; callers drawing often with one mean pass exp(-mean) computed once.
inline constexpr double kPoissonInversionMaxMean = 16.0;
uint64_t PoissonInversion(CounterRng& rng, double mean, double exp_minus_mean);
// The inversion's state at count k: p = P(k), cdf = P(<= k), both as the
// recurrence below computes them (so a table of them inverts identically).
struct PoissonTerm {
  uint64_t k;
  double p;
  double cdf;
};
inline PoissonTerm NextPoissonTerm(const PoissonTerm& t, double mean) {
  const double p = t.p * (mean / static_cast<double>(t.k + 1));
  return {t.k + 1, p, t.cdf + p};
}
// The count for uniform u, the inversion resumed at `term` (u > term.cdf's
// predecessors): PoissonInversion is PoissonInversionFrom(Uniform(), mean,
// {0, exp(-mean), exp(-mean)}).
uint64_t PoissonInversionFrom(double u, double mean, PoissonTerm term);
uint64_t BinomialCount(CounterRng& rng, uint64_t n, double p);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_RANDOM_DISTRIBUTION_H_
