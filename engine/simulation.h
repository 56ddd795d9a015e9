// The engine's public face: one Simulation is one PyNN "setup() ... end()".
//
// Everything a session does goes through this class, and every input is
// validated here, so that the server can be a thin translation layer and a C++
// program can embed the engine without any server. Calls are not thread-safe:
// the owner serialises them (the server holds one lock per session); Run may
// use worker threads internally.
//
// Units everywhere are PyNN's: ms, mV, nA, µS, nF, Hz.
#ifndef SPIKESERVE_ENGINE_SIMULATION_H_
#define SPIKESERVE_ENGINE_SIMULATION_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalogue.h"
#include "engine/parameter_value.h"
#include "engine/space.h"
#include "engine/spill_store.h"

namespace spikeserve::engine {

using PopulationId = uint32_t;
using ProjectionId = uint32_t;
using CurrentSourceId = uint32_t;

// Caps that protect the host; exceeding one is RESOURCE_EXHAUSTED, and the
// network is left as it was before the call.
struct Limits {
  uint64_t max_neurons = 10'000'000;
  uint64_t max_synapses = 2'000'000'000;
  double max_biological_time_ms = 1e9;  // per session, summed over runs
  // Recorded data held, in memory or spilled (8 bytes per sample value, 12
  // per spike); checked every min_delay epoch, a run that crosses it stops
  // there with RESOURCE_EXHAUSTED and the data kept.
  uint64_t max_recorded_bytes = 8ull << 30;
  int max_threads = 64;  // per session
};

// PyNN's setup(). Times in ms.
struct SimulationConfig {
  double timestep_ms = 0.1;
  // <= every synaptic delay; spikes are exchanged every min_delay. 0: auto,
  // the smallest delay present (one time step while there is none).
  double min_delay_ms = 0.1;
  // >= every synaptic delay; sizes the ring buffers. 0: auto, the ring
  // buffers grow when a longer delay is added.
  double max_delay_ms = 10.0;
  uint64_t seed = 0;  // 0: a seed is drawn from the OS and reported by seed()
  int threads = 1;
  Limits limits;
};

// A population, or cells of it (a PopulationView), as index positions within
// the population. Empty `indices` with `all = true` selects every cell.
struct Selector {
  PopulationId population = 0;
  bool all = true;
  std::vector<uint32_t> indices;  // sorted, unique, each < population size
};

// An ordered set of cells, as PyNN's Population, PopulationView or Assembly:
// the concatenation of its parts. Projection indices are positions in it.
struct CellSet {
  std::vector<Selector> parts;
};

// A Population's spatial structure (PyNN's pyNN.space). Positions are in µm.
struct StructureSpec {
  // "" (no structure: Line), "Line", "Grid2D", "Grid3D", "RandomStructure"
  std::string name;
  // PyNN's parameter names, e.g. dx, x0, aspect_ratio; RandomStructure:
  // origin_x, origin_y, origin_z and the boundary's (width, height, depth or
  // radius).
  std::map<std::string, double> params;
  std::string boundary;  // RandomStructure: "Cuboid" or "Sphere"
  uint64_t seed = 0;     // RandomStructure: 0 derives one from the session seed
};

struct PopulationSpec {
  int64_t size = 0;
  std::string cell_type;  // PyNN's class name, e.g. "IF_cond_exp"
  ParameterMap parameters;
  ParameterMap initial_values;
  StructureSpec structure;
  std::string label;  // "" -> "population<id>"
};

struct PopulationInfo {
  PopulationId id = 0;
  uint64_t first_id = 0;  // global PyNN id of cell 0; cell i has first_id + i
  uint64_t size = 0;
  std::string label;
  std::string cell_type;
};

// A connector, by PyNN's class name ("FixedProbabilityConnector", ...), with
// its numeric arguments by PyNN's names (p_connect, n, allow_self_connections
// as 0/1, with_replacement as 0/1) and, for FromListConnector, the rows.
struct ConnectorSpec {
  std::string name;
  std::map<std::string, double> params;
  // FromListConnector: each row is (pre, post, values of column_names...);
  // columns name parameters of the projection's synapse type.
  std::vector<std::string> column_names;
  std::vector<std::vector<double>> rows;
  uint64_t seed = 0;  // 0: derive from the session seed and the projection id
  // DistanceDependentProbabilityConnector: the probability as a function of
  // the distance d (µm), e.g. "exp(-d/100)" (engine/expression.h).
  std::string distance_expression;
  // CloneConnector: the projection whose connected pairs are copied.
  ProjectionId reference_projection = 0;
  // ArrayConnector: n_pre * n_post flags, row-major by pre; non-zero connects.
  std::string matrix;
};

struct SynapseSpec {
  std::string type = "StaticSynapse";
  // STDPMechanism only: the component class names, e.g. "SpikePairRule" and
  // "AdditiveWeightDependence"; their parameters sit in `parameters` too.
  std::string timing_dependence;
  std::string weight_dependence;
  ParameterMap parameters;  // weight (nA or µS), delay (ms), model parameters
};

struct ProjectionSpec {
  CellSet pre;
  CellSet post;
  ConnectorSpec connector;
  // How distances are measured, for distance-dependent connectors and
  // synapse values given as distance expressions.
  SpaceSpec space;
  SynapseSpec synapse;
  std::string receptor_type = "excitatory";
  std::string label;
};

struct ProjectionInfo {
  ProjectionId id = 0;
  uint64_t num_connections = 0;
  std::string label;
  uint32_t pre_size = 0;  // cells in the pre and post cell sets
  uint32_t post_size = 0;
};

// Connections of a projection, indices relative to its pre/post CellSets,
// in the projection's canonical order: by pre index, then post index, and
// connections between the same pair (multapses) in the order they were made
// (FromListConnector: the order of the list). A connection keeps its place
// for the life of the projection, whatever is set (delays included); array
// values of SetSynapseParameters and InitializeSynapses follow this order,
// and random values are drawn per canonical position.
struct ConnectionTable {
  std::vector<uint32_t> pre;
  std::vector<uint32_t> post;
  // "weight", "delay" and model parameters ("U", "tau_rec", "p", ...), the
  // real per-connection values.
  std::map<std::string, std::vector<double>> values;
};

struct CurrentSourceSpec {
  std::string type;  // "DCSource", ...
  ParameterMap parameters;
};

// Recorded data of one population in one segment.
struct SignalData {
  std::string variable;  // "v", "gsyn_exc", ...
  std::string units;     // "mV", "uS", ...
  double sampling_period_ms = 0.0;
  double t_start_ms = 0.0;
  std::vector<uint32_t> channels;  // population indices, ascending
  // Samples are rows [sample][channel]; sample k is at t_start + k *
  // sampling_period. The first spilled.rows rows sit in a store when the
  // session's memory budget made the recorder move them out
  // (Simulation::SetSpillStore); `samples` holds the rows after them,
  // row-major. Read through Rows(), which sees both alike.
  SpilledPrefix spilled;
  std::vector<double> samples;
  uint64_t num_samples() const {
    return channels.empty() ? 0 : spilled.rows + samples.size() / channels.size();
  }
  // Rows [begin, end), row-major: a pointer into `samples` when they are all
  // in memory, else into `scratch`, filled from the spill store. Errors are
  // the store's (a spill file that cannot be read).
  absl::StatusOr<const double*> Rows(uint64_t begin, uint64_t end,
                                     std::vector<double>* scratch) const;
};

// Spikes [begin, end) of a SpikeData, as parallel arrays.
struct SpikeSpan {
  const uint32_t* index = nullptr;
  const double* time_ms = nullptr;
};

struct SpikeData {
  std::vector<uint32_t> recorded;  // population indices whose spikes are recorded, ascending
  // Spikes sorted by time (ties by index). The first spilled.rows sit in a
  // store (as SignalData's rows do) as rows of two values, the index (exact
  // as a double) and the time; `index` and `time_ms` hold the ones after
  // them. Read through Spikes(), which sees both alike.
  SpilledPrefix spilled;
  std::vector<uint32_t> index;
  std::vector<double> time_ms;
  uint64_t count() const { return spilled.rows + index.size(); }
  // Spikes [begin, end): pointers into `index` and `time_ms` when they are
  // all in memory, else into the scratch vectors, filled from the store.
  struct Scratch {
    std::vector<double> rows;
    std::vector<uint32_t> index;
    std::vector<double> time_ms;
  };
  absl::StatusOr<SpikeSpan> Spikes(uint64_t begin, uint64_t end, Scratch* scratch) const;
};

struct PopulationRecording {
  PopulationId population = 0;
  bool spikes_recorded = false;
  SpikeData spikes;
  std::vector<SignalData> signals;  // in the order variables were first recorded
};

// Recorded current of one current source in one segment: `current` has
// variable "i", units "nA", channels {0} and a sample per time step, sample k
// being the amplitude the source applies during step k (from t_start + k dt);
// the last sample is what it would apply next.
struct CurrentSourceRecording {
  CurrentSourceId source = 0;
  SignalData current;
};

struct Segment {
  uint32_t index = 0;  // 0, 1, ... ; name "segment%03d"
  double t_start_ms = 0.0;
  double t_stop_ms = 0.0;                          // current time for the open segment
  bool closed = false;                             // true once a reset ended it
  std::map<std::string, std::string> annotations;  // from reset(annotations=...)
  std::vector<PopulationRecording> populations;
  std::vector<CurrentSourceRecording> current_sources;  // by source id
};

// What Run tells its caller while it goes on, and how the caller stops it.
struct RunControl {
  // Called at epoch boundaries at least every `report_every_ms` of biological
  // time with the current time; returning false stops the run there. It may
  // read segments(): during a run the open segment's recordings only grow
  // (rows of samples, spikes in time order), so what was recorded since an
  // earlier call is the tail past the sizes seen then. Segment::t_stop_ms
  // and exact spike times past the end are settled when Run returns.
  std::function<bool(double t_ms)> keep_going;
  double report_every_ms = 100.0;
};

struct RunResult {
  double t_ms = 0.0;          // time reached
  uint64_t steps = 0;         // steps taken in this call
  bool stopped = false;       // keep_going returned false before the target
  double requested_ms = 0.0;  // target after rounding to the time grid
};

class Simulation {
 public:
  static absl::StatusOr<std::unique_ptr<Simulation>> Create(const SimulationConfig& config);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  const SimulationConfig& config() const;
  uint64_t seed() const;
  double time_ms() const;
  uint64_t num_neurons() const;
  uint64_t num_synapses() const;
  // Effective min_delay and max_delay (ms); with "auto" (0 in the config) the
  // smallest and largest delay present, one time step while there is none.
  // config() shows the same values.
  double min_delay_ms() const;
  double max_delay_ms() const;

