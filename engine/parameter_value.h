// The value a client gives for one parameter of a population, a synapse or a
// current source — the forms PyNN accepts, minus Python callables (which the
// client evaluates itself and sends as arrays).
#ifndef SPIKESERVE_ENGINE_PARAMETER_VALUE_H_
#define SPIKESERVE_ENGINE_PARAMETER_VALUE_H_

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace spikeserve::engine {

// A PyNN RandomDistribution: the distribution name and its parameters by
// PyNN's names, e.g. {"normal", {{"mu", 0.0}, {"sigma", 1.0}}}.
struct RandomSpec {
  std::string distribution;
  std::map<std::string, double> parameters;
  // Seed of the stream the values are drawn from; 0 means "derive from the
  // session seed". Values depend on (seed, purpose, element index) only, never
  // on thread count or on the order of calls.
  uint64_t seed = 0;
};

// One Sequence (spike times or step-current times), shared by every element.
struct Sequence {
  std::vector<double> values;
};

// One Sequence per element (e.g. a spike train per cell).
struct SequenceList {
  std::vector<std::vector<double>> values;
};

// An expression of the distance d (µm) between pre- and post-synaptic cell,
// e.g. "exp(-d/100)". Evaluated by the engine's expression evaluator, never
// executed as code.
struct DistanceExpression {
  std::string expression;
};

// Scalar: the same value for every element. Array: one value per element.
using ParameterValue = std::variant<double, std::vector<double>, RandomSpec, Sequence, SequenceList,
                                    DistanceExpression>;

// Name -> value, as in PyNN's `Population.set(tau_m=..., cm=...)`.
using ParameterMap = std::map<std::string, ParameterValue>;

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_PARAMETER_VALUE_H_
