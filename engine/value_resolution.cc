#include "engine/value_resolution.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/errors.h"
#include "engine/random_distribution.h"

namespace spikeserve::engine {

absl::StatusOr<std::vector<double>> ResolveNumbers(const ParameterValue& value,
                                                   const std::string& field,
                                                   const std::vector<uint64_t>& ids,
                                                   const DrawKeys& keys) {
  std::vector<double> out;
  if (const double* d = std::get_if<double>(&value)) {
    out.assign(ids.size(), *d);
  } else if (const auto* v = std::get_if<std::vector<double>>(&value)) {
    if (v->size() != ids.size())
      return InvalidArgument(field, reason::kWrongLength,
                             absl::StrCat("expected ", ids.size(), " values, got ", v->size()));
    out = *v;
  } else if (const auto* r = std::get_if<RandomSpec>(&value)) {
    auto dist = Distribution::Create(*r, field);
    if (!dist.ok()) return dist.status();
    const uint64_t seed = r->seed != 0 ? r->seed : keys.default_seed;
    out.resize(ids.size());
    for (size_t k = 0; k < ids.size(); ++k) {
      CounterRng rng(seed, keys.purpose, ids[k], keys.stream, keys.substream);
      out[k] = dist->Sample(rng);
    }
  } else {
    return InvalidArgument(field, reason::kWrongType,
                           "expected a number, an array of numbers or a random distribution");
  }
  for (size_t k = 0; k < out.size(); ++k)
    if (!std::isfinite(out[k]))
      return InvalidArgument(field, reason::kNotFinite,
                             absl::StrCat("value ", k, " is not finite: ", out[k]));
  return out;
}

}  // namespace spikeserve::engine
