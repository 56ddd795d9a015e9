// TsodyksMarkramSynapse: short-term depression and facilitation as NEST's
// tsodyks_synapse (Tsodyks, Uziel & Markram 2000). Resources are recovered
// (x), active (y) or inactive (z = 1 - x - y); between spikes, exactly,
//   y' = -y / tau_psc,  z' = y / tau_psc - z / tau_rec,  x' = z / tau_rec,
//   u' = -u / tau_facil (u is reset to 0 between spikes when tau_facil = 0),
// and at a presynaptic spike u += U (1 - u), then a fraction u x of the
// recovered resources becomes active: the PSC amplitude is weight u x. tau_psc
// is the post cell's synaptic time constant on the receptor (0 for cells
// without one: active resources are inactive at once). The time of the last
// spike starts at 0, as in NEST, and is the same for a whole row. U, tau_rec
// and tau_facil are per connection.
#ifndef SPIKESERVE_ENGINE_TSODYKS_MARKRAM_H_
#define SPIKESERVE_ENGINE_TSODYKS_MARKRAM_H_

#include <cstdint>
#include <vector>

#include "engine/synapse_dynamics.h"

namespace spikeserve::engine {

class TsodyksMarkram : public SynapseDynamics {
 public:
  TsodyksMarkram(const SynapseTypeInfo& type, Projection& projection);

  absl::Status Check(const std::string& prefix) const override;
  absl::Status CheckInitial(const std::string& prefix) const override;
  void Prepare(const SynapseRunContext& context) override;
  void Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) override;

 private:
  void ResetTime() override;
  // Advances synapse k by h ms to a spike and returns its u x.
  double Spike(uint64_t k, double h, double tau_psc);

  std::vector<double>& u_;             // dimensionless
  std::vector<double>& x_;             // dimensionless
  std::vector<double>& y_;             // dimensionless
  const SynapseParameter& use_;        // U, dimensionless
  const SynapseParameter& tau_rec_;    // ms
  const SynapseParameter& tau_facil_;  // ms
  std::vector<uint64_t> last_spike_;   // step of the row's last spike
  // Lowered at Prepare.
  double dt_ = 0.1;              // ms
  std::vector<double> tau_psc_;  // ms per post position
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_TSODYKS_MARKRAM_H_
