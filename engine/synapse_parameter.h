// A synapse model parameter that may differ between connections (U, tau_rec,
// p, ...): one value per synapse in storage order, or one value shared by all
// synapses. The shared form is the common case (a projection made with one
// value) and costs no memory per synapse; reading either form is one indexed
// load, values[k * stride] with stride 0 or 1, so the delivery loops need no
// branch on it.
#ifndef SPIKESERVE_ENGINE_SYNAPSE_PARAMETER_H_
#define SPIKESERVE_ENGINE_SYNAPSE_PARAMETER_H_

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace spikeserve::engine {

class SynapseParameter {
 public:
  explicit SynapseParameter(double value = 0.0) : values_{value} {}

  double operator[](uint64_t k) const { return values_[k * stride_]; }
  // One value (shared) or one per synapse.
  const std::vector<double>& values() const { return values_; }
  // For hot loops: value k is data()[k * stride()].
  const double* data() const { return values_.data(); }
  uint64_t stride() const { return stride_; }

  // One value for every synapse.
  void AssignShared(double value) {
    values_.assign(1, value);
    values_.shrink_to_fit();
    stride_ = 0;
  }

  // Per-synapse values in storage order; kept as one value when they are all
  // equal. An empty vector changes nothing.
  void Assign(std::vector<double> values) {
    if (values.empty()) return;
    const bool shared =
        std::all_of(values.begin(), values.end(), [&](double v) { return v == values.front(); });
    if (shared) values.resize(1);
    values.shrink_to_fit();
    values_ = std::move(values);
    stride_ = shared ? 0 : 1;
  }

  // Values of `n` synapses in storage order.
  std::vector<double> Expand(uint64_t n) const {
    if (stride_ == 1) return values_;
    return std::vector<double>(n, values_.front());
  }

  // The values of `n` synapses, one each from now on, to change in place
  // (plasticity).
  std::vector<double>& PerSynapse(uint64_t n) {
    if (stride_ == 0) {
      values_.assign(n, values_.front());
      stride_ = 1;
    }
    return values_;
  }

  // Follows a reorder of the projection's synapses (new -> old index).
  void Reorder(const std::vector<uint64_t>& perm) {
    if (stride_ == 0) return;
    std::vector<double> out(perm.size());
    for (size_t k = 0; k < perm.size(); ++k) out[k] = values_[perm[k]];
    values_ = std::move(out);
  }

  uint64_t MemoryBytes() const { return values_.capacity() * sizeof(double); }

 private:
  std::vector<double> values_;
  uint64_t stride_ = 0;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SYNAPSE_PARAMETER_H_
