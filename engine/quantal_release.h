// MultiQuantalSynapse (NEST quantal_stp_synapse; Fuhrmann et al. 2002,
// Loebel et al. 2009) and StochasticTsodyksMarkramSynapse, its one-site case
// (PyNN's NEURON mechanism). Each synapse has n release sites, of which a are
// available (recovered). At a presynaptic spike, h after the previous one
// (the first spike: h after time 0, as NEST counts it):
//   u = U + u (1 - U) e^{-h/tau_facil}   (u = U when tau_facil = 0),
//   each of the n - a depleted sites recovers with probability 1 - e^{-h/tau_rec},
//   each available site releases (and is depleted) with probability u,
// and the PSC amplitude is weight * released / n: the weight is what all n
// sites give together, as PyNN's NEURON backend and NEST's documentation have
// it (NEST's code transmits released * weight). u (default 0, so the first
// spike has u = U) and a (default all n sites; a whole number in [0, n]) are
// MultiQuantalSynapse's state variables, set with InitializeSynapses (PyNN's
// Projection.initialize(u=..., a=...)). The mean follows TsodyksMarkramSynapse
// with an instantaneous PSC. Draws come from the counter stream (seed,
// projection, storage index, step, trial). U, n, tau_rec and tau_facil are
// per connection.
#ifndef SPIKESERVE_ENGINE_QUANTAL_RELEASE_H_
#define SPIKESERVE_ENGINE_QUANTAL_RELEASE_H_

#include <cstdint>
#include <vector>

#include "engine/counter_rng.h"
#include "engine/synapse_dynamics.h"

namespace spikeserve::engine {

class QuantalRelease : public SynapseDynamics {
 public:
  // `sites`: whether n is a parameter (MultiQuantalSynapse) or 1.
  QuantalRelease(const SynapseTypeInfo& type, Projection& projection, bool sites);

  absl::Status Check(const std::string& prefix) const override;
  absl::Status CheckInitial(const std::string& prefix) const override;
  void Prepare(const SynapseRunContext& context) override;
  void Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) override;

 private:
  void ResetTime() override;
  // Synapse k's spike h ms after its previous one: sites released.
  uint32_t Spike(uint64_t k, double h, CounterRng& rng);

  std::vector<double>& u_;          // release probability after the last spike
  std::vector<double>& available_;  // sites, a whole number; above n: all n
  const SynapseParameter& use_;    // U
  const SynapseParameter& tau_rec_;
  const SynapseParameter& tau_facil_;
  const SynapseParameter one_site_{1.0};
  const SynapseParameter& n_;         // the "n" parameter, or one_site_
  std::vector<uint64_t> last_spike_;  // step of the row's last spike; 0 before
  double dt_ = 0.1;                   // ms
  uint64_t seed_ = 0, stream_key_ = 0;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_QUANTAL_RELEASE_H_
