#include "engine/stdp.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/errors.h"

namespace spikeserve::engine {
namespace {

// (mu_plus, mu_minus) of the fixed weight dependences; Gutig's are parameters.
std::pair<double, double> Exponents(const std::string& weight_dependence) {
  if (weight_dependence == "MultiplicativeWeightDependence") return {1.0, 1.0};
  if (weight_dependence == "AdditivePotentiationMultiplicativeDepression") return {0.0, 1.0};
  return {0.0, 0.0};
}

// The last archived spike strictly before `step`, or `end`.
template <class It>
It LastBefore(It begin, It end, int64_t step) {
  auto it = std::lower_bound(begin, end, step, [](const auto& s, int64_t t) { return s.step < t; });
  return it == begin ? end : it - 1;
}

}  // namespace

Stdp::Stdp(const SynapseTypeInfo& type, const SynapseTypeInfo& timing,
           const SynapseTypeInfo& weight, Projection& projection)
    : SynapseDynamics(type, projection), vogels_(timing.name == "Vogels2011Rule") {
  plastic_ = true;
  for (const auto* component : {&timing, &weight})
    for (const auto& p : component->parameters) {
      names_.push_back(p.name);
      parameters_[p.name] = p.default_value;
    }
  const auto [mu_plus, mu_minus] = Exponents(weight.name);
  if (weight.name != "GutigWeightDependence") {
    mu_plus_ = mu_plus;
    mu_minus_ = mu_minus;
  }
  archive_.resize(projection.num_post());
  for (uint32_t q = 0; q < projection.num_post(); ++q) {
    const PostTarget t = projection.post_target(q);
    if (position_.size() <= t.part) position_.resize(t.part + 1);
    if (position_[t.part].size() <= t.index) position_[t.part].resize(t.index + 1, -1);
    position_[t.part][t.index] = static_cast<int32_t>(q);
  }
  KeepWeights();
}

absl::Status Stdp::Check(const std::string& prefix) const {
  auto need = [&](const char* name, bool ok, const char* rule) -> absl::Status {
    if (ok) return absl::OkStatus();
    return InvalidArgument(prefix + name, reason::kOutOfRange,
                           absl::StrCat(name, " must be ", rule, ", got ", parameters_.at(name)));
  };
  const auto& p = parameters_;
  const double f = p.at("dendritic_delay_fraction");
  absl::Status s = need("dendritic_delay_fraction", f >= 0 && f <= 1, "in [0, 1]");
  for (const char* tau : {"tau_plus", "tau_minus", "tau"})
    if (s.ok() && p.count(tau)) s = need(tau, p.at(tau) > 0, "> 0");
  for (const char* a : {"A_plus", "A_minus", "eta", "rho", "mu_plus", "mu_minus"})
    if (s.ok() && p.count(a)) s = need(a, p.at(a) >= 0, ">= 0");
  if (s.ok()) s = need("w_max", p.at("w_max") > p.at("w_min"), "> w_min");
  return s;
}

void Stdp::Prepare(const SynapseRunContext& context) {
  const auto& p = parameters_;
  dt_ = context.grid.dt();
  tau_plus_ = vogels_ ? p.at("tau") : p.at("tau_plus");
  tau_minus_ = vogels_ ? p.at("tau") : p.at("tau_minus");
  a_plus_ = vogels_ ? p.at("eta") : p.at("A_plus");
  a_minus_ = vogels_ ? p.at("eta") : p.at("A_minus");
  vogels_depression_ = vogels_ ? 2.0 * p.at("rho") * p.at("tau") * 1e-3 * p.at("eta") : 0.0;
  w_min_ = p.at("w_min");
  w_max_ = p.at("w_max");
  if (p.count("mu_plus")) {
    mu_plus_ = p.at("mu_plus");
    mu_minus_ = p.at("mu_minus");
  }
  // New delays regroup the rows: pre traces start afresh (docs/models.md).
  const uint64_t runs = projection_.num_runs();
  if (dendritic_.size() != runs) {
    dendritic_.resize(runs);
    k_plus_.assign(runs, 0.0);
    last_arrival_.assign(runs, 0);
    done_.assign(runs, 0);
    arrivals_ = {};
  }
  const double f = p.at("dendritic_delay_fraction");
  for (uint64_t r = 0; r < runs; ++r) dendritic_[r] = std::lround(f * projection_.run_delay(r));
}

void Stdp::ResetTime() {
  std::fill(k_plus_.begin(), k_plus_.end(), 0.0);
  std::fill(last_arrival_.begin(), last_arrival_.end(), 0);
  std::fill(done_.begin(), done_.end(), 0);
  for (auto& a : archive_) a.clear();
  arrivals_ = {};
}

double Stdp::Potentiated(double w, double k) const {
  if (k == 0) return w;  // no rounding of untouched weights
  if (vogels_) return std::min(w + a_plus_ * k, w_max_);
  const double range = w_max_ - w_min_;
  const double x = std::clamp((w - w_min_) / range, 0.0, 1.0);
  return w_min_ + std::min(x + a_plus_ * std::pow(1.0 - x, mu_plus_) * k, 1.0) * range;
}

double Stdp::Depressed(double w, double k) const {
  if (vogels_) return std::max(std::min(w + a_minus_ * k, w_max_) - vogels_depression_, w_min_);
  if (k == 0) return w;
  const double range = w_max_ - w_min_;
  const double x = std::clamp((w - w_min_) / range, 0.0, 1.0);
  return w_min_ + std::max(x - a_minus_ * std::pow(x, mu_minus_) * k, 0.0) * range;
}

void Stdp::Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) {
  const Projection& p = projection_;
  for (uint64_t r = p.run_begin(row); r < p.run_begin(row + 1); ++r)
    arrivals_.push({spike_step + p.run_delay(r), r, spike_step, multiplicity});
}