  // Bytes held by the session's largest kinds of structure: allocated
  // capacity (not RSS) of the network's two largest, and the recorded data
  // at 8 bytes per sample value and 12 per spike. What bench/ weighs against
  // the targets per synapse and per neuron, and what DescribeSession reports.
  struct MemoryFootprint {
    uint64_t synapses = 0;           // projections' connections, delays, weights, synapse state
    uint64_t ring_buffers = 0;       // input in flight, per cell, receptor and arrival step
    uint64_t recording = 0;          // recorded data in memory
    uint64_t spilled_recording = 0;  // recorded data moved to the spill store
  };
  MemoryFootprint memory_footprint() const;

  // The thread that updates each population (by id) in the last run, when
  // threads own whole populations; empty when one thread runs or populations
  // are cut between threads. It follows the measured load during a run;
  // results do not depend on it.
  std::vector<int> PopulationThreads() const;

  // --- network ---
  absl::StatusOr<PopulationInfo> AddPopulation(const PopulationSpec& spec);
  absl::StatusOr<PopulationInfo> DescribePopulation(PopulationId id) const;
  std::vector<PopulationInfo> Populations() const;
  // Positions (µm) of the selected cells, one {x, y, z} per cell.
  absl::StatusOr<std::vector<std::array<double, 3>>> Positions(const Selector& cells) const;
  // PyNN's `population.positions = ...`: one {x, y, z} (µm) per selected cell.
  absl::Status SetPositions(const Selector& cells,
                            const std::vector<std::array<double, 3>>& positions);

