// Test helpers: a simulation holding cells of one type, optionally hit by a
// single input spike at a known time, with chosen variables recorded every
// step — the set-up of most single-cell model tests; and adding a population
// that must succeed.
#ifndef SPIKESERVE_ENGINE_CELL_PROBE_H_
#define SPIKESERVE_ENGINE_CELL_PROBE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/simulation.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {

// Adds `n` cells of `type`; a failure fails the test (and returns 0).
inline PopulationId Add(Simulation& sim, const std::string& type, int64_t n,
                        ParameterMap params = {}) {
  PopulationSpec spec;
  spec.size = n;
  spec.cell_type = type;
  spec.parameters = std::move(params);
  auto info = sim.AddPopulation(spec);
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? info->id : 0;
}

struct CellProbe {
  std::unique_ptr<Simulation> sim;
  PopulationId cell = 0;
};

struct CellProbeSpec {
  std::string type;
  ParameterMap parameters;
  ParameterMap initial_values;
  // Non-zero: one spike emitted at 1.0 ms with delay 1.0 ms reaches the
  // cells' excitatory receptor at t0 = 2.0 ms with this weight.
  double weight = 0.0;
  std::vector<std::string> variables = {"v", "spikes"};
  int size = 1;
  double timestep_ms = 0.1;
  uint64_t seed = 1;
};

inline CellProbe MakeCellProbe(const CellProbeSpec& spec) {
  CellProbe probe;
  SimulationConfig config;
  config.timestep_ms = spec.timestep_ms;
  config.seed = spec.seed;
  probe.sim = *Simulation::Create(config);
  PopulationSpec cells;
  cells.size = spec.size;
  cells.cell_type = spec.type;
  cells.parameters = spec.parameters;
  cells.initial_values = spec.initial_values;
  absl::StatusOr<PopulationInfo> cell = probe.sim->AddPopulation(cells);
  EXPECT_TRUE(cell.ok()) << cell.status();
  probe.cell = cell->id;
  if (spec.weight != 0.0) {
    PopulationSpec source;
    source.size = 1;
    source.cell_type = "SpikeSourceArray";
    source.parameters["spike_times"] = Sequence{{1.0}};
    const PopulationId source_id = probe.sim->AddPopulation(source)->id;
    ProjectionSpec projection;
    projection.pre.parts = {Selector{source_id}};
    projection.post.parts = {Selector{probe.cell}};
    projection.connector.name = "AllToAllConnector";
    projection.synapse.parameters = {{"weight", spec.weight}, {"delay", 1.0}};
    EXPECT_TRUE(probe.sim->AddProjection(projection).ok());
  }
  EXPECT_TRUE(probe.sim->Record(Selector{probe.cell}, spec.variables, 0).ok());
  return probe;
}

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_CELL_PROBE_H_
