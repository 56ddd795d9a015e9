// SpikeSourcePoissonRefractory: a Poisson process with dead time tau_refrac
// (NEST ppd_sup_generator with one process), on the step grid. After a spike
// in step s no spike occurs before step s + d, d = max(round(tau_refrac/dt), 1);
// from then on each step fires with probability p, at most once. p is chosen
// so that the mean interval (d - 1 + 1/p) dt is exactly 1000/rate ms:
//   1/p = 1000 / (rate dt) - d + 1,
// so the rate is exact on the grid (rates above 1/(d dt) saturate at it).
// Draws come from the counter stream (seed, gid, step, trial).
#ifndef SPIKESERVE_ENGINE_SPIKE_SOURCE_POISSON_REFRACTORY_H_
#define SPIKESERVE_ENGINE_SPIKE_SOURCE_POISSON_REFRACTORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cell_group.h"
#include "engine/spike_source_window.h"

namespace spikeserve::engine {

class SpikeSourcePoissonRefractory : public CellGroup {
 public:
  SpikeSourcePoissonRefractory(const CellTypeInfo& type, uint32_t size,
                               const CellGroupContext& context);
  void Prepare(const TimeGrid& grid, uint64_t step) override;
  void Reset(uint64_t trial) override;
  void Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) override;
  const std::vector<double>* Variable(const std::string&) const override { return nullptr; }

 private:
  const CellGroupContext context_;
  uint64_t trial_ = 0;
  std::vector<double> p_;            // firing probability per free step
  std::vector<int64_t> dead_steps_;  // d
  std::vector<int64_t> last_spike_;  // step of the last spike; INT64_MIN/2: none
  std::vector<StepWindow> window_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SPIKE_SOURCE_POISSON_REFRACTORY_H_
