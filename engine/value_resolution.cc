#include "engine/value_resolution.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/counter_rng_lanes.h"
#include "engine/errors.h"
#include "engine/random_distribution.h"

namespace spikeserve::engine {
namespace {

// Below this many draws a pool's handoff costs more than sharing saves.
constexpr uint64_t kParallelDraws = 1 << 14;

// ResolveNumbers for the n elements whose ids id_of(0) .. id_of(n - 1) are.
template <class IdOf>
absl::StatusOr<std::vector<double>> Resolve(const ParameterValue& value, const std::string& field,
                                            uint64_t n, IdOf id_of, const DrawKeys& keys,
                                            WorkerPool* pool) {
  std::vector<double> out;
  if (const double* d = std::get_if<double>(&value)) {
    out.assign(n, *d);
  } else if (const auto* v = std::get_if<std::vector<double>>(&value)) {
    if (v->size() != n)
      return InvalidArgument(field, reason::kWrongLength,
                             absl::StrCat("expected ", n, " values, got ", v->size()));
    out = *v;
  } else if (const auto* r = std::get_if<RandomSpec>(&value)) {
    auto dist = Distribution::Create(*r, field);
    if (!dist.ok()) return dist.status();
    const uint64_t seed = r->seed != 0 ? r->seed : keys.default_seed;
    out.resize(n);
    // Consecutive ids under one key (one value of id >> 32) share the key's
    // hashing, and their first blocks are computed in vector lanes; each
    // stream is the same as CounterRng(seed, purpose, id, stream, substream).
    auto draw = [&](uint64_t begin, uint64_t end) {
      CounterRng::Key key{0, UINT64_MAX};
      uint32_t words[4][kMaxLanes];
      for (uint64_t k = begin; k < end;) {
        const uint64_t a = id_of(k);
        if (a >> 32 != key.a_high) key = CounterRng::KeyOf(seed, keys.purpose, a, keys.substream);
        uint32_t lanes = 1;
        while (lanes < kMaxLanes && k + lanes < end && id_of(k + lanes) == a + lanes &&
               (a + lanes) >> 32 == key.a_high)
          ++lanes;
        FirstBlocks(key, a, keys.stream, lanes, words);
        for (uint32_t l = 0; l < lanes; ++l) {
          CounterRng rng(key, a + l, keys.stream,
                         {words[0][l], words[1][l], words[2][l], words[3][l]});
          out[k + l] = dist->Sample(rng);
        }
        k += lanes;
      }
    };
    if (pool != nullptr && pool->size() > 1 && n >= kParallelDraws) {
      const uint64_t members = pool->size();
      pool->Run([&](int m) { draw(n * m / members, n * (m + 1) / members); });
    } else {
      draw(0, n);
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

}  // namespace

absl::StatusOr<std::vector<double>> ResolveNumbers(const ParameterValue& value,
                                                   const std::string& field,
                                                   const std::vector<uint64_t>& ids,
                                                   const DrawKeys& keys) {
  return Resolve(
      value, field, ids.size(), [&](uint64_t k) { return ids[k]; }, keys, nullptr);
}

absl::StatusOr<std::vector<double>> ResolveNumbers(const ParameterValue& value,
                                                   const std::string& field, uint64_t n,
                                                   const DrawKeys& keys, WorkerPool* pool) {
  return Resolve(
      value, field, n, [](uint64_t k) { return k; }, keys, pool);
}

}  // namespace spikeserve::engine
