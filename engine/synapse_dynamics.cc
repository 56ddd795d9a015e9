#include "engine/synapse_dynamics.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/errors.h"
#include "engine/quantal_release.h"
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
    if (p.name != "weight" && p.name != "delay") {
      names_.push_back(p.name);
      parameters_[p.name] = p.default_value;
    }
}

bool SynapseDynamics::has_parameter(const std::string& name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

SynapseParameter* SynapseDynamics::connection_parameter(const std::string& name) {
  auto it = connection_parameters_.find(name);
  return it == connection_parameters_.end() ? nullptr : &it->second;
}

const SynapseParameter* SynapseDynamics::connection_parameter(const std::string& name) const {
  auto it = connection_parameters_.find(name);
  return it == connection_parameters_.end() ? nullptr : &it->second;
}

std::vector<std::string> SynapseDynamics::connection_parameter_names() const {
  std::vector<std::string> out;
  for (const auto& name : names_)
    if (connection_parameters_.count(name)) out.push_back(name);
  return out;
}

SynapseParameter& SynapseDynamics::AddConnectionParameter(const std::string& name) {
  auto node = parameters_.extract(name);
  return connection_parameters_.emplace(name, SynapseParameter(node.mapped())).first->second;
}

absl::Status SynapseDynamics::CheckEach(const std::string& prefix, const std::string& name,
                                        bool (*ok)(double), const char* rule) const {
  for (double v : connection_parameters_.at(name).values())
    if (!ok(v))
      return InvalidArgument(prefix + name, reason::kOutOfRange,
                             absl::StrCat(name, " must be ", rule, ", got ", v));
  return absl::OkStatus();
}

absl::Status SynapseDynamics::CheckEachInitial(const std::string& prefix, const std::string& name,
                                               const std::function<bool(uint64_t, double)>& ok,
                                               const char* rule) const {
  for (const auto& c : state_) {
    if (c->name != name) continue;
    for (uint64_t k = 0; k < c->initial.size(); ++k)
      if (!ok(k, c->initial[k]))
        return InvalidArgument(prefix + name, reason::kOutOfRange,
                               absl::StrCat(name, " must be ", rule, ", got ", c->initial[k]));
  }
  return absl::OkStatus();
}

absl::Status SynapseDynamics::CheckShortTermPlasticity(const std::string& prefix) const {
  absl::Status s = CheckEach(
      prefix, "U", [](double v) { return v >= 0 && v <= 1; }, "in [0, 1]");
  if (s.ok())
    s = CheckEach(
        prefix, "tau_rec", [](double v) { return v > 0; }, "> 0");
  if (s.ok())
    s = CheckEach(
        prefix, "tau_facil", [](double v) { return v >= 0; }, ">= 0");
  return s;
}

std::vector<double>* SynapseDynamics::initial(const std::string& name) {
  for (auto& c : state_)
    if (!c->name.empty() && c->name == name) return &c->initial;
  return nullptr;
}

std::vector<double>& SynapseDynamics::AddState(const std::string& name, double initial) {
  const size_t n = projection_.size();
  state_.push_back(std::make_unique<StateColumn>(StateColumn{
      name, std::vector<double>(n, initial),
      name.empty() ? std::vector<double>() : std::vector<double>(n, initial), initial}));
  return state_.back()->value;
}

void SynapseDynamics::Reorder(const std::vector<uint64_t>& perm) {
  auto apply = [&](std::vector<double>& v) {
    if (v.empty()) return;
    std::vector<double> out(v.size());
    for (size_t k = 0; k < perm.size(); ++k) out[k] = v[perm[k]];
    v = std::move(out);
  };
  for (auto& c : state_) {
    apply(c->value);
    apply(c->initial);
  }
  for (auto& [name, p] : connection_parameters_) p.Reorder(perm);
  if (plastic_) initial_weights_.Reorder(perm);
}

uint64_t SynapseDynamics::MemoryBytes() const {
  uint64_t bytes = plastic_ ? initial_weights_.MemoryBytes() : 0;
  for (const auto& c : state_)
    bytes += (c->value.capacity() + c->initial.capacity()) * sizeof(double);
  for (const auto& [name, p] : connection_parameters_) bytes += p.MemoryBytes();
  return bytes;
}

void SynapseDynamics::Reset() {
  for (auto& c : state_) {
    if (c->name.empty())
      std::fill(c->value.begin(), c->value.end(), c->fill);
    else
      c->value = c->initial;
  }
  if (plastic_) projection_.SetWeights(initial_weights_);
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
  // Gap junctions keep only weights (conductances); the simulation couples them.
  if (type == "StaticSynapse" || type == "ElectricalSynapse")
    return std::unique_ptr<SynapseDynamics>();
  if (type == "TsodyksMarkramSynapse") return std::make_unique<TsodyksMarkram>(*info, projection);
  if (type == "SimpleStochasticSynapse")
    return std::make_unique<StochasticRelease>(*info, projection);
  if (type == "StochasticTsodyksMarkramSynapse")
    return std::make_unique<QuantalRelease>(*info, projection, false);
  if (type == "MultiQuantalSynapse")
    return std::make_unique<QuantalRelease>(*info, projection, true);
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
