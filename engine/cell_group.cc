#include "engine/cell_group.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/errors.h"
#include "engine/integrate_and_fire.h"
#include "engine/lif_conductance.h"
#include "engine/lif_current.h"
#include "engine/spike_source_array.h"
#include "engine/spike_source_poisson.h"

namespace spikeserve::engine {

CellGroup::CellGroup(const CellTypeInfo& type, uint32_t size)
    : type_(type), size_(size), sequences_(type.parameters.size()) {
  for (size_t k = 0; k < type.parameters.size(); ++k) {
    const ParameterInfo& p = type.parameters[k];
    parameters_.emplace_back(p.kind == ValueKind::kSequence ? 0 : size, p.default_value);
    if (p.kind == ValueKind::kSequence) sequences_[k].resize(size);
  }
  for (const auto& s : type.state_variables) initial_values_.emplace_back(size, s.initial_value);
}

int CellGroup::ParameterIndex(const std::string& name) const {
  for (size_t k = 0; k < type_.parameters.size(); ++k)
    if (type_.parameters[k].name == name) return static_cast<int>(k);
  return -1;
}

int CellGroup::StateIndex(const std::string& name) const {
  for (size_t k = 0; k < type_.state_variables.size(); ++k)
    if (type_.state_variables[k].name == name) return static_cast<int>(k);
  return -1;
}

absl::Status CheckParameterValue(const std::string& name, double value, const std::string& field) {
  if (!std::isfinite(value))
    return InvalidArgument(field, reason::kNotFinite,
                           absl::StrCat(name, " must be finite, got ", value));
  // Time constants and capacitance divide in the propagators; the rest only
  // need to be physically meaningful.
  const bool positive =
      name == "tau_m" || name == "cm" || name == "tau_syn_E" || name == "tau_syn_I";
  const bool non_negative = name == "tau_refrac" || name == "rate" || name == "duration";
  if (positive && !(value > 0))
    return InvalidArgument(field, reason::kOutOfRange,
                           absl::StrCat(name, " must be > 0, got ", value));
  if (non_negative && !(value >= 0))
    return InvalidArgument(field, reason::kOutOfRange,
                           absl::StrCat(name, " must be >= 0, got ", value));
  return absl::OkStatus();
}

namespace {
template <class Membrane, class Kernel>
std::unique_ptr<CellGroup> Iaf(const CellTypeInfo& type, uint32_t size,
                               const CellGroupContext& context) {
  return std::make_unique<IntegrateAndFire<Membrane, Kernel>>(type, size, context);
}
}  // namespace

std::unique_ptr<CellGroup> MakeCellGroup(const CellTypeInfo& type, uint32_t size,
                                         const CellGroupContext& context) {
  const std::string& name = type.name;
  if (name == "IF_curr_exp") return Iaf<LifCurrentMembrane, ExpKernel>(type, size, context);
  if (name == "IF_curr_alpha") return Iaf<LifCurrentMembrane, AlphaKernel>(type, size, context);
  if (name == "IF_curr_delta") return Iaf<LifCurrentMembrane, DeltaKernel>(type, size, context);
  if (name == "IF_cond_exp" || name == "IF_facets_hardware1")
    return Iaf<LifConductanceMembrane, ExpKernel>(type, size, context);
  if (name == "IF_cond_alpha") return Iaf<LifConductanceMembrane, AlphaKernel>(type, size, context);
  if (type.name == "SpikeSourcePoisson")
    return std::make_unique<SpikeSourcePoisson>(type, size, context);
  if (type.name == "SpikeSourceArray") return std::make_unique<SpikeSourceArray>(type, size);
  return nullptr;
}

}  // namespace spikeserve::engine