  absl::Status SetParameters(const Selector& cells, const ParameterMap& values);
  // One value per selected cell (numbers) or one sequence per cell (spike_times).
  absl::StatusOr<ParameterValue> GetParameter(const Selector& cells, const std::string& name) const;
  // Sets initial values of state variables (used at the next reset and, before
  // the first run, immediately).
  absl::Status Initialize(const Selector& cells, const ParameterMap& values);
  absl::StatusOr<ParameterValue> GetInitialValue(const Selector& cells,
                                                 const std::string& name) const;

  absl::StatusOr<ProjectionInfo> AddProjection(const ProjectionSpec& spec);
  absl::StatusOr<ProjectionInfo> DescribeProjection(ProjectionId id) const;
  std::vector<ProjectionInfo> Projections() const;
  absl::StatusOr<ConnectionTable> GetConnections(ProjectionId id,
                                                 const std::vector<std::string>& names) const;
  // Values: scalar, array of num_connections (canonical order), or random
  // distribution. weight, delay, TsodyksMarkramSynapse's U, tau_rec,
  // tau_facil and SimpleStochasticSynapse's p may differ per connection;
  // STDPMechanism's parameters take one value per projection.
  absl::Status SetSynapseParameters(ProjectionId id, const ParameterMap& values);
  // Initial values of synaptic state (TsodyksMarkramSynapse's u), applied now
  // if t == 0 and at every reset.
  absl::Status InitializeSynapses(ProjectionId id, const ParameterMap& values);

