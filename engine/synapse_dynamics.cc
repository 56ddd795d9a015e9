#include "engine/synapse_dynamics.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/errors.h"
#include "engine/stdp.h"
#include "engine/stochastic_synapse.h"
#include "engine/tsodyks_markram.h"

namespace spikeserve::engine {
namespace {

const SynapseTypeInfo* Find(const std::vector<SynapseTypeInfo>& types, const std::string& name) {
  for (const auto& t : types)
    if (t.name == name) return &t;
  return nullptr;
}

std::string Names(const std::vector<SynapseTypeInfo>& types) {
  std::vector<std::string> names;
  for (const auto& t : types) names.push_back(t.name);
  return absl::StrJoin(names, ", ");
}

}  // namespace

SynapseDynamics::SynapseDynamics(const SynapseTypeInfo& type, Projection& projection)
    : type_(type), projection_(projection) {
  for (const auto& p : type.parameters)
    if (p.name != "weight" && p.name != "delay") parameters_[p.name] = p.default_value;
}

std::vector<double>* SynapseDynamics::initial(const std::string& name) {
  for (auto& c : state_)
    if (!c->name.empty() && c->name == name) return &c->initial;
  return nullptr;
}

std::vector<double>& SynapseDynamics::AddState(const std::string& name, double initial) {
  const size_t n = projection_.size();
  state_.push_back(std::make_unique<StateColumn>(
      StateColumn{name, std::vector<double>(n, initial), std::vector<double>(n, initial)}));
  return state_.back()->value;
}

void SynapseDynamics::Reorder(const std::vector<uint64_t>& perm) {
  auto apply = [&](std::vector<double>& v) {
    std::vector<double> out(v.size());
    for (size_t k = 0; k < perm.size(); ++k) out[k] = v[perm[k]];
    v = std::move(out);
  };
  for (auto& c : state_) {
    apply(c->value);
    apply(c->initial);
  }
  if (plastic_) apply(initial_weights_);
}

void SynapseDynamics::Reset() {
  for (auto& c : state_) c->value = c->initial;
  if (plastic_) projection_.weights() = initial_weights_;
  ResetTime();
}

absl::StatusOr<std::unique_ptr<SynapseDynamics>> MakeSynapseDynamics(const std::string& type,
                                                                     const std::string& timing,
                                                                     const std::string& weight,
                                                                     Projection& projection) {
  const SynapseTypeInfo* info = Find(SynapseTypes(), type);
  if (info == nullptr)
    return InvalidArgument(
        "synapse.type", reason::kUnknownSynapseType,
        absl::StrCat("unknown synapse type '", type, "'; known: ", Names(SynapseTypes())));
  if (type != "STDPMechanism" && !(timing.empty() && weight.empty()))
    return InvalidArgument("synapse.timing_dependence", reason::kConflict,
                           "only STDPMechanism takes a timing and a weight dependence");
  if (type == "StaticSynapse") return std::unique_ptr<SynapseDynamics>();
  if (type == "TsodyksMarkramSynapse") return std::make_unique<TsodyksMarkram>(*info, projection);
  if (type == "SimpleStochasticSynapse")
    return std::make_unique<StochasticRelease>(*info, projection);
  const SynapseTypeInfo* t = Find(TimingDependences(), timing);
  if (t == nullptr)
    return InvalidArgument("synapse.timing_dependence", reason::kUnknownSynapseType,
                           absl::StrCat("unknown timing dependence '", timing,
                                        "'; known: ", Names(TimingDependences())));
  const SynapseTypeInfo* w = Find(WeightDependences(), weight);
  if (w == nullptr)
    return InvalidArgument("synapse.weight_dependence", reason::kUnknownSynapseType,
                           absl::StrCat("unknown weight dependence '", weight,
                                        "'; known: ", Names(WeightDependences())));
  return std::make_unique<Stdp>(*info, *t, *w, projection);
}

}  // namespace spikeserve::engine
