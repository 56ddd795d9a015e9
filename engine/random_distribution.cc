#include "engine/random_distribution.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/catalogue.h"
#include "engine/errors.h"

namespace spikeserve::engine {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct KindName {
  const char* name;
  Distribution::Kind kind;
};
constexpr KindName kKinds[] = {
    {"uniform", Distribution::Kind::kUniform},
    {"normal", Distribution::Kind::kNormal},
    {"normal_clipped", Distribution::Kind::kNormalClipped},
    {"normal_clipped_to_boundary", Distribution::Kind::kNormalClippedToBoundary},
    {"exponential", Distribution::Kind::kExponential},
    {"uniform_int", Distribution::Kind::kUniformInt},
    {"poisson", Distribution::Kind::kPoisson},
    {"gamma", Distribution::Kind::kGamma},
    {"lognormal", Distribution::Kind::kLognormal},
    {"binomial", Distribution::Kind::kBinomial},
    {"vonmises", Distribution::Kind::kVonMises},
};

}  // namespace

uint64_t PoissonInversion(CounterRng& rng, double mean, double exp_minus_mean) {
  return PoissonInversionFrom(rng.Uniform(), mean, {0, exp_minus_mean, exp_minus_mean});
}

uint64_t PoissonInversionFrom(double u, double mean, PoissonTerm term) {
  while (u > term.cdf && term.p > 0.0) term = NextPoissonTerm(term, mean);
  return term.k;
}

