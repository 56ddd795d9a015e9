// SpikeSourceGamma and SpikeSourceInhGamma: gamma renewal processes.
//
// SpikeSourceGamma (NEST gamma_sup_generator with one process): intervals are
// Gamma(alpha, scale 1/beta) s, so the mean rate is beta/alpha Hz and the CV
// is 1/sqrt(alpha). The process starts in equilibrium at `start`: the first
// interval is Gamma(J, 1/beta) with J uniform in 1..alpha (the remaining
// phases of the alpha-stage Erlang cycle at a random time).
//
// SpikeSourceInhGamma (NEST inh_gamma_generator): within bin k (from
// tbins[k] until the next bin) the process has shape a[k] and scale b[k] s,
// i.e. rate 1/(a[k] b[k]) Hz. Realised by time rescaling: the operational
// time advances by dt / (1000 b) per step, and a spike occurs whenever it
// has advanced by a Gamma(a, 1) interval drawn at the previous spike (with
// the shape then in force). There are no spikes before tbins[0].
//
// Spikes are emitted at the end of the step containing them (several in one
// step: multiplicity). The n-th interval of cell g in trial r is drawn from
// the counter stream (seed, g, n, r): reproducible whatever else happens.
// Parameter changes take effect from the next interval drawn.
#ifndef SPIKESERVE_ENGINE_SPIKE_SOURCE_GAMMA_H_
#define SPIKESERVE_ENGINE_SPIKE_SOURCE_GAMMA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cell_group.h"
#include "engine/counter_rng.h"
#include "engine/spike_source_window.h"

namespace spikeserve::engine {

class SpikeSourceGamma : public CellGroup {
 public:
  SpikeSourceGamma(const CellTypeInfo& type, uint32_t size, const CellGroupContext& context);
  void Prepare(const TimeGrid& grid, uint64_t step) override;
  void Reset(uint64_t trial) override;
  void Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) override;
  const std::vector<double>* Variable(const std::string&) const override { return nullptr; }

 private:
  // Gamma(shape, scale) in ms for the `draws_[i]`-th interval of cell i.
  double Draw(uint32_t i, double shape, double scale_ms);

  const CellGroupContext context_;
  const bool inhomogeneous_;
  uint64_t trial_ = 0;
  double dt_ = 0.0;  // ms
  std::vector<StepWindow> window_;
  std::vector<uint64_t> draws_;  // intervals drawn so far
  std::vector<char> started_;
  // Homogeneous: absolute time (ms) of the next spike.
  std::vector<double> next_;
  // Inhomogeneous: operational time since the last spike and the interval
  // (both in units of b) at which the next spike occurs.
  std::vector<double> age_, target_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SPIKE_SOURCE_GAMMA_H_
