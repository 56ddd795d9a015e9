#include "engine/value_resolution.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/counter_rng_lanes.h"
#include "engine/errors.h"
#include "engine/random_distribution.h"

namespace spikeserve::engine {
namespace {

// Below this many draws a pool's handoff costs more than sharing saves.
constexpr uint64_t kParallelDraws = 1 << 14;
// Values handed to a sink at a time: small enough to stay in the cache,
// large enough that a call per block costs nothing.
constexpr uint64_t kBlock = 4096;

// The values of the n elements whose ids are id_of(0) .. id_of(n - 1),
// handed to sink(first, values, count) in blocks of consecutive elements,
// each block once; with a pool, its members take a share each and call the
// sink concurrently for disjoint blocks. Returns the error of the first
// element (by index) that is not finite, or the first block (by index)
// whose sink returned false as `rejected` (OK otherwise).
template <class IdOf, class Sink>
absl::Status ResolveInBlocks(const ParameterValue& value, const std::string& field, uint64_t n,
                             IdOf id_of, const DrawKeys& keys, WorkerPool* pool, Sink& sink,
                             bool* rejected) {
  *rejected = false;
  std::function<void(uint64_t, uint64_t, double*)> produce;  // elements [begin, end)
  std::optional<Distribution> dist;
  uint64_t seed = 0;
  if (const double* d = std::get_if<double>(&value)) {
    produce = [d](uint64_t begin, uint64_t end, double* out) {
      std::fill(out, out + (end - begin), *d);
    };
  } else if (const auto* v = std::get_if<std::vector<double>>(&value)) {
    if (v->size() != n)
      return InvalidArgument(field, reason::kWrongLength,
                             absl::StrCat("expected ", n, " values, got ", v->size()));
    produce = [v](uint64_t begin, uint64_t end, double* out) {
      std::copy(v->begin() + begin, v->begin() + end, out);
    };
  } else if (const auto* r = std::get_if<RandomSpec>(&value)) {
    auto created = Distribution::Create(*r, field);
    if (!created.ok()) return created.status();
    dist.emplace(std::move(*created));
    seed = r->seed != 0 ? r->seed : keys.default_seed;
    // Consecutive ids under one key (one value of id >> 32) share the key's
    // hashing, and their first blocks are computed in vector lanes; each
    // stream is the same as CounterRng(seed, purpose, id, stream, substream).
    produce = [&](uint64_t begin, uint64_t end, double* out) {
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
          out[k - begin + l] = dist->Sample(rng);
        }
        k += lanes;
      }
    };
  } else {
    return InvalidArgument(field, reason::kWrongType,
                           "expected a number, an array of numbers or a random distribution");
  }
  // Per share: the first element not finite and the first block rejected
  // (UINT64_MAX: none), so that the error reported is the first by index whatever
  // the pool's size.
  struct Outcome {
    uint64_t not_finite = UINT64_MAX;
    double value = 0.0;
    uint64_t rejected = UINT64_MAX;
  };
  auto share = [&](uint64_t begin, uint64_t end, Outcome& outcome) {
    std::vector<double> block(std::min(kBlock, end - begin));
    for (uint64_t first = begin; first < end; first += kBlock) {
      const uint64_t last = std::min(end, first + kBlock);
      produce(first, last, block.data());
      for (uint64_t k = first; k < last; ++k)
        if (!std::isfinite(block[k - first])) {
          outcome.not_finite = k;
          outcome.value = block[k - first];
          return;
        }
      if (!sink(first, block.data(), last - first)) {
        outcome.rejected = first;
        return;
      }
    }
  };
  const bool parallel = pool != nullptr && pool->size() > 1 && n >= kParallelDraws &&
                        std::holds_alternative<RandomSpec>(value);
  std::vector<Outcome> outcomes(parallel ? pool->size() : 1);
  ForEachShare(parallel ? pool : nullptr, n,
               [&](uint64_t begin, uint64_t end, int m) { share(begin, end, outcomes[m]); });
  // Shares are in index order: the first with an error has the first error.
  for (const Outcome& o : outcomes) {
    if (o.not_finite != UINT64_MAX)
      return InvalidArgument(field, reason::kNotFinite,
                             absl::StrCat("value ", o.not_finite, " is not finite: ", o.value));
    if (o.rejected != UINT64_MAX) {
      *rejected = true;
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// ResolveNumbers for the n elements whose ids id_of(0) .. id_of(n - 1) are.
template <class IdOf>
absl::StatusOr<std::vector<double>> Resolve(const ParameterValue& value, const std::string& field,
                                            uint64_t n, IdOf id_of, const DrawKeys& keys,
                                            WorkerPool* pool) {
  std::vector<double> out(n);
  auto copy = [&](uint64_t first, const double* values, size_t count) {
    std::copy(values, values + count, out.begin() + first);
    return true;
  };
  bool rejected;
  if (auto s = ResolveInBlocks(value, field, n, id_of, keys, pool, copy, &rejected); !s.ok())
    return s;
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

absl::StatusOr<bool> ResolveNumbersInBlocks(const ParameterValue& value, const std::string& field,
                                            uint64_t n, const DrawKeys& keys, WorkerPool* pool,
                                            const BlockSink& sink) {
  bool rejected;
  auto s = ResolveInBlocks(
      value, field, n, [](uint64_t k) { return k; }, keys, pool, sink, &rejected);
  if (!s.ok()) return s;
  return !rejected;
}

}  // namespace spikeserve::engine