double StandardGamma(CounterRng& rng, double shape) {
  // Marsaglia & Tsang (2000); shape < 1 via the boost X * U^(1/shape).
  if (shape < 1.0) return StandardGamma(rng, shape + 1.0) * std::pow(rng.Uniform(), 1.0 / shape);
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = StandardNormal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.Uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

uint64_t BinomialCount(CounterRng& rng, uint64_t n, double p) {
  // Exact for all n: Devroye's beta splitting reduces n geometrically, then
  // small n is counted directly.
  uint64_t result = 0;
  while (n > 32) {
    if (p <= 0.0) return result;
    if (p >= 1.0) return result + n;
    const uint64_t i = (n + 1) / 2;
    const double ga = StandardGamma(rng, static_cast<double>(i));
    const double gb = StandardGamma(rng, static_cast<double>(n + 1 - i));
    const double y = ga / (ga + gb);  // i-th order statistic of n uniforms
    if (y <= p) {
      result += i;
      n -= i;
      p = (p - y) / (1.0 - y);
    } else {
      n = i - 1;
      p = p / y;
    }
  }
  for (uint64_t k = 0; k < n; ++k) result += rng.Uniform() < p ? 1 : 0;
  return result;
}

uint64_t PoissonCount(CounterRng& rng, double mean) {
  // Ahrens & Dieter's gamma splitting keeps the inversion cost (which grows
  // with the mean) bounded and the result exact for any mean.
  uint64_t result = 0;
  while (mean > kPoissonInversionMaxMean) {
    const uint64_t m = static_cast<uint64_t>(mean * 0.875);
    const double g = StandardGamma(rng, static_cast<double>(m));
    if (g > mean) return result + BinomialCount(rng, m - 1, mean / g);
    result += m;
    mean -= g;
  }
  return mean > 0.0 ? result + PoissonInversion(rng, mean, std::exp(-mean)) : result;
}

absl::StatusOr<Distribution> Distribution::Create(const RandomSpec& spec,
                                                  const std::string& field) {
  const DistributionInfo* info = nullptr;
  for (const auto& d : Distributions())
    if (d.name == spec.distribution) info = &d;
  if (info == nullptr) {
    std::vector<std::string> names;
    for (const auto& d : Distributions()) names.push_back(d.name);
    return InvalidArgument(absl::StrCat(field, ".distribution"), reason::kUnknownDistribution,
                           absl::StrCat("unknown distribution '", spec.distribution,
                                        "'; known: ", absl::StrJoin(names, ", ")));
  }
  for (const auto& [name, value] : spec.parameters) {
    bool known = false;
    for (const auto& p : info->parameters) known |= p == name;
    if (!known)
      return InvalidArgument(
          absl::StrCat(field, ".parameters.", name), reason::kUnknownParameter,
          absl::StrCat("distribution '", info->name, "' has no parameter '", name,
                       "'; parameters: ", absl::StrJoin(info->parameters, ", ")));
  }
  double p[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < info->parameters.size(); ++i) {
    const std::string& name = info->parameters[i];
    auto it = spec.parameters.find(name);
    const std::string pf = absl::StrCat(field, ".parameters.", name);
    if (it == spec.parameters.end())
      return InvalidArgument(pf, reason::kMissing,
                             absl::StrCat("distribution '", info->name, "' requires '", name, "'"));
    // The clipping bounds may be infinite: PyNN's own defaults are -inf and inf.
    const bool bound = name == "low" || name == "high";
    const bool clipped =
        info->name == "normal_clipped" || info->name == "normal_clipped_to_boundary";
    if (std::isnan(it->second) || (!std::isfinite(it->second) && !(bound && clipped)))
      return InvalidArgument(pf, reason::kNotFinite,
                             absl::StrCat("'", name, "' must be finite",
                                          clipped ? " (low and high may be infinite)" : ""));
    p[i] = it->second;
  }
  Kind kind = Kind::kUniform;
  for (const auto& k : kKinds)
    if (k.name == info->name) kind = k.kind;
  auto bad = [&](const char* name, const char* rule) {
    return InvalidArgument(absl::StrCat(field, ".parameters.", name), reason::kOutOfRange,
                           absl::StrCat("distribution '", info->name, "': ", rule));
  };
  switch (kind) {
    case Kind::kUniform:
      if (!(p[0] <= p[1])) return bad("high", "high must be >= low");
      break;
    case Kind::kNormal:
    case Kind::kLognormal:
      if (p[1] < 0) return bad("sigma", "sigma must be >= 0");
      break;
    case Kind::kNormalClipped:
    case Kind::kNormalClippedToBoundary:
      if (p[1] < 0) return bad("sigma", "sigma must be >= 0");
      if (!(p[2] <= p[3])) return bad("high", "high must be >= low");
      if (p[2] == INFINITY) return bad("low", "low must be < inf");
      if (p[3] == -INFINITY) return bad("high", "high must be > -inf");
      if (kind == Kind::kNormalClipped && p[1] == 0 && (p[0] < p[2] || p[0] > p[3]))
        return bad("mu", "with sigma 0, mu must lie in [low, high]");
      break;
    case Kind::kExponential:
      if (p[0] <= 0) return bad("beta", "beta must be > 0");
      break;
    case Kind::kUniformInt:
      if (p[0] != std::floor(p[0])) return bad("low", "low must be a whole number");
      if (p[1] != std::floor(p[1])) return bad("high", "high must be a whole number");
      if (!(p[0] < p[1])) return bad("high", "high must be > low (high is exclusive)");
      break;
    case Kind::kPoisson:
      if (p[0] < 0) return bad("lambda_", "lambda_ must be >= 0");
      break;
    case Kind::kGamma:
      if (p[0] <= 0) return bad("k", "k must be > 0");
      if (p[1] <= 0) return bad("theta", "theta must be > 0");
      break;
    case Kind::kBinomial:
      if (p[0] < 0 || p[0] != std::floor(p[0])) return bad("n", "n must be a whole number >= 0");
      if (p[1] < 0 || p[1] > 1) return bad("p", "p must lie in [0, 1]");
      break;
    case Kind::kVonMises:
      if (p[1] < 0) return bad("kappa", "kappa must be >= 0");
      break;
  }
  return Distribution(kind, p[0], p[1], p[2], p[3]);
}

double Distribution::Sample(CounterRng& rng) const {
  switch (kind_) {
    case Kind::kUniform:
      return p_[0] + (p_[1] - p_[0]) * rng.Uniform();
    case Kind::kNormal:
      return p_[0] + p_[1] * StandardNormal(rng);
    case Kind::kNormalClipped:
      // Rejection, as PyNN: the result is the normal conditioned on [low, high].
      for (;;) {
        const double x = p_[0] + p_[1] * StandardNormal(rng);
        if (x >= p_[2] && x <= p_[3]) return x;
      }
    case Kind::kNormalClippedToBoundary:
      return std::fmin(p_[3], std::fmax(p_[2], p_[0] + p_[1] * StandardNormal(rng)));
    case Kind::kExponential:
      return -p_[0] * std::log(rng.Uniform());
    case Kind::kUniformInt:
      return p_[0] + static_cast<double>(rng.Below(static_cast<uint64_t>(p_[1] - p_[0])));
    case Kind::kPoisson:
      return static_cast<double>(PoissonCount(rng, p_[0]));
    case Kind::kGamma:
      return p_[1] * StandardGamma(rng, p_[0]);
    case Kind::kLognormal:
      return std::exp(p_[0] + p_[1] * StandardNormal(rng));
    case Kind::kBinomial:
      return static_cast<double>(BinomialCount(rng, static_cast<uint64_t>(p_[0]), p_[1]));
    case Kind::kVonMises: {
      // Best & Fisher (1979); kappa 0 is the uniform circle.
      const double mu = p_[0], kappa = p_[1];
      if (kappa < 1e-8) return mu + kPi * (2.0 * rng.Uniform() - 1.0);
      const double tau = 1.0 + std::sqrt(1.0 + 4.0 * kappa * kappa);
      const double rho = (tau - std::sqrt(2.0 * tau)) / (2.0 * kappa);
      const double r = (1.0 + rho * rho) / (2.0 * rho);
      for (;;) {
        const double z = std::cos(kPi * rng.Uniform());
        const double f = (1.0 + r * z) / (r + z);
        const double c = kappa * (r - f);
        const double u2 = rng.Uniform();
        if (c * (2.0 - c) > u2 || std::log(c / u2) + 1.0 >= c) {
          const double theta = (rng.Uniform() > 0.5 ? 1.0 : -1.0) * std::acos(f);
          return std::remainder(mu + theta, 2.0 * kPi);
        }
      }
    }
  }
  return 0.0;
}

}  // namespace spikeserve::engine
