#include "engine/cell_group.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/adex.h"
#include "engine/errors.h"
#include "engine/gif_membrane.h"
#include "engine/hh_traub.h"
#include "engine/integrate_and_fire.h"
#include "engine/izhikevich.h"
#include "engine/lif_conductance.h"
#include "engine/lif_current.h"
#include "engine/ode_neuron.h"
#include "engine/sfa_rr_membrane.h"
#include "engine/spike_source_array.h"
#include "engine/spike_source_gamma.h"
#include "engine/spike_source_poisson.h"
#include "engine/spike_source_poisson_refractory.h"

namespace spikeserve::engine {

CellGroup::CellGroup(const CellTypeInfo& type, uint32_t size)
    : type_(type), size_(size), sequences_(type.parameters.size()) {
  for (size_t k = 0; k < type.parameters.size(); ++k) {
    const ParameterInfo& p = type.parameters[k];
    parameters_.emplace_back(p.kind == ValueKind::kSequence ? 0 : size, p.default_value);
    if (p.kind == ValueKind::kSequence) sequences_[k].assign(size, p.default_sequence);
  }
  for (const auto& s : type.state_variables) initial_values_.emplace_back(size, s.initial_value);
}

bool CellGroup::ParametersUniform() const {
  for (const CellColumn& column : parameters_)
    if (!column.uniform()) return false;
  return true;
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

ValueRange RangeOfParameter(const std::string& name) {
  // Time constants and capacitance divide in the propagators; the rest only
  // need to be physically meaningful.
  for (const char* positive : {"tau_m", "cm", "tau_syn_E", "tau_syn_I", "tau_sfa", "tau_rr",
                               "tau_w", "delta_v", "g_leak", "alpha"})
    if (name == positive) return ValueRange::kPositive;
  // delta_T = 0 turns the EIF models into LIF ones with adaptation (NEST).
  for (const char* non_negative : {"tau_refrac", "delta_T", "rate", "duration", "q_sfa", "q_rr",
                                   "lambda0", "beta", "gbar_Na", "gbar_K"})
    if (name == non_negative) return ValueRange::kNonNegative;
  return ValueRange::kFinite;
}

absl::Status CheckParameterValue(const std::string& name, ValueRange range, double value,
                                 const std::string& field) {
  if (!std::isfinite(value))
    return InvalidArgument(field, reason::kNotFinite,
                           absl::StrCat(name, " must be finite, got ", value));
  if (range == ValueRange::kPositive && !(value > 0))
    return InvalidArgument(field, reason::kOutOfRange,
                           absl::StrCat(name, " must be > 0, got ", value));
  if (range == ValueRange::kNonNegative && !(value >= 0))
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

ValueRange RangeOfSequenceParameter(const std::string& name) {
  // Time constants and gamma shape/scale divide.
  for (const char* positive : {"tau_eta", "tau_gamma", "a", "b"})
    if (name == positive) return ValueRange::kPositive;
  return ValueRange::kFinite;
}

absl::Status CheckSequenceValue(const std::string& name, ValueRange range, double value,
                                const std::string& field) {
  // The message names every value: the parameter holds many.
  if (range == ValueRange::kPositive && std::isfinite(value) && !(value > 0))
    return InvalidArgument(field, reason::kOutOfRange,
                           absl::StrCat("every value of ", name, " must be > 0, got ", value));
  return CheckParameterValue(name, range, value, field);
}

std::unique_ptr<CellGroup> MakeCellGroup(const CellTypeInfo& type, uint32_t size,
                                         const CellGroupContext& context) {
  const std::string& name = type.name;
  if (name == "IF_curr_exp") return Iaf<LifCurrentMembrane, ExpKernel>(type, size, context);
  if (name == "IF_curr_alpha") return Iaf<LifCurrentMembrane, AlphaKernel>(type, size, context);
  if (name == "IF_curr_delta") return Iaf<LifCurrentMembrane, DeltaKernel>(type, size, context);
  if (name == "IF_cond_exp" || name == "IF_facets_hardware1")
    return Iaf<LifConductanceMembrane, ExpKernel>(type, size, context);
  if (name == "IF_cond_alpha") return Iaf<LifConductanceMembrane, AlphaKernel>(type, size, context);
  if (name == "IF_cond_exp_gsfa_grr") return Iaf<SfaRrMembrane, ExpKernel>(type, size, context);
  if (name == "GIF_cond_exp") return Iaf<GifMembrane, ExpKernel>(type, size, context);
  if (name == "EIF_cond_exp_isfa_ista")
    return std::make_unique<OdeNeuron<Adex<ExpKernel>>>(type, size);
  if (name == "EIF_cond_alpha_isfa_ista")
    return std::make_unique<OdeNeuron<Adex<AlphaKernel>>>(type, size);
  if (name == "Izhikevich") return std::make_unique<OdeNeuron<Izhikevich>>(type, size);
  if (name == "HH_cond_exp") return std::make_unique<OdeNeuron<HhTraub>>(type, size);
  if (type.name == "SpikeSourcePoisson")
    return std::make_unique<SpikeSourcePoisson>(type, size, context);
  if (name == "SpikeSourcePoissonRefractory")
    return std::make_unique<SpikeSourcePoissonRefractory>(type, size, context);
  if (name == "SpikeSourceGamma" || name == "SpikeSourceInhGamma")
    return std::make_unique<SpikeSourceGamma>(type, size, context);
  if (type.name == "SpikeSourceArray") return std::make_unique<SpikeSourceArray>(type, size);
  return nullptr;
}

}  // namespace spikeserve::engine
