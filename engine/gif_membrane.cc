#include "engine/gif_membrane.h"

namespace spikeserve::engine {

void ExponentialSum::Prepare(const std::vector<std::vector<double>>& tau,
                             const std::vector<std::vector<double>>& a, double h) {
  std::vector<size_t> new_offset(tau.size() + 1, 0);
  for (size_t i = 0; i < tau.size(); ++i) new_offset[i + 1] = new_offset[i] + tau[i].size();
  if (new_offset != offset) {
    std::vector<double> new_value(new_offset.back(), 0.0);
    for (size_t i = 0; i + 1 < offset.size() && i < tau.size(); ++i)
      for (size_t k = 0; k < std::min(offset[i + 1] - offset[i], tau[i].size()); ++k)
        new_value[new_offset[i] + k] = value[offset[i] + k];
    offset = std::move(new_offset);
    value = std::move(new_value);
  }
  jump.resize(value.size());
  decay.resize(value.size());
  half_decay.resize(value.size());
  for (size_t i = 0; i < tau.size(); ++i)
    for (size_t k = 0; k < tau[i].size(); ++k) {
      jump[offset[i] + k] = a[i][k];
      decay[offset[i] + k] = std::exp(-h / tau[i][k]);
      half_decay[offset[i] + k] = std::exp(-0.5 * h / tau[i][k]);
    }
}

void ExponentialSum::Set(size_t i, double total) {
  double a_sum = 0.0;
  for (size_t k = offset[i]; k < offset[i + 1]; ++k) a_sum += jump[k];
  for (size_t k = offset[i]; k < offset[i + 1]; ++k)
    value[k] = a_sum != 0.0 ? total * jump[k] / a_sum : (k == offset[i] ? total : 0.0);
}

double ExponentialSum::Sum(size_t i) const {
  double s = 0.0;
  for (size_t k = offset[i]; k < offset[i + 1]; ++k) s += value[k];
  return s;
}

double ExponentialSum::Midpoint(size_t i) const {
  double s = 0.0;
  for (size_t k = offset[i]; k < offset[i + 1]; ++k) s += value[k] * half_decay[k];
  return s;
}

void GifMembrane::Resize(uint32_t n) {
  i_eta_.assign(n, 0.0);
  v_t_.assign(n, 0.0);
}

void GifMembrane::Prepare(const CellGroup& group, const TimeGrid& grid, uint32_t n) {
  LifConductanceMembrane::Prepare(group, grid, n);
  h_ = grid.dt();
  lambda0_ = group.parameter("lambda0").PerCell();
  delta_v_ = group.parameter("delta_v").PerCell();
  v_t_star_ = group.parameter("v_t_star").PerCell();
  auto seq = [&](const char* name) -> const std::vector<std::vector<double>>& {
    return group.sequences(group.ParameterIndex(name));
  };
  eta_.Prepare(seq("tau_eta"), seq("a_eta"), h_);
  gamma_.Prepare(seq("tau_gamma"), seq("a_gamma"), h_);
  for (uint32_t i = 0; i < group.size(); ++i) Sums(i);
}

void GifMembrane::Reset(const CellGroup& group) {
  // Reset may come before the first Prepare: lay the components out first.
  Prepare(group, TimeGrid(h_ > 0 ? h_ : 1.0), group.size());
  const auto& i_eta = group.initial_value(group.StateIndex("i_eta"));
  const auto& v_t = group.initial_value(group.StateIndex("v_t"));
  for (uint32_t i = 0; i < group.size(); ++i) {
    eta_.Set(i, i_eta[i]);
    gamma_.Set(i, v_t[i] - v_t_star_[i]);
    Sums(i);
  }
}

const std::vector<double>* GifMembrane::Variable(const std::string& name) const {
  if (name == "i_eta") return &i_eta_;
  if (name == "v_t") return &v_t_;
  return nullptr;
}

}  // namespace spikeserve::engine