  absl::StatusOr<CurrentSourceId> AddCurrentSource(const CurrentSourceSpec& spec);
  absl::Status SetCurrentSourceParameters(CurrentSourceId id, const ParameterMap& values);
  absl::Status Inject(CurrentSourceId id, const Selector& cells);
  // Every parameter as applied: numbers as set; StepCurrentSource's times
  // rounded to the grid, several rounding onto one step collapsed into one
  // with the last of their amplitudes (as PyNN's NEST and Brian2 backends).
  absl::StatusOr<ParameterMap> CurrentSourceParameters(CurrentSourceId id) const;

  // --- recording ---
  // sampling_interval_ms 0 means the time step; it must be a multiple of it.
  absl::Status Record(const Selector& cells, const std::vector<std::string>& variables,
                      double sampling_interval_ms);
  // Empty `variables` stops everything for the selected cells.
  absl::Status StopRecording(const Selector& cells, const std::vector<std::string>& variables);
  // PyNN's get_data(clear=True): drops what the open segment holds for these
  // populations and restarts its recording at the current time.
  absl::Status ClearRecording(const std::vector<PopulationId>& populations);
  // Records the current the source injects (Segment::current_sources) from
  // now on, across runs and resets; recording it again changes nothing.
  absl::Status RecordCurrentSource(CurrentSourceId id);
  // As ClearRecording, for recorded current sources.
  absl::Status ClearCurrentSourceRecording(const std::vector<CurrentSourceId>& sources);
  // All segments, closed ones first, the open one last. Reading never consumes.
  const std::vector<Segment>& segments() const;
  // Bounded memory: once the recorded data (signals and currents at 8 bytes
  // per value, spikes at 12) holds more than `memory_budget_bytes` in
  // memory, whole blocks of rows move to `store` (the largest recordings
  // first, until half the budget is left), at the end of a min_delay epoch,
  // or at once when a signal's full buffer would otherwise grow past the
  // budget. A store that fails to take a block stops the run there with its
  // error; nothing recorded is lost. Without a store (the default)
  // everything stays in memory.
  void SetSpillStore(std::shared_ptr<SpillStore> store, uint64_t memory_budget_bytes);

  // --- time ---
  // Advances by `duration_ms` (rounded to the nearest whole number of steps).
  absl::StatusOr<RunResult> Run(double duration_ms, const RunControl& control = {});
  absl::StatusOr<RunResult> RunUntil(double t_ms, const RunControl& control = {});
  // Closes the open segment with `annotations`, sets t back to 0 and every
  // state variable to its initial value; parameters and network are kept.
  absl::Status Reset(const std::map<std::string, std::string>& annotations);

 private:
  class Impl;
  explicit Simulation(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SIMULATION_H_
