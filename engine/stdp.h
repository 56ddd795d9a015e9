// STDPMechanism: pair-based spike-timing-dependent plasticity with all-to-all
// pairing through traces, as NEST's stdp_synapse (and, for Vogels2011Rule,
// vogels_sprekeler_synapse).
//
// Timing. A delay of d steps is split into a dendritic part
// dd = round(dendritic_delay_fraction d) and an axonal part da = d - dd. A pre
// spike at s reaches the synapse at A = s + da; a post spike at p reaches it
// (back-propagating) at P = p + dd. Pairs are judged on the synapse's clock:
// Δt = P - A. The update for a pre spike is made at s + d, when it reaches
// the soma, because only then are all post spikes with P <= A known for any
// fraction; its (updated) weight is what the post cell receives.
//
// Update for a pre spike at A (previous one at A_last, trace K+ then):
//   1. potentiation for every post spike with A_last < P <= A (not already
//      applied): x += A_plus F+(x) K+ e^{-(P - A_last)/tau_plus};
//   2. depression: x -= A_minus F-(x) K-(A), K-(A) = sum over P < A of
//      e^{-(A - P)/tau_minus};
//   3. K+ = K+ e^{-(A - A_last)/tau_plus} + 1.
// x = (w - w_min)/(w_max - w_min) is kept in [0, 1]; the weight dependences
// are F+ = (1 - x)^mu_plus, F- = x^mu_minus with (mu_plus, mu_minus) = (0, 0)
// additive, (1, 1) multiplicative, (0, 1) additive potentiation /
// multiplicative depression, free for Gutig. So Δw = A_plus (w_max - w_min)
// e^{-Δt/tau_plus} for one additive pair.
// Vogels2011Rule (tau, eta, rho): post spikes add eta K+ as above, a pre spike
// adds eta K-(A) and subtracts 2 rho tau / 1000 eta; w stays in [w_min, w_max].
//
// Potentiation waits for the next pre spike (as in NEST); Finish applies what
// is pending at the end of every run, so weights read after a run include
// every pair seen so far. Simultaneous P = A pairs only with earlier pre
// spikes. Post spikes are archived per post cell with the trace after each;
// the archive is trimmed at the end of each run.
#ifndef SPIKESERVE_ENGINE_STDP_H_
#define SPIKESERVE_ENGINE_STDP_H_

#include <cstdint>
#include <queue>
#include <vector>

#include "engine/synapse_dynamics.h"

namespace spikeserve::engine {

class Stdp : public SynapseDynamics {
 public:
  Stdp(const SynapseTypeInfo& type, const SynapseTypeInfo& timing, const SynapseTypeInfo& weight,
       Projection& projection);

  absl::Status Check(const std::string& prefix) const override;
  void Prepare(const SynapseRunContext& context) override;
  void Deliver(uint32_t row, uint64_t spike_step, uint32_t multiplicity) override;
  void Step(uint64_t step) override;
  void PostSpikes(uint32_t part, uint64_t spike_step,
                  const std::vector<SpikeEvent>& spikes) override;
  void Finish(uint64_t step) override;

 private:
  struct PostSpike {
    int64_t step;  // emission time p, steps
    double trace;  // K- just after it
  };
  // A pre spike of one delay run waiting to reach the soma.
  struct Arrival {
    uint64_t soma_step;
    uint64_t run;
    uint64_t spike_step;
    uint32_t multiplicity;
    bool operator>(const Arrival& o) const { return soma_step > o.soma_step; }
  };

  void ResetTime() override;
  // Potentiation of run r's synapses by post spikes with done < P <= bound.
  void Potentiate(uint64_t r, int64_t bound);
  // One x update (weights in [w_min, w_max]).
  double Potentiated(double w, double k) const;
  double Depressed(double w, double k) const;

  bool vogels_;
  // Per delay run: dendritic steps, pre trace after the last pre spike, its
  // arrival A_last and the last P whose potentiation is applied (steps).
  std::vector<int64_t> dendritic_;
  std::vector<double> k_plus_;
  std::vector<int64_t> last_arrival_, done_;
  std::vector<std::vector<PostSpike>> archive_;  // per post position
  std::vector<std::vector<int32_t>> position_;   // per ring part: cell -> post position
  std::priority_queue<Arrival, std::vector<Arrival>, std::greater<Arrival>> arrivals_;
  // Lowered at Prepare.
  double dt_ = 0.1;                            // ms
  double tau_plus_ = 20.0, tau_minus_ = 20.0;  // ms
  double a_plus_ = 0.01, a_minus_ = 0.01;      // dimensionless (Vogels: eta, nA or uS)
  double w_min_ = 0.0, w_max_ = 1.0;           // nA or uS
  double mu_plus_ = 0.0, mu_minus_ = 0.0;      // dimensionless
  double vogels_depression_ = 0.0;             // nA or uS per pre spike
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_STDP_H_