void Stdp::Potentiate(uint64_t r, int64_t bound) {
  if (bound <= done_[r]) return;
  const Projection& p = projection_;
  const int64_t dd = dendritic_[r];
  std::vector<double>& w = projection_.MutableWeights();
  for (uint64_t k = p.run_start(r); k < p.run_start(r + 1); ++k) {
    const auto& a = archive_[p.post()[k]];
    // Post spikes with done < p + dd <= bound.
    auto it = std::upper_bound(a.begin(), a.end(), done_[r] - dd,
                               [](int64_t t, const PostSpike& s) { return t < s.step; });
    for (; it != a.end() && it->step + dd <= bound; ++it)
      w[k] = Potentiated(
          w[k], k_plus_[r] * std::exp(-static_cast<double>(it->step + dd - last_arrival_[r]) * dt_ /
                                      tau_plus_));
  }
  done_[r] = bound;
}

void Stdp::Step(uint64_t step) {
  const Projection& p = projection_;
  std::vector<double>& w = projection_.MutableWeights();
  while (!arrivals_.empty() && arrivals_.top().soma_step == step) {
    const Arrival e = arrivals_.top();
    arrivals_.pop();
    const uint64_t r = e.run;
    const int64_t dd = dendritic_[r];
    const int64_t arrival = static_cast<int64_t>(e.spike_step) + p.run_delay(r) - dd;
    Potentiate(r, arrival);
    for (uint64_t k = p.run_start(r); k < p.run_start(r + 1); ++k) {
      const uint32_t q = p.post()[k];
      const auto& a = archive_[q];
      const auto last = LastBefore(a.begin(), a.end(), arrival - dd);
      const double k_minus =
          last == a.end() ? 0.0
                          : last->trace * std::exp(-static_cast<double>(arrival - dd - last->step) *
                                                   dt_ / tau_minus_);
      // Several spikes in one step: each is depressed and transmitted in turn.
      double transmitted = 0.0;
      for (uint32_t m = 0; m < e.multiplicity; ++m) {
        w[k] = Depressed(w[k], k_minus);
        transmitted += w[k];
      }
      p.AddInput(k, step, transmitted);
    }
    k_plus_[r] =
        k_plus_[r] * std::exp(-static_cast<double>(arrival - last_arrival_[r]) * dt_ / tau_plus_) +
        e.multiplicity;
    last_arrival_[r] = arrival;
  }
}

void Stdp::PostSpikes(uint32_t part, uint64_t spike_step, const std::vector<SpikeEvent>& spikes) {
  if (part >= position_.size()) return;
  const auto& position = position_[part];
  const int64_t t = static_cast<int64_t>(spike_step);
  for (const SpikeEvent& e : spikes) {
    if (e.index >= position.size() || position[e.index] < 0) continue;
    auto& a = archive_[position[e.index]];
    for (uint32_t m = 0; m < e.multiplicity; ++m) {
      const double before =
          a.empty() ? 0.0
                    : a.back().trace *
                          std::exp(-static_cast<double>(t - a.back().step) * dt_ / tau_minus_);
      a.push_back({t, before + 1.0});
    }
  }
}

void Stdp::Finish(uint64_t step) {
  // Pre spikes still in flight bound what may be applied: post spikes after
  // their arrival pair with them first.
  std::vector<int64_t> bound(dendritic_.size());
  for (size_t r = 0; r < bound.size(); ++r) bound[r] = static_cast<int64_t>(step) + dendritic_[r];
  auto pending = arrivals_;
  while (!pending.empty()) {
    const Arrival& e = pending.top();
    const int64_t arrival =
        static_cast<int64_t>(e.spike_step) + projection_.run_delay(e.run) - dendritic_[e.run];
    bound[e.run] = std::min(bound[e.run], arrival);
    pending.pop();
  }
  int64_t keep_from = INT64_MAX;  // oldest post spike time still needed
  for (size_t r = 0; r < bound.size(); ++r) {
    Potentiate(r, bound[r]);
    keep_from = std::min(keep_from, done_[r] - dendritic_[r]);
  }
  // Keep what windows still need, plus the spike before for the trace.
  for (auto& a : archive_) {
    auto it = LastBefore(a.begin(), a.end(), keep_from + 1);
    if (it != a.end()) a.erase(a.begin(), it);
  }
}

}  // namespace spikeserve::engine
