#include "engine/simulation.h"

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/cell_group.h"
#include "engine/cell_sequence.h"
#include "engine/connectors.h"
#include "engine/counter_rng.h"
#include "engine/current_source.h"
#include "engine/errors.h"
#include "engine/expression.h"
#include "engine/gap_junction.h"
#include "engine/population_owners.h"
#include "engine/projection.h"
#include "engine/recorder.h"
#include "engine/row_of_cell.h"
#include "engine/structure.h"
#include "engine/synapse_dynamics.h"
#include "engine/time_grid.h"
#include "engine/value_resolution.h"
#include "engine/vector_clones.h"
#include "engine/worker_pool.h"

namespace spikeserve::engine {
namespace {

template <class Info>
std::string Names(const std::vector<Info>& items) {
  std::vector<std::string> names;
  for (const auto& i : items) names.push_back(i.name);
  return absl::StrJoin(names, ", ");
}

// Delays are stored in 16 bits (projection.h).
constexpr int64_t kMaxDelaySteps = 65535;

// steps[k] = grid.Steps(delay[k]) for every k, and whether every delay is
// at least one step (TimeGrid::BelowOneStep) and its steps within [min, max].
// One pass without branches: a microcircuit build converts 300 M delays.
SPIKESERVE_VECTOR_CLONES bool DelayStepsWithin(const TimeGrid& grid, const double* delay, size_t n,
                                               int64_t min, int64_t max, uint16_t* steps) {
  int within = 1;
  for (size_t k = 0; k < n; ++k) {
    const int64_t s = grid.Steps(delay[k]);
    within &= !grid.BelowOneStep(delay[k]) & (s >= min) & (s <= max);
    steps[k] = static_cast<uint16_t>(s);
  }
  return within;
}

// Receptor channels of the LIF cell groups: the index into their ring buffer.
int ReceptorIndex(const CellTypeInfo& type, const std::string& name) {
  for (size_t k = 0; k < type.receptor_types.size(); ++k)
    if (type.receptor_types[k] == name) return static_cast<int>(k);
  return -1;
}

}  // namespace

class Simulation::Impl {
 public:
  // `requested` as given, `resolved` with the effective values.
  Impl(const SimulationConfig& requested, const SimulationConfig& resolved, int64_t min_delay_steps,
       int64_t max_delay_steps)
      : config_(resolved),
        grid_(resolved.timestep_ms),
        seed_(resolved.seed),
        auto_min_delay_(requested.min_delay_ms == 0),
        auto_max_delay_(requested.max_delay_ms == 0),
        min_delay_steps_(min_delay_steps),
        max_delay_steps_(max_delay_steps),
        recorder_(grid_),
        pool_(resolved.threads) {}

  // A population and what hangs off it: the unit a shard will own.
  struct Population {
    PopulationInfo info;
    std::unique_ptr<CellGroup> cells;
    // Positions (µm): generated from the structure whenever they are needed,
    // unless the user set some, which makes them all stored (24 bytes per
    // cell that a network without space never reads).
    StructureSpec structure;
    uint64_t structure_seed = 0;
    std::vector<std::array<double, 3>> set_positions;
    std::vector<double> injected;  // nA per cell, this step; empty: no electrode
    // Gap junctions (gap_junction.h), per cell: total conductance (uS), the
    // partners' drive sum g v^ (uS mV) this step, v^ (mV) and v at the
    // previous step's start (mV) once a run has had one; all empty without
    // junctions.
    std::vector<double> gap_g, gap_ge, v_hat, v_previous;
    // Outgoing projections with the CSR row of each cell (-1: not a pre cell).
    std::vector<std::pair<ProjectionId, RowOfCell>> outgoing;
    // Incoming projections that learn from this population's spikes, with
    // the ring part this population is in them.
    std::vector<std::pair<ProjectionId, uint32_t>> plastic_incoming;
  };

  struct ProjectionRecord {
    std::unique_ptr<Projection> synapses;
    std::unique_ptr<SynapseDynamics> dynamics;   // nullptr: StaticSynapse, ElectricalSynapse
    std::unique_ptr<GapJunctions> gap;           // ElectricalSynapse only
    std::vector<PopulationId> post_populations;  // by ring part
    uint32_t n_pre = 0, n_post = 0;
    bool conductance_target = false;
    // For synapse values given as functions of distance, measured with the
    // positions the cells have when the values are set (as PyNN does).
    Space space;
    CellSequence pre_cells, post_cells;
  };

  // A spike waiting for the end of the epoch to be delivered.
  struct PendingSpike {
    PopulationId population;
    uint32_t index;
    uint32_t multiplicity;
    uint64_t spike_step;
  };

  SimulationConfig config_;
  TimeGrid grid_;
  uint64_t seed_;
  // Auto delays: min_delay is the smallest delay present (one step without
  // synapses) and max_delay the longest delay present.
  const bool auto_min_delay_, auto_max_delay_;
  int64_t min_delay_steps_;
  const int64_t max_delay_steps_;  // as configured: only bounds the delays allowed
  uint64_t step_ = 0;
  uint64_t trial_ = 0;  // number of resets that moved time back
  double biological_ms_ = 0.0;
  uint64_t num_neurons_ = 0, num_synapses_ = 0;
  std::vector<Population> populations_;
  std::vector<ProjectionRecord> projections_;
  std::vector<CurrentSource> sources_;
  Recorder recorder_;
  WorkerPool pool_;
  // Bumped by every population or projection made, which CurrentSplit()
  // depends on.
  uint64_t network_version_ = 0;
  // Per population id during a run: its v^ and gap drive columns (nullptr
  // where there are no gap junctions).
  std::vector<const double*> gap_v_hat_;
  std::vector<double*> gap_ge_;

  absl::StatusOr<Population*> Find(PopulationId id, const std::string& field) {
    if (id >= populations_.size())
      return NotFound(
          field, reason::kUnknownPopulation,
          absl::StrCat("no population with id ", id, " (", populations_.size(), " exist)"));
    return &populations_[id];
  }

  absl::Status FindSource(CurrentSourceId id, const std::string& field) const {
    if (id < sources_.size()) return absl::OkStatus();
    return NotFound(
        field, reason::kUnknownCurrentSource,
        absl::StrCat("no current source with id ", id, " (", sources_.size(), " exist)"));
  }

  absl::StatusOr<std::vector<uint32_t>> Cells(const Selector& sel, const std::string& prefix) {
    auto pop = Find(sel.population, prefix.empty() ? "population" : prefix + ".population");
    if (!pop.ok()) return pop.status();
    const uint32_t n = static_cast<uint32_t>((*pop)->info.size);
    std::vector<uint32_t> cells;
    if (sel.all && sel.indices.empty()) {
      cells.resize(n);
      for (uint32_t i = 0; i < n; ++i) cells[i] = i;
      return cells;
    }
    for (size_t k = 0; k < sel.indices.size(); ++k) {
      const std::string field =
          absl::StrCat(prefix.empty() ? "" : prefix + ".", "indices[", k, "]");
      if (sel.indices[k] >= n)
        return InvalidArgument(
            field, reason::kIndexOutOfRange,
            absl::StrCat("index ", sel.indices[k], " is out of range for population ",
                         sel.population, " of size ", n));
      if (k > 0 && sel.indices[k] <= sel.indices[k - 1])
        return InvalidArgument(field, reason::kNotSorted, "indices must be sorted and unique");
    }
    return sel.indices;
  }

  // Validates and applies cell parameters; nothing changes on error.
  absl::Status ApplyParameters(Population& pop, const std::vector<uint32_t>& cells,
                               const ParameterMap& values, const std::string& prefix) {
    CellGroup& group = *pop.cells;
    std::vector<std::pair<int, std::vector<double>>> numbers;
    std::vector<std::pair<int, std::vector<std::vector<double>>>> sequences;
    std::vector<uint64_t> gids(cells.size());
    for (size_t k = 0; k < cells.size(); ++k) gids[k] = pop.info.first_id + cells[k];
    for (const auto& [name, value] : values) {
      const std::string field = absl::StrCat(prefix, name);
      const int idx = group.ParameterIndex(name);
      if (idx < 0)
        return InvalidArgument(field, reason::kUnknownParameter,
                               absl::StrCat(group.type().name, " has no parameter '", name,
                                            "'; parameters: ", Names(group.type().parameters)));
      if (group.type().parameters[idx].kind == ValueKind::kSequence) {
        std::vector<std::vector<double>> seqs;
        if (const auto* s = std::get_if<Sequence>(&value)) {
          seqs.assign(cells.size(), s->values);
        } else if (const auto* l = std::get_if<SequenceList>(&value)) {
          if (l->values.size() != cells.size())
            return InvalidArgument(
                field, reason::kWrongLength,
                absl::StrCat("expected ", cells.size(), " values, got ", l->values.size()));
          seqs = l->values;
        } else {
          return InvalidArgument(field, reason::kWrongType,
                                 absl::StrCat(name, " takes a Sequence or one Sequence per cell"));
        }
        const ParameterInfo& info = group.type().parameters[idx];
        const ValueRange range = RangeOfSequenceParameter(name);
        for (size_t c = 0; c < seqs.size(); ++c)
          for (size_t k = 0; k < seqs[c].size(); ++k) {
            if (auto s = CheckSequenceValue(name, range, seqs[c][k], field); !s.ok()) return s;
            if (info.sorted && k > 0 && seqs[c][k] < seqs[c][k - 1])
              return InvalidArgument(field, reason::kNotSorted,
                                     absl::StrCat(name, " of cell ", cells[c], " must be sorted"));
          }
        sequences.emplace_back(idx, std::move(seqs));
        continue;
      }
      if (group.type().parameters[idx].kind == ValueKind::kInteger &&
          std::holds_alternative<RandomSpec>(value))
        return InvalidArgument(field, reason::kWrongType,
                               absl::StrCat(name, " takes whole numbers, not a distribution"));
      auto resolved =
          ResolveNumbers(value, field, gids, {seed_, RngPurpose::kCellParameter, Fnv1a(name), 0});
      if (!resolved.ok()) return resolved.status();
      const ValueRange range = RangeOfParameter(name);
      for (double v : *resolved) {
        auto s = CheckParameterValue(name, range, v, field);
        if (!s.ok()) return s;
        if (group.type().parameters[idx].kind == ValueKind::kInteger && v != std::floor(v))
          return InvalidArgument(field, reason::kOutOfRange,
                                 absl::StrCat(name, " must be a whole number, got ", v));
      }
      numbers.emplace_back(idx, std::move(*resolved));
    }
    // Paired sequences (tau_eta and a_eta, ...) must agree in length once the
    // new values are in place, so both may change together.
    auto staged = [&](int idx, size_t k) -> const std::vector<double>& {
      for (const auto& [j, s] : sequences)
        if (j == idx) return s[k];
      return group.sequences(idx)[cells[k]];
    };
    for (const auto& [idx, s] : sequences) {
      const ParameterInfo& info = group.type().parameters[idx];
      if (info.same_length_as.empty()) continue;
      const int other = group.ParameterIndex(info.same_length_as);
      for (size_t k = 0; k < cells.size(); ++k) {
        const size_t n = staged(idx, k).size(), m = staged(other, k).size();
        if (n == 0 || n != m)
          return InvalidArgument(prefix + info.name, reason::kWrongLength,
                                 absl::StrCat(info.name, " of cell ", cells[k], " has ", n,
                                              " values; it needs at "
                                              "least one and as many as ",
                                              info.same_length_as, " (", m, ")"));
      }
    }
    for (auto& [idx, v] : numbers) group.parameter(idx).Assign(cells, v);
    for (auto& [idx, s] : sequences)
      for (size_t k = 0; k < cells.size(); ++k) group.sequences(idx)[cells[k]] = std::move(s[k]);
    return absl::OkStatus();
  }

  absl::Status ApplyInitialValues(Population& pop, const std::vector<uint32_t>& cells,
                                  const ParameterMap& values, const std::string& prefix) {
    CellGroup& group = *pop.cells;
    std::vector<uint64_t> gids(cells.size());
    for (size_t k = 0; k < cells.size(); ++k) gids[k] = pop.info.first_id + cells[k];
    std::vector<std::pair<int, std::vector<double>>> staged;
    for (const auto& [name, value] : values) {
      const std::string field = absl::StrCat(prefix, name);
      const int idx = group.StateIndex(name);
      if (idx < 0)
        return InvalidArgument(
            field, reason::kUnknownVariable,
            absl::StrCat(group.type().name, " has no state variable '", name, "'; variables: ",
                         group.type().state_variables.empty()
                             ? "(none)"
                             : Names(group.type().state_variables)));
      auto resolved =
          ResolveNumbers(value, field, gids, {seed_, RngPurpose::kCellParameter, Fnv1a(name), 1});
      if (!resolved.ok()) return resolved.status();
      staged.emplace_back(idx, std::move(*resolved));
    }
    for (auto& [idx, v] : staged) group.initial_value(idx).Assign(cells, v);
    // Before the first step the state *is* the initial value.
    if (step_ == 0 && !staged.empty()) group.Reset(trial_);
    return absl::OkStatus();
  }

  // Positions of a CellSet as (population, index) and global ids.
  absl::Status ResolveCellSet(const CellSet& set, const std::string& prefix,
                              std::vector<std::pair<PopulationId, uint32_t>>* cells,
                              std::vector<uint64_t>* gids) {
    std::unordered_set<uint64_t> seen;
    for (size_t p = 0; p < set.parts.size(); ++p) {
      auto idx = Cells(set.parts[p], absl::StrCat(prefix, ".parts[", p, "]"));
      if (!idx.ok()) return idx.status();
      const uint64_t first = populations_[set.parts[p].population].info.first_id;
      for (uint32_t i : *idx) {
        if (!seen.insert(first + i).second)
          return InvalidArgument(
              absl::StrCat(prefix, ".parts[", p, "]"), reason::kConflict,
              absl::StrCat("cell ", first + i, " appears twice in the cell set"));
        cells->emplace_back(set.parts[p].population, i);
        gids->push_back(first + i);
      }
    }
    return absl::OkStatus();
  }

  std::vector<Position> PositionsOf(const CellSequence& cells) const {
    std::vector<Position> out;
    out.reserve(cells.size());
    std::map<PopulationId, std::vector<Position>> of_population;
    for (const CellSequence::Run& run : cells.runs()) {
      auto [it, added] = of_population.try_emplace(run.population);
      if (added) it->second = PositionsOf(run.population);
      out.insert(out.end(), it->second.begin() + run.begin,
                 it->second.begin() + run.begin + run.count);
    }
    return out;
  }

  // Every cell's position in population `id`.
  std::vector<Position> PositionsOf(PopulationId id) const {
    const Population& pop = populations_[id];
    if (!pop.set_positions.empty()) return pop.set_positions;
    // Checked when the population was made.
    return *GeneratePositions(pop.structure, pop.info.size, pop.structure_seed);
  }

  // `n` values in storage order from a value given in canonical order
  // (`order`: canonical position -> storage index; empty when storage order
  // is canonical); random draws are keyed by canonical position, so a
  // connection's value does not depend on how its row is stored.
  absl::StatusOr<std::vector<double>> SynapseValues(const std::string& name,
                                                    const ParameterValue& value,
                                                    const ProjectionRecord& rec,
                                                    const std::vector<uint64_t>& order, size_t n,
                                                    const std::string& field) {
    if (const auto* text = std::get_if<DistanceExpression>(&value))
      return DistanceValues(text->expression, rec, n, field);
    auto v = ResolveNumbers(value, field, n, SynapseKeys(name, rec), &pool_);
    if (!v.ok()) return v.status();
    return ToStorage(std::move(*v), order);
  }

  // Where the draws of a synapse parameter come from.
  DrawKeys SynapseKeys(const std::string& name, const ProjectionRecord& rec) const {
    return {seed_, RngPurpose::kSynapseParameter, Fnv1a(name), rec.synapses->id()};
  }

  // Every synapse's delay in steps (storage order) from a delay value
  // resolved a block at a time, without the array of a double per synapse
  // that SynapseValues and DelaySteps go through: at the microcircuit's
  // scale that array was fresh memory for the kernel to zero in every
  // projection. nullopt where this does not apply: storage not in canonical
  // order, a function of distance, or a delay out of range (whose message
  // DelaySteps gives).
  absl::StatusOr<std::optional<std::vector<uint16_t>>> DelayStepsInBlocks(
      const ProjectionRecord& rec, const ParameterValue& value, const std::string& field) {
    using Steps = std::optional<std::vector<uint16_t>>;
    const Projection& proj = *rec.synapses;
    if (std::holds_alternative<DistanceExpression>(value) || !proj.StoredCanonically())
      return Steps();
    std::vector<uint16_t> steps(proj.size());
    const auto [min_steps, max_steps] = DelayStepBounds();
    auto within = [&](uint64_t first, const double* delays, size_t count) {
      return DelayStepsWithin(grid_, delays, count, min_steps, max_steps, steps.data() + first);
    };
    auto taken = ResolveNumbersInBlocks(value, field, proj.size(), SynapseKeys("delay", rec),
                                        &pool_, within);
    if (!taken.ok()) return taken.status();
    if (!*taken) return Steps();
    return Steps(std::move(steps));
  }

  // A function of distance per synapse, in storage order. `n` exceeds the
  // synapses only for a model parameter of a projection without any (one
  // value to check): that one is taken at d = 0, where PyNN checks a string
  // expression too.
  absl::StatusOr<std::vector<double>> DistanceValues(const std::string& text,
                                                     const ProjectionRecord& rec, size_t n,
                                                     const std::string& field) {
    auto expression = Expression::Parse(text, field);
    if (!expression.ok()) return expression.status();
    const Projection& proj = *rec.synapses;
    const PairDistances distance(rec.space, PositionsOf(rec.pre_cells),
                                 PositionsOf(rec.post_cells));
    const std::vector<uint32_t> pre = proj.PrePositions();
    std::vector<double> out(n);
    for (size_t s = 0; s < n; ++s) {
      const double d = s < proj.size() ? distance(pre[s], proj.post()[s]) : 0.0;
      out[s] = expression->Evaluate(d);
      if (!std::isfinite(out[s]))
        return InvalidArgument(field, reason::kNotFinite,
                               absl::StrCat("'", text, "' gives ", out[s], " at d = ", d,
                                            " um; values must be finite"));
    }
    return out;
  }

  static std::vector<double> ToStorage(std::vector<double> canonical,
                                       const std::vector<uint64_t>& order) {
    if (order.empty()) return canonical;  // storage order is canonical
    std::vector<double> out(canonical.size());
    for (size_t c = 0; c < order.size(); ++c) out[order[c]] = canonical[c];
    return out;
  }

  absl::Status CheckWeights(const std::vector<double>& w, bool conductance,
                            const std::string& field) {
    for (size_t k = 0; k < w.size(); ++k) {
      if (std::fabs(w[k]) > FLT_MAX)
        return InvalidArgument(field, reason::kOutOfRange,
                               absl::StrCat("weight ", k, " is too large"));
      if (conductance && w[k] < 0)
        return InvalidArgument(field, reason::kOutOfRange,
                               absl::StrCat("weight ", k, " is ", w[k],
                                            "; conductance-based targets need weights >= 0 (uS)"));
    }
    return absl::OkStatus();
  }

  // The delays (steps) a synapse may have.
  std::pair<int64_t, int64_t> DelayStepBounds() const {
    return {auto_min_delay_ ? 1 : min_delay_steps_,
            auto_max_delay_ ? kMaxDelaySteps : max_delay_steps_};
  }

  absl::StatusOr<std::vector<uint16_t>> DelaySteps(const std::vector<double>& d,
                                                   const std::string& field) {
    std::vector<uint16_t> steps(d.size());
    const auto [min_steps, max_steps] = DelayStepBounds();
    if (DelayStepsWithin(grid_, d.data(), d.size(), min_steps, max_steps, steps.data()))
      return steps;
    for (size_t k = 0; k < d.size(); ++k) {  // the first bad delay, for the message
      if (grid_.BelowOneStep(d[k]))
        return InvalidArgument(field, reason::kBelowTimeStep,
                               absl::StrCat("delay ", k, " is ", d[k], " ms, below the time step ",
                                            grid_.dt(), " ms"));
      const int64_t s = grid_.Steps(d[k]);
      if (s > max_steps)
        return InvalidArgument(field, reason::kAboveMaxDelay,
                               absl::StrCat("delay ", k, " is ", d[k], " ms, above max_delay ",
                                            grid_.Time(max_steps), " ms"));
      if (!auto_min_delay_ && s < min_delay_steps_)
        return InvalidArgument(field, reason::kOutOfRange,
                               absl::StrCat("delay ", k, " is ", d[k], " ms, below min_delay ",
                                            grid_.Time(min_delay_steps_), " ms"));
    }
    return steps;
  }

  // Weights, delays and model parameters from (in priority order) FromList
  // columns, `values`, and, when `defaults`, PyNN's defaults (weight 0, delay
  // min_delay). Per-connection values come in canonical order. `prefix` is
  // where the values sit in the request ("synapse.parameters."). Nothing
  // changes on error.
  absl::Status AssignSynapses(ProjectionRecord& rec, const ParameterMap& values,
                              const std::map<std::string, std::vector<double>>& columns,
                              bool defaults, const std::string& prefix) {
    Projection& proj = *rec.synapses;
    SynapseDynamics* dyn = rec.dynamics.get();
    const std::string type =
        dyn ? dyn->type().name : std::string(rec.gap ? "ElectricalSynapse" : "StaticSynapse");
    auto known = [&](const std::string& name) {
      return name == "weight" || (name == "delay" && !rec.gap) || (dyn && dyn->has_parameter(name));
    };
    for (const auto& [name, column] : columns)
      if (!known(name))
        return InvalidArgument(
            "connector.column_names", reason::kUnknownParameter,
            absl::StrCat("unknown column '", name, "'; ", type, " has: ", ParameterNames(rec)));
    for (const auto& [name, v] : values)
      if (!known(name))
        return InvalidArgument(prefix + name, reason::kUnknownParameter,
                               absl::StrCat(type, " has no parameter '", name,
                                            "'; parameters: ", ParameterNames(rec)));
    // Canonical -> storage index (empty when storage is canonical, as it is
    // while every row has one delay), computed only when a value is per connection.
    std::optional<std::vector<uint64_t>> canonical_order;
    auto order = [&]() -> const std::vector<uint64_t>& {
      if (!canonical_order)
        canonical_order =
            proj.StoredCanonically() ? std::vector<uint64_t>{} : proj.CanonicalOrder();
      return *canonical_order;
    };
    // Values of `name` in storage order, if given. Without synapses a model
    // parameter still gets one value, so that it is checked and kept.
    auto given = [&](const std::string& name,
                     bool model) -> absl::StatusOr<std::optional<std::vector<double>>> {
      using Values = std::optional<std::vector<double>>;
      const bool empty = proj.size() == 0;
      const size_t n = model && empty ? 1 : proj.size();
      const std::vector<uint64_t>& ord = order();
      auto c = columns.find(name);
      if (c != columns.end() && !empty) return Values(ToStorage(c->second, ord));
      auto v = values.find(name);
      if (v == values.end()) return Values();
      auto r = SynapseValues(name, v->second, rec, ord, n, prefix + name);
      if (!r.ok()) return r.status();
      return Values(std::move(*r));
    };
    // Model parameters, staged in place and swapped back if Check fails.
    std::vector<std::pair<SynapseParameter*, SynapseParameter>> staged;
    std::map<std::string, double> model = dyn ? dyn->parameters() : std::map<std::string, double>{};
    for (const std::string& name : dyn ? dyn->parameter_names() : std::vector<std::string>{}) {
      auto v = given(name, true);
      if (!v.ok()) return v.status();
      if (!*v) continue;
      if (SynapseParameter* p = dyn->connection_parameter(name)) {
        staged.emplace_back(p, SynapseParameter());
        staged.back().second.Assign(std::move(**v));
        continue;
      }
      for (double x : **v)
        if (x != (*v)->front()) {
          std::vector<std::string> per_connection = {"weight", "delay"};
          for (const auto& n : dyn->connection_parameter_names()) per_connection.push_back(n);
          return InvalidArgument(
              prefix + name, reason::kConflict,
              absl::StrCat(type, " takes one value of ", name,
                           " per projection; per-connection values are supported for: ",
                           absl::StrJoin(per_connection, ", ")));
        }
      model[name] = (*v)->front();
    }
    // Swaps the staged model parameters in, and back out after a failure.
    auto swap_model = [&] {
      if (!dyn) return;
      std::swap(model, dyn->parameters());
      for (auto& [p, v] : staged) std::swap(*p, v);
    };
    swap_model();
    auto fail = [&](absl::Status s) {
      swap_model();
      return s;
    };
    if (dyn)
      if (auto s = dyn->Check(prefix); !s.ok()) return fail(s);
    auto column = [&](const std::string& name,
                      double def) -> absl::StatusOr<std::optional<std::vector<double>>> {
      auto v = given(name, false);
      if (!v.ok() || *v || !defaults) return v;
      return std::optional<std::vector<double>>(std::vector<double>(proj.size(), def));
    };
    // A single number (the usual weight and delay) is checked once and
    // applied without per-synapse temporaries.
    auto scalar = [&](const std::string& name, double def) -> std::optional<double> {
      if (columns.count(name)) return std::nullopt;
      auto v = values.find(name);
      if (v == values.end()) return defaults ? std::optional<double>(def) : std::nullopt;
      if (const double* x = std::get_if<double>(&v->second)) return *x;
      return std::nullopt;
    };
    const std::optional<double> weight = scalar("weight", 0.0);
    std::optional<std::vector<double>> weights;
    if (weight) {
      weights = std::vector<double>{*weight};
    } else if (auto w = column("weight", 0.0); w.ok()) {
      weights = std::move(*w);
    } else {
      return fail(w.status());
    }
    const std::optional<double> delay = scalar("delay", grid_.Time(min_delay_steps_));
    std::optional<std::vector<double>> delays;
    std::optional<std::vector<uint16_t>> steps;
    const auto delay_value = values.find("delay");
    if (delay) {
      delays = std::vector<double>{*delay};
    } else if (delay_value != values.end() && !columns.count("delay") && proj.size() > 0) {
      auto direct = DelayStepsInBlocks(rec, delay_value->second, prefix + "delay");
      if (!direct.ok()) return fail(direct.status());
      steps = std::move(*direct);
    }
    if (!delay && !steps) {
      if (auto d = column("delay", grid_.Time(min_delay_steps_)); d.ok()) {
        delays = std::move(*d);
      } else {
        return fail(d.status());
      }
    }
    if (weights) {
      auto s = CheckWeights(*weights, rec.conductance_target, prefix + "weight");
      if (!s.ok()) return fail(s);
    }
    if (delays) {
      auto s = DelaySteps(*delays, prefix + "delay");
      if (!s.ok()) return fail(s.status());
      steps = std::move(*s);
    }
    // Nothing fails from here on. Weights first: SetDelays carries them along.
    if (weights) {
      if (weight) {
        proj.SetWeights(*weight);
      } else {
        proj.SetWeights(std::move(*weights));
      }
      if (dyn && dyn->plastic()) dyn->KeepWeights();
    }
    if (steps) {
      // Only synapse dynamics hold values per synapse outside the
      // projection: a static projection needs no permutation (8 bytes per
      // synapse), and its rows are arranged on the pool.
      const bool report = dyn != nullptr;
      const auto perm = delay ? proj.SetUniformDelay(steps->front(), report, &pool_)
                              : proj.SetDelays(*steps, report, &pool_);
      if (dyn && !perm.empty()) dyn->Reorder(perm);
    }
    return absl::OkStatus();
  }

  std::string ParameterNames(const ProjectionRecord& rec) const {
    std::string names = rec.gap ? "weight" : "weight, delay";
    if (rec.dynamics)
      for (const auto& name : rec.dynamics->parameter_names()) absl::StrAppend(&names, ", ", name);
    return names;
  }

  // Auto min_delay follows the delays present, auto max_delay reports the
  // longest; config_ shows the effective values. Whatever max_delay allows,
  // each population's ring buffers grow (never shrink) only to the longest
  // delay that reaches it on each receptor: PyNN scripts commonly set
  // max_delay well above the delays they use, and every slot costs a float
  // per cell.
  void UpdateDelayBounds() {
    int64_t lo = INT64_MAX, hi = 0;
    std::map<std::pair<PopulationId, uint32_t>, int64_t> longest_in;  // by (post, receptor)
    for (const auto& p : projections_) {
      if (p.synapses->size() == 0 || p.gap) continue;  // gap junctions have no delay
      const auto [a, b] = p.synapses->DelayRange();
      lo = std::min<int64_t>(lo, a);
      hi = std::max<int64_t>(hi, b);
      for (PopulationId post : p.post_populations) {
        int64_t& longest = longest_in[{post, p.synapses->receptor()}];
        longest = std::max<int64_t>(longest, b);
      }
    }
    if (auto_min_delay_) {
      min_delay_steps_ = lo == INT64_MAX ? 1 : lo;
      config_.min_delay_ms = grid_.Time(min_delay_steps_);
    }
    if (auto_max_delay_) config_.max_delay_ms = grid_.Time(std::max<int64_t>(hi, 1));
    for (const auto& [target, longest] : longest_in)
      populations_[target.first].cells->input().Grow(target.second, RingSlots(longest), step_);
  }

  // Slots that hold everything in flight towards a cell whose longest
  // incoming delay is `delay_steps` (ring_buffer.h).
  static size_t RingSlots(int64_t delay_steps) { return static_cast<size_t>(delay_steps) + 2; }

  void UpdateInjection(uint64_t step, std::vector<double>& amplitudes, bool force) {
    bool changed = force;
    for (size_t s = 0; s < sources_.size(); ++s) {
      const double a = sources_[s].AmplitudeAt(step);
      if (a != amplitudes[s]) changed = true;
      amplitudes[s] = a;
    }
    if (!changed) return;
    for (auto& p : populations_) std::fill(p.injected.begin(), p.injected.end(), 0.0);
    for (size_t s = 0; s < sources_.size(); ++s) {
      if (amplitudes[s] == 0.0) continue;
      for (const auto& [pop, cells] : sources_[s].targets())
        for (uint32_t c : cells) populations_[pop].injected[c] += amplitudes[s];
    }
  }

  // How one run shares its cells among the pool's members.
  struct Split {
    int members = 1;
    // [population][member]: the cells a member updates and delivers input
    // to (groups that are not Splittable: all by member 0, so that no other
    // member adds input for a step that member 0 may already be computing).
    std::vector<std::vector<CellRange>> cells;
    // [projection]: Aligned(); [population]: whether its spikes reach
    // synapses with dynamics (DeliverDynamic, at the epoch's end) and static
    // synapses that are not aligned (DeliverStatic, at the next handoff).
    std::vector<bool> aligned;
    std::vector<bool> reaches_dynamics, reaches_static;
    // [member][step of the update][population]: spikes of the steps that
    // UpdateCells computed, and [step][population] the exact times of those
    // of groups that have them (a group keeps its last step's only).
    std::vector<std::vector<std::vector<std::vector<SpikeEvent>>>> spikes;
    std::vector<std::vector<std::vector<double>>> exact_times;
    // The delay runs [first, last) of a spike's row into one member's cells.
    struct RowDelivery {
      const Projection* synapses;
      uint64_t first, last;
      uint64_t spike_step;
      uint32_t multiplicity;
    };
    // [member]: DeliverStatic's rows to deliver, kept for their capacity;
    // a cache line each, as members append to them at once (Outbox).
    struct alignas(64) RowsDue {
      std::vector<RowDelivery> rows;
    };
    std::vector<RowsDue> rows_due;
    // While every Splittable population is cut between several members, each
    // spike's rows reach every member, and each member looking every spike
    // up took Vogels-Abbott's delivery at 100,000 cells from 3,014 to 4,141
    // profile samples with two members. So there the member that updated
    // the firing cells finds their rows into every member's cells, right
    // after the update (FindRowsAtSource); each member adds its own at the
    // next epoch's first handoff. Not while members own whole populations:
    // a projection's rows then mostly reach one member, which looks them up
    // itself, and the microcircuit delivered slower when they were found at
    // the source (bench/RESULTS.md, session 9).
    bool rows_found_at_source = false;
    // One member's rows into another's cells, and where the rows of each
    // step and population of the epoch end: so that a member adds the
    // producers' rows in the order one member would (their cells ascend).
    // A cache line each: two producers appending to outboxes that share one
    // took 2-3 % longer (VA 100,000, two threads, 3 of 3 alternations).
    struct alignas(64) Outbox {
      std::vector<RowDelivery> rows;
      std::vector<uint64_t> group_end;
      void Clear() {
        rows.clear();
        group_end.clear();
      }
    };
    // [epoch parity][producer][target]: an epoch fills outboxes[filling]
    // while outboxes[1 - filling], the last epoch's, are delivered.
    std::vector<std::vector<Outbox>> outboxes[2];
    int filling = 0;
    // Whether a population's spikes wait for the epoch's end (RunTo).
    bool Pending(size_t population) const {
      return reaches_dynamics[population] || (reaches_static[population] && !rows_found_at_source);
    }
    // [population]: the member that owns it whole, or empty when every
    // Splittable population is cut between the members.
    std::vector<int> owner;
    // While populations are owned whole: what each member's work cost since
    // the last Rebalance, the measure it reassigns them by.
    struct Cost {
      std::vector<double> update_ns;  // [population]: its steps and aligned deliveries
      std::vector<uint64_t> adds;     // [projection]: synapses of static delivery
      double deliver_ns = 0;          // DeliverStatic
    };
    std::vector<Cost> cost;  // [member]
    uint64_t measured_epochs = 0;
  };
  std::optional<Split> split_;  // CurrentSplit()'s
  uint64_t split_version_ = 0;

  // A handoff between members costs microseconds, so a member must get at
  // least this many cells for splitting a step to pay.
  static constexpr uint64_t kMinCellsPerMember = 8192;

  // Aligned: a static projection from a whole (Splittable) population to a
  // whole population of the same size in which cell i reaches only cell i
  // (OneToOneConnector; a Poisson background per cell). Its spikes are
  // delivered by the member that updates the pre cell, as soon as it fires:
  // the post cell is in the same member's range (equal sizes split alike),
  // and the arrival slot, at least two steps ahead, is not the one any
  // member reads now. Which projections are aligned does not depend on the
  // number of members, so neither does the order in which a cell's input is
  // summed.
  bool Aligned(const ProjectionRecord& rec) const {
    if (!rec.synapses || rec.dynamics || rec.gap || rec.post_populations.size() != 1 ||
        rec.n_pre != rec.n_post || rec.pre_cells.empty())
      return false;
    const PopulationId pre = rec.pre_cells[0].first, post = rec.post_populations[0];
    const std::vector<CellSequence::Run> whole_pre{{pre, 0, rec.n_pre}},
        whole_post{{post, 0, rec.n_post}};
    if (rec.pre_cells.runs() != whole_pre || rec.post_cells.runs() != whole_post) return false;
    // A pre group updated whole by one member could add into a post cell
    // that another member's aligned projection reaches at the same time;
    // both groups must be split alike.
    if (populations_[pre].info.size != rec.n_pre || populations_[post].info.size != rec.n_post ||
        !populations_[pre].cells->Splittable() || !populations_[post].cells->Splittable())
      return false;
    const Projection& synapses = *rec.synapses;
    for (uint32_t i = 0; i < rec.n_pre; ++i) {
      for (uint64_t k = synapses.row_start(i); k < synapses.row_start(i + 1); ++k)
        if (synapses.post()[k] != i) return false;
    }
    return true;
  }

  // Estimated work of a cell step, in synapses: a synapse carries a spike
  // in about one step of 500 (a few Hz at dt 0.1 ms) and a delivery costs
  // about as much as a cell's step.
  static constexpr double kCellStepInSynapses = 500.0;
  // How far above the members' mean load whole populations may put one
  // member before every population is cut instead.
  static constexpr double kWholePopulationSlack = 1.1;

  // Populations that must share a member: an aligned projection's pre and
  // post (population_owners.h).
  std::vector<std::pair<uint32_t, uint32_t>> Joined(const Split& split) const {
    std::vector<std::pair<uint32_t, uint32_t>> joined;
    for (size_t j = 0; j < projections_.size(); ++j)
      if (split.aligned[j])
        joined.emplace_back(projections_[j].pre_cells[0].first,
                            projections_[j].post_populations[0]);
    return joined;
  }

  // Adds `load` to the projection's post populations, each in proportion to
  // its share of the post cells (one loop per cell only for an assembly).
  static void SpreadOverPostCells(const ProjectionRecord& rec, double load,
                                  std::vector<PopulationWork>& work) {
    if (rec.n_post == 0) return;
    if (rec.post_populations.size() == 1) {
      work[rec.post_populations[0]].load += load;
      return;
    }
    const double per_post_cell = load / static_cast<double>(rec.n_post);
    for (const CellSequence::Run& run : rec.post_cells.runs())
      work[run.population].load += per_post_cell * run.count;
  }

  // population_owners.h's assignment for this network, or {} (cut every
  // Splittable population): the microcircuit's eight populations balance
  // whole, Vogels-Abbott's 80/20 do not. Loads are estimates (cells and
  // incoming static synapses); the rates that decide the real load are not
  // known before the run, so Rebalance corrects the assignment by measure.
  std::vector<int> EstimatedOwners(const Split& split) const {
    std::vector<PopulationWork> work(populations_.size());
    for (size_t p = 0; p < populations_.size(); ++p)
      work[p] = {kCellStepInSynapses * populations_[p].info.size,
                 populations_[p].cells->Splittable()};
    for (const ProjectionRecord& rec : projections_)
      if (rec.synapses && !rec.dynamics && !rec.gap)
        SpreadOverPostCells(rec, static_cast<double>(rec.synapses->size()), work);
    return engine::WholePopulationOwners(work, Joined(split), split.members, kWholePopulationSlack);
  }

  // A new split's members and what it keeps per projection and population;
  // Own then gives the members their cells.
  Split NewSplit() const {
    Split split;
    for (const auto& rec : projections_) split.aligned.push_back(Aligned(rec));
    for (const auto& p : populations_) {
      bool dynamic = false, unaligned_static = false;
      for (const auto& [proj, rows] : p.outgoing) {
        dynamic |= projections_[proj].dynamics != nullptr;
        unaligned_static |= projections_[proj].dynamics == nullptr && !split.aligned[proj];
      }
      split.reaches_dynamics.push_back(dynamic);
      split.reaches_static.push_back(unaligned_static);
    }
    uint64_t splittable = 0;
    for (const auto& p : populations_)
      if (p.cells->Splittable()) splittable += p.info.size;
    if (splittable >= kMinCellsPerMember * pool_.size()) split.members = pool_.size();
    split.spikes.assign(split.members, {});
    split.rows_due.assign(split.members, {});
    for (auto& outboxes : split.outboxes)
      outboxes.assign(split.members, std::vector<Split::Outbox>(split.members));
    return split;
  }

  // Gives each member its cells: whole populations by `owner`, or every
  // Splittable population cut into equal ranges when `owner` is empty. Groups
  // the static synapses by the member that delivers them (DeliverStatic),
  // which only relabels a projection whose post cells one member owns.
  void Own(Split& split, std::vector<int> owner) {
    const int members = split.members;
    auto align = [](uint64_t i) {
      return static_cast<uint32_t>(i / kSplitAlignment * kSplitAlignment);
    };
    split.cells.clear();
    for (size_t pid = 0; pid < populations_.size(); ++pid) {
      const Population& p = populations_[pid];
      const uint32_t n = static_cast<uint32_t>(p.info.size);
      std::vector<CellRange> ranges(members, CellRange{n, n});
      if (!owner.empty()) {
        ranges[owner[pid]] = {0, n};
      } else if (!p.cells->Splittable()) {
        ranges[0] = {0, n};
      } else {
        for (int m = 0; m < members; ++m)
          ranges[m] = {align(uint64_t{n} * m / members),
                       m + 1 == members ? n : align(uint64_t{n} * (m + 1) / members)};
      }
      split.cells.push_back(std::move(ranges));
    }
    split.owner = std::move(owner);
    split.rows_found_at_source = members > 1 && split.owner.empty();
    ResetCosts(split);
    if (members == 1) return;
    for (size_t j = 0; j < projections_.size(); ++j) {
      const ProjectionRecord& rec = projections_[j];
      if (!rec.synapses || rec.dynamics || rec.gap || split.aligned[j]) continue;
      std::vector<std::vector<CellRange>> owned(members);
      for (int m = 0; m < members; ++m)
        for (PopulationId post : rec.post_populations) owned[m].push_back(split.cells[post][m]);
      rec.synapses->GroupByMember(owned, &pool_);
    }
  }

  void ResetCosts(Split& split) const {
    split.measured_epochs = 0;
    split.cost.assign(split.owner.empty() ? 0 : split.members,
                      {std::vector<double>(populations_.size(), 0.0),
                       std::vector<uint64_t>(projections_.size(), 0), 0.0});
  }

  // Epochs between reassessments of whole-population owners, and the
  // measured time they must cover to be worth comparing.
  static constexpr uint64_t kRebalanceEpochs = 200;
  static constexpr double kRebalanceMinNs = 10e6;
  // A new assignment must cut the most loaded member's measured time by at
  // least this fraction: less is within what a shared machine's noise moves.
  static constexpr double kRebalanceGain = 0.1;

  // Whole populations reassigned by what their work cost in the last
  // kRebalanceEpochs epochs: their steps as timed, plus the synapses
  // delivered into them at the members' mean time per synapse. The
  // estimate the split starts from cannot see firing rates, and the
  // microcircuit's differ tenfold between layers: its members' times were
  // 1.65 and 2.40 s over 300 ms. Which member updates a cell does not change
  // any result.
  void Rebalance(Split& split) {
    double deliver_ns = 0, measured_ns = 0;
    std::vector<PopulationWork> work(populations_.size());
    for (size_t p = 0; p < populations_.size(); ++p)
      work[p].splittable = populations_[p].cells->Splittable();
    std::vector<uint64_t> delivered(projections_.size(), 0);
    for (const Split::Cost& c : split.cost) {
      deliver_ns += c.deliver_ns;
      for (size_t p = 0; p < work.size(); ++p) work[p].load += c.update_ns[p];
      for (size_t j = 0; j < delivered.size(); ++j) delivered[j] += c.adds[j];
    }
    for (const PopulationWork& w : work) measured_ns += w.load;
    measured_ns += deliver_ns;
    if (measured_ns < kRebalanceMinNs) return;  // too little to judge; keep measuring
    const uint64_t adds = std::accumulate(delivered.begin(), delivered.end(), uint64_t{0});
    const double ns_per_add = adds == 0 ? 0.0 : deliver_ns / static_cast<double>(adds);
    for (size_t j = 0; j < projections_.size(); ++j)
      if (delivered[j] > 0)
        SpreadOverPostCells(projections_[j], ns_per_add * static_cast<double>(delivered[j]), work);
    std::vector<int> owner = engine::WholePopulationOwners(work, Joined(split), split.members,
                                                           std::numeric_limits<double>::infinity());
    const auto now = MemberLoads(work, split.owner, split.members);
    const auto then = MemberLoads(work, owner, split.members);
    if (*std::max_element(then.begin(), then.end()) <
        (1 - kRebalanceGain) * *std::max_element(now.begin(), now.end())) {
      Own(split, std::move(owner));
    } else {
      ResetCosts(split);
    }
  }

  // The split of the last run while the network has not changed since:
  // finding the aligned projections reads their synapses, too much to repeat
  // for each of many short runs. A new split groups the static synapses by
  // the member that delivers them (DeliverStatic).
  Split& CurrentSplit() {
    if (!split_ || split_version_ != network_version_) {
      split_ = NewSplit();
      split_version_ = network_version_;
      Own(*split_, split_->members > 1 ? EstimatedOwners(*split_) : std::vector<int>{});
    }
    return *split_;
  }

  // Cells per block when an update covers several steps: a block's state
  // (about 50 bytes a cell) stays in the cache from one step to the next.
  // COBA at 1,000,000 cells, one thread: 52.8-53.0 s against 54.8-60.1 s
  // through whole ranges; at 100,000 no difference (the state fits in L3).
  static constexpr uint32_t kFusedBlockCells = 4096;
  static_assert(kFusedBlockCells % kSplitAlignment == 0);

  // Whether every cell may advance all steps of an epoch in one go: nothing
  // drives or reads a cell between its steps (current sources, gap
  // junctions, synapse dynamics, signal sampling), and input for the whole
  // epoch is in the ring buffers at its start (delays >= min_delay). Exact
  // spike times are kept per step (Split::exact_times) for groups updated
  // whole, the only ones that have them.
  bool StepsFusible() const {
    if (!sources_.empty() || recorder_.SamplesSignals()) return false;
    for (const auto& rec : projections_)
      if (rec.dynamics || rec.gap) return false;
    for (const auto& p : populations_)
      if (p.cells->ExactSpikeTimes() != nullptr && p.cells->Splittable()) return false;
    return true;
  }

  // `steps` steps of every cell from step_ on (several only when
  // StepsFusible), the spikes of step step_ + k in split.spikes[member][k].
  // Results are identical for any number of members, since cells of a step
  // do not interact, and for any number of steps at once. At an epoch's
  // start, members first deliver the previous epoch's spikes, `sent`
  // (DeliverStatic): in the same handoff, since that input arrives after
  // these steps, and each member adds only into the cells it owns.
  void UpdateCells(Split& split, const std::vector<PendingSpike>& sent, bool epoch_start,
                   uint64_t steps) {
    for (auto& member : split.spikes)
      if (member.size() < steps) member.resize(steps);
    if (split.exact_times.size() < steps) split.exact_times.resize(steps);
    for (uint64_t k = 0; k < steps; ++k) split.exact_times[k].resize(populations_.size());
    auto update = [&](int member) {
      // Whole-population owners are reassessed by measure (Rebalance).
      Split::Cost* cost = split.cost.empty() ? nullptr : &split.cost[member];
      if (epoch_start) {
        Timed(cost ? &cost->deliver_ns : nullptr,
              [&] { DeliverStatic(sent, split, member, cost ? &cost->adds : nullptr); });
        for (Split::Outbox& box : split.outboxes[split.filling][member]) box.Clear();
      }
      std::vector<std::vector<std::vector<SpikeEvent>>>& spikes = split.spikes[member];
      for (uint64_t k = 0; k < steps; ++k) {
        spikes[k].resize(populations_.size());
        for (auto& out : spikes[k]) out.clear();
      }
      for (size_t pid = 0; pid < populations_.size(); ++pid) {
        Population& p = populations_[pid];
        // Cells [begin, end) (a Splittable group) or all, through every step.
        auto advance = [&](const CellRange* range) {
          for (uint64_t k = 0; k < steps; ++k) {
            std::vector<SpikeEvent>& out = spikes[k][pid];
            const size_t first_new = out.size();
            StepContext ctx{step_ + k, p.injected.empty() ? nullptr : p.injected.data()};
            if (!p.gap_g.empty()) {
              ctx.gap_g = p.gap_g.data();
              ctx.gap_ge = p.gap_ge.data();
            }
            if (range != nullptr) {
              p.cells->UpdateRange(ctx, range->begin, range->end, out);
            } else {
              p.cells->Update(ctx, out);
              if (const std::vector<double>* exact = p.cells->ExactSpikeTimes())
                split.exact_times[k][pid] = *exact;
            }
            for (const auto& [proj, rows] : p.outgoing) {
              if (!split.aligned[proj]) continue;
              const Projection& synapses = *projections_[proj].synapses;
              // Aligned: pre position = cell index (Aligned()).
              if (synapses.DeliverOneToOne(out.data() + first_new, out.data() + out.size(),
                                           step_ + k + 1))
                continue;
              for (size_t j = first_new; j < out.size(); ++j)
                synapses.Deliver(static_cast<uint32_t>(rows[out[j].index]), step_ + k + 1,
                                 out[j].multiplicity);
            }
          }
        };
        double* update_ns = cost ? &cost->update_ns[pid] : nullptr;
        if (p.cells->Splittable()) {
          const CellRange& mine = split.cells[pid][member];
          if (mine.begin == mine.end) continue;
          const uint32_t block = steps > 1 ? kFusedBlockCells : mine.end - mine.begin;
          Timed(update_ns, [&] {
            for (uint32_t b = mine.begin; b < mine.end; b += block) {
              const CellRange part{b, std::min(mine.end, b + block)};
              advance(&part);
            }
          });
        } else if (member == 0) {
          Timed(update_ns, [&] { advance(nullptr); });
        }
      }
      if (split.rows_found_at_source) FindRowsAtSource(split, member, steps);
    };
    RunMembers(split, update);
  }

  // Calls f(projection index, synapses, row) for each static projection
  // that is not aligned and holds a row of the population's cell `index`.
  template <class F>
  void ForEachStaticRow(const Split& split, PopulationId population, uint32_t index, F&& f) const {
    for (const auto& [proj, rows] : populations_[population].outgoing) {
      const ProjectionRecord& rec = projections_[proj];
      if (rows[index] < 0 || rec.dynamics || split.aligned[proj]) continue;
      f(proj, *rec.synapses, static_cast<uint32_t>(rows[index]));
    }
  }

  // The delay runs of `row` that `member` delivers, if any, for a spike
  // emitted at the end of step spike_step - 1.
  static std::optional<Split::RowDelivery> MemberRow(const Split& split, const Projection& synapses,
                                                     uint32_t row, int member, uint64_t spike_step,
                                                     uint32_t multiplicity) {
    if (split.members > 1 && !synapses.Reaches(member)) return std::nullopt;
    const auto [first, last] = split.members == 1
                                   ? std::pair{synapses.run_begin(row), synapses.run_begin(row + 1)}
                                   : synapses.MemberRuns(row, member);
    if (first == last) return std::nullopt;
    return Split::RowDelivery{&synapses, first, last, spike_step, multiplicity};
  }

  // A member's spikes of the last `steps` steps: their rows into each
  // member's cells, appended to its outboxes, one group per step and
  // population (Split::rows_found_at_source).
  void FindRowsAtSource(Split& split, int member, uint64_t steps) const {
    std::vector<Split::Outbox>& outbox = split.outboxes[split.filling][member];
    for (uint64_t k = 0; k < steps; ++k) {
      for (size_t pid = 0; pid < populations_.size(); ++pid) {
        if (split.reaches_static[pid])
          for (const SpikeEvent& e : split.spikes[member][k][pid])
            ForEachStaticRow(split, static_cast<PopulationId>(pid), e.index,
                             [&](size_t, const Projection& synapses, uint32_t row) {
                               for (int target = 0; target < split.members; ++target)
                                 if (auto d = MemberRow(split, synapses, row, target, step_ + k + 1,
                                                        e.multiplicity))
                                   outbox[target].rows.push_back(*d);
                             });
        for (Split::Outbox& box : outbox) box.group_end.push_back(box.rows.size());
      }
    }
  }

  // Runs work(), adding its duration to *total_ns if total_ns is given.
  template <class Work>
  static void Timed(double* total_ns, Work&& work) {
    if (total_ns == nullptr) return work();
    const auto start = std::chrono::steady_clock::now();
    work();
    *total_ns +=
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  }

  // task(member) for each of the split's members: on this thread alone when
  // there is one (the pool may have more threads than the split uses).
  void RunMembers(const Split& split, const std::function<void(int member)>& task) {
    if (split.members == 1) {
      task(0);
    } else {
      pool_.Run(task);
    }
  }

  // A member's part of the static delivery of `sent`: the input into the
  // post cells it owns, so members deliver the same spikes at the same time,
  // each cell's input summed in the same order as by one member.
  //
  // In two passes, as a spike's row is a few random reads away (its row
  // index, its runs, its first synapses) and short rows are mostly those
  // reads: the first pass finds every row's runs (or takes them from the
  // outboxes, Split::rows_found_at_source) and prefetches its synapses,
  // reads that do not depend on each other and so overlap, and the second
  // adds the input. Counts the synapses it delivers per projection into
  // `adds`, if given.
  void DeliverStatic(const std::vector<PendingSpike>& sent, Split& split, int member,
                     std::vector<uint64_t>* adds) const {
    if (split.rows_found_at_source) {
      const auto& awaiting = split.outboxes[1 - split.filling];
      for (const auto& from : awaiting)
        for (const Split::RowDelivery& d : from[member].rows) d.synapses->PrefetchRun(d.first);
      const size_t groups = awaiting[0][member].group_end.size();
      for (size_t g = 0; g < groups; ++g)
        for (const auto& from : awaiting) {
          const Split::Outbox& box = from[member];
          const Split::RowDelivery* rows = box.rows.data();
          AddRows(rows + (g == 0 ? 0 : box.group_end[g - 1]), rows + box.group_end[g]);
        }
      return;
    }
    std::vector<Split::RowDelivery>& rows_due = split.rows_due[member].rows;
    rows_due.clear();
    for (const PendingSpike& s : sent)
      ForEachStaticRow(
          split, s.population, s.index, [&](size_t proj, const Projection& synapses, uint32_t row) {
            auto d = MemberRow(split, synapses, row, member, s.spike_step, s.multiplicity);
            if (!d) return;
            if (adds) (*adds)[proj] += synapses.run_start(d->last) - synapses.run_start(d->first);
            synapses.PrefetchRun(d->first);
            rows_due.push_back(*d);
          });
    AddRows(rows_due.data(), rows_due.data() + rows_due.size());
  }

  // DeliverStatic's second pass.
  static void AddRows(const Split::RowDelivery* first, const Split::RowDelivery* last) {
    for (const Split::RowDelivery* d = first; d != last; ++d)
      d->synapses->DeliverRuns(d->first, d->last, d->spike_step, d->multiplicity);
  }

  // Synapses with dynamics, in spike order: each spike changes their state.
  void DeliverDynamic(const std::vector<PendingSpike>& sent) {
    for (const PendingSpike& s : sent)
      for (const auto& [proj, rows] : populations_[s.population].outgoing) {
        const ProjectionRecord& rec = projections_[proj];
        if (rows[s.index] >= 0 && rec.dynamics)
          rec.dynamics->Deliver(static_cast<uint32_t>(rows[s.index]), s.spike_step, s.multiplicity);
      }
  }

  // Start of a run: each coupled population's total gap conductance, after
  // the stability check of the explicit part of the coupling. False if there
  // are no gap junctions.
  absl::StatusOr<bool> PrepareGapJunctions() {
    std::vector<double*> g(populations_.size(), nullptr);
    std::vector<const std::vector<double>*> g_columns(populations_.size(), nullptr);
    std::vector<const CellColumn*> cm(populations_.size(), nullptr);
    gap_v_hat_.assign(populations_.size(), nullptr);
    gap_ge_.assign(populations_.size(), nullptr);
    bool any = false;
    for (size_t p = 0; p < populations_.size(); ++p) {
      Population& pop = populations_[p];
      if (pop.gap_g.empty()) continue;
      any = true;
      std::fill(pop.gap_g.begin(), pop.gap_g.end(), 0.0);
      pop.v_previous.clear();  // the first step of a run has no history
      pop.v_hat.assign(pop.info.size, 0.0);
      gap_v_hat_[p] = pop.v_hat.data();
      gap_ge_[p] = pop.gap_ge.data();
      g[p] = pop.gap_g.data();
      g_columns[p] = &pop.gap_g;
      cm[p] = &pop.cells->parameter("cm");
    }
    if (!any) return false;
    for (const auto& rec : projections_)
      if (rec.gap) rec.gap->AddConductances(g);
    if (auto s = CheckGapStability(g_columns, cm, grid_.dt()); !s.ok()) return s;
    return true;
  }

  // The partners' drive of this step: each junction's partner v extrapolated
  // to the step's middle from v now and one step ago (gap_junction.h).
  void CoupleGapJunctions() {
    for (auto& pop : populations_) {
      if (pop.gap_g.empty()) continue;
      const std::vector<double>& v = *pop.cells->Variable("v");
      pop.v_hat = v;
      if (!pop.v_previous.empty())
        for (size_t i = 0; i < v.size(); ++i) pop.v_hat[i] += 0.5 * (v[i] - pop.v_previous[i]);
      pop.v_previous = v;
      std::fill(pop.gap_ge.begin(), pop.gap_ge.end(), 0.0);
    }
    for (const auto& rec : projections_)
      if (rec.gap) rec.gap->AddPartnerDrive(gap_v_hat_, gap_ge_);
  }

  SynapseRunContext SynapseContext(const ProjectionRecord& rec) const {
    SynapseRunContext c{grid_, seed_, trial_, {}};
    const Projection& proj = *rec.synapses;
    const char* tau_name = proj.receptor() == 0 ? "tau_syn_E" : "tau_syn_I";
    c.tau_psc.resize(proj.num_post(), 0.0);
    for (uint32_t k = 0; k < proj.num_post(); ++k) {
      const PostTarget t = proj.post_target(k);
      const CellGroup& group = *populations_[rec.post_populations[t.part]].cells;
      const int idx = group.ParameterIndex(tau_name);
      if (idx >= 0) c.tau_psc[k] = group.parameter(idx)[t.index];
    }
    return c;
  }

  // Checked before a run and after every epoch: the recording within the
  // session's limit, and what exceeds the memory budget spilled.
  absl::Status SettleRecording() {
    if (recorder_.recorded_bytes() > config_.limits.max_recorded_bytes)
      return ResourceExhausted(
          "max_recorded_bytes", reason::kLimitExceeded,
          absl::StrCat("the session has recorded ", recorder_.recorded_bytes(),
                       " bytes, over its limit of ", config_.limits.max_recorded_bytes,
                       " (SessionLimits.max_recorded_bytes); retrieve and clear the data "
                       "(get_data(clear=True)) or record less to go on"));
    return recorder_.Spill(step_);
  }

  absl::StatusOr<RunResult> RunTo(uint64_t target, const RunControl& control) {
    const double span = grid_.Time(target - step_);
    if (biological_ms_ + span > config_.limits.max_biological_time_ms * (1 + kGridTolerance))
      return ResourceExhausted(
          "duration_ms", reason::kLimitExceeded,
          absl::StrCat("the session may simulate at most ", config_.limits.max_biological_time_ms,
                       " ms in total; ", biological_ms_, " ms used"));
    // A run that stopped for the recording may not go on; nothing has
    // changed yet.
    if (absl::Status recording = SettleRecording(); !recording.ok()) return recording;
    RunResult result;
    result.requested_ms = grid_.Time(target);
    for (auto& p : populations_) p.cells->Prepare(grid_, step_);
    for (size_t s = 0; s < sources_.size(); ++s) sources_[s].Prepare(grid_, seed_, s, trial_);
    for (auto& rec : projections_)
      if (rec.dynamics) rec.dynamics->Prepare(SynapseContext(rec));
    std::vector<double> amplitudes(sources_.size(), 0.0);
    const absl::StatusOr<bool> coupled = PrepareGapJunctions();
    if (!coupled.ok()) return coupled.status();
    const std::vector<CurrentSourceId> recorded_sources = recorder_.RecordedSources();
    auto sample_sources = [&] {
      for (CurrentSourceId s : recorded_sources)
        recorder_.SampleSource(s, step_, sources_[s].AmplitudeAt(step_));
    };
    for (auto& p : populations_) recorder_.SampleIfDue(p.info.id, step_, *p.cells);
    sample_sources();

    Split& split = CurrentSplit();
    const bool fused = StepsFusible();
    // Whether this thread gathers a population's spikes after each step:
    // not when they are neither recorded, nor seen by plastic synapses, nor
    // awaiting delivery (a Poisson background, delivered as it fires). The
    // microcircuit's backgrounds emit tens of thousands of events a step,
    // which the other members would wait for this thread to copy and scan.
    std::vector<bool> gather(populations_.size());
    for (size_t pid = 0; pid < populations_.size(); ++pid) {
      const Population& p = populations_[pid];
      gather[pid] =
          split.Pending(pid) || !p.plastic_incoming.empty() || recorder_.RecordsSpikes(p.info.id);
    }
    std::vector<SpikeEvent> spikes;
    // The epoch's spikes that wait for its end (Split::Pending), and the
    // previous epoch's, awaiting static delivery.
    std::vector<PendingSpike> pending, sent;
    double last_report = grid_.Time(step_);
    bool first = true;
    absl::Status recording;
    while (step_ < target) {
      const uint64_t epoch_end = std::min<uint64_t>(step_ + min_delay_steps_, target);
      bool epoch_start = true;
      while (step_ < epoch_end) {
        UpdateInjection(step_, amplitudes, first);
        first = false;
        if (*coupled) CoupleGapJunctions();
        for (auto& rec : projections_)
          if (rec.dynamics) rec.dynamics->Step(step_);
        const uint64_t steps = fused ? epoch_end - step_ : 1;
        UpdateCells(split, sent, epoch_start, steps);
        epoch_start = false;
        sent.clear();
        for (uint64_t k = 0; k < steps; ++k) {
          for (size_t pid = 0; pid < populations_.size(); ++pid) {
            if (!gather[pid]) continue;
            Population& p = populations_[pid];
            spikes.clear();
            for (const auto& member : split.spikes)  // members' ranges ascend
              spikes.insert(spikes.end(), member[k][pid].begin(), member[k][pid].end());
            if (spikes.empty()) continue;
            recorder_.AddSpikes(p.info.id, step_ + 1, spikes,
                                p.cells->ExactSpikeTimes() ? &split.exact_times[k][pid] : nullptr);
            for (const auto& [proj, part] : p.plastic_incoming)
              projections_[proj].dynamics->PostSpikes(part, step_ + 1, spikes);
            if (!split.Pending(pid)) continue;
            for (const SpikeEvent& e : spikes)
              pending.push_back({p.info.id, e.index, e.multiplicity, step_ + 1});
          }
          ++step_;
          ++result.steps;
          for (auto& p : populations_) recorder_.SampleIfDue(p.info.id, step_, *p.cells);
          sample_sources();
        }
      }
      // Every spike of the epoch arrives after it (delays >= min_delay), so
      // delivery can wait until here, and for static synapses until the
      // next handoff to the members.
      DeliverDynamic(pending);
      std::swap(pending, sent);
      pending.clear();
      split.filling = 1 - split.filling;
      if (!split.cost.empty() && ++split.measured_epochs >= kRebalanceEpochs) Rebalance(split);
      recording = SettleRecording();
      if (!recording.ok()) break;
      const double now = grid_.Time(step_);
      if (control.keep_going && step_ < target &&
          now - last_report >= control.report_every_ms - kGridTolerance * std::fmax(1.0, now)) {
        last_report = now;
        if (!control.keep_going(now)) {
          result.stopped = true;
          break;
        }
      }
    }
    // What the network may change before the next run must not reach
    // spikes already sent.
    if (!sent.empty() || split.rows_found_at_source) {
      RunMembers(split, [&](int member) { DeliverStatic(sent, split, member, nullptr); });
      for (auto& from : split.outboxes[1 - split.filling])
        for (Split::Outbox& box : from) box.Clear();
    }
    for (auto& rec : projections_)
      if (rec.dynamics) rec.dynamics->Finish(step_);
    biological_ms_ += grid_.Time(result.steps);
    result.t_ms = grid_.Time(step_);
    recorder_.SetTime(result.t_ms);
    if (!recording.ok()) {
      // The session stays usable at the time reached, with all its data.
      absl::Status stopped(recording.code(), absl::StrCat("the run stopped at t = ", result.t_ms,
                                                          " ms: ", recording.message()));
      recording.ForEachPayload(
          [&](absl::string_view key, const absl::Cord& value) { stopped.SetPayload(key, value); });
      return stopped;
    }
    return result;
  }
};

Simulation::Simulation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulation::~Simulation() = default;

absl::StatusOr<std::unique_ptr<Simulation>> Simulation::Create(const SimulationConfig& config) {
  if (config.threads < 1 || config.threads > config.limits.max_threads)
    return InvalidArgument("threads", reason::kOutOfRange,
                           absl::StrCat("threads must be in [1, ", config.limits.max_threads,
                                        "], got ", config.threads));
  if (!std::isfinite(config.timestep_ms) || !(config.timestep_ms > 0))
    return InvalidArgument("timestep_ms", reason::kOutOfRange,
                           absl::StrCat("timestep_ms must be > 0, got ", config.timestep_ms));
  const TimeGrid grid(config.timestep_ms);
  for (auto [name, v] : {std::pair<const char*, double>{"min_delay_ms", config.min_delay_ms},
                         {"max_delay_ms", config.max_delay_ms}})
    if (!std::isfinite(v) || v < 0)
      return InvalidArgument(name, reason::kOutOfRange,
                             absl::StrCat(name, " must be finite and >= 0, got ", v));
  const double min_delay = config.min_delay_ms == 0 ? config.timestep_ms : config.min_delay_ms;
  if (grid.BelowOneStep(min_delay))
    return InvalidArgument(
        "min_delay_ms", reason::kBelowTimeStep,
        absl::StrCat("min_delay ", min_delay, " ms is below the time step ", grid.dt(), " ms"));
  const int64_t min_steps = grid.Steps(min_delay);
  // Auto max_delay starts at one step and grows with the delays.
  const int64_t max_steps = config.max_delay_ms == 0 ? 1 : grid.Steps(config.max_delay_ms);
  if (config.max_delay_ms != 0 && max_steps < min_steps)
    return InvalidArgument("max_delay_ms", reason::kOutOfRange,
                           absl::StrCat("max_delay ", config.max_delay_ms,
                                        " ms is below min_delay ", min_delay, " ms"));
  if (max_steps > kMaxDelaySteps)
    return InvalidArgument(
        "max_delay_ms", reason::kOutOfRange,
        absl::StrCat("max_delay may be at most ", kMaxDelaySteps, " time steps, got ", max_steps));
  uint64_t seed = config.seed;
  if (seed == 0) {
    std::random_device rd;
    while (seed == 0) seed = uint64_t{rd()} << 32 | rd();
  }
  SimulationConfig resolved = config;
  resolved.min_delay_ms = grid.Time(min_steps);
  resolved.max_delay_ms = grid.Time(max_steps);
  resolved.seed = seed;
  return std::unique_ptr<Simulation>(
      new Simulation(std::make_unique<Impl>(config, resolved, min_steps, max_steps)));
}

const SimulationConfig& Simulation::config() const { return impl_->config_; }
uint64_t Simulation::seed() const { return impl_->seed_; }
double Simulation::time_ms() const { return impl_->grid_.Time(impl_->step_); }
uint64_t Simulation::num_neurons() const { return impl_->num_neurons_; }
uint64_t Simulation::num_synapses() const { return impl_->num_synapses_; }

Simulation::MemoryFootprint Simulation::memory_footprint() const {
  MemoryFootprint footprint;
  for (const auto& rec : impl_->projections_) {
    if (rec.synapses) footprint.synapses += rec.synapses->MemoryBytes();
    if (rec.dynamics) footprint.synapses += rec.dynamics->MemoryBytes();
  }
  for (const auto& pop : impl_->populations_)
    footprint.ring_buffers += pop.cells->input().MemoryBytes();
  footprint.recording = impl_->recorder_.memory_bytes();
  footprint.spilled_recording = impl_->recorder_.recorded_bytes() - footprint.recording;
  return footprint;
}
std::vector<int> Simulation::PopulationThreads() const {
  if (!impl_->split_ || impl_->split_version_ != impl_->network_version_) return {};
  return impl_->split_->owner;
}
double Simulation::min_delay_ms() const { return impl_->config_.min_delay_ms; }
double Simulation::max_delay_ms() const { return impl_->config_.max_delay_ms; }

absl::StatusOr<PopulationInfo> Simulation::AddPopulation(const PopulationSpec& spec) {
  Impl& m = *impl_;
  if (spec.size <= 0 || spec.size > 0xFFFFFFFFll)
    return InvalidArgument("size", reason::kOutOfRange,
                           absl::StrCat("size must be in [1, 2^32), got ", spec.size));
  if (m.num_neurons_ + spec.size > m.config_.limits.max_neurons)
    return ResourceExhausted(
        "size", reason::kLimitExceeded,
        absl::StrCat("the session may hold at most ", m.config_.limits.max_neurons,
                     " neurons; it has ", m.num_neurons_, ", ", spec.size, " more requested"));
  const CellTypeInfo* type = FindCellType(spec.cell_type);
  if (type == nullptr)
    return InvalidArgument(
        "cell_type", reason::kUnknownCellType,
        absl::StrCat("unknown cell type '", spec.cell_type, "'; known: ", Names(CellTypes())));
  const uint64_t structure_seed =
      spec.structure.seed != 0
          ? spec.structure.seed
          : HashCombine(HashCombine(m.seed_, static_cast<uint64_t>(RngPurpose::kCellPosition)),
                        m.populations_.size());
  if (auto positions = GeneratePositions(spec.structure, spec.size, structure_seed);
      !positions.ok())
    return positions.status();

  Impl::Population pop;
  pop.info.id = static_cast<PopulationId>(m.populations_.size());
  pop.info.first_id = m.num_neurons_ + 1;
  pop.info.size = static_cast<uint64_t>(spec.size);
  pop.info.label = spec.label.empty() ? absl::StrCat("population", pop.info.id) : spec.label;
  pop.info.cell_type = type->name;
  pop.structure = spec.structure;
  pop.structure_seed = structure_seed;
  pop.cells = MakeCellGroup(*type, static_cast<uint32_t>(spec.size), {m.seed_, pop.info.first_id});
  pop.cells->input().Resize(spec.size, type->receptor_types.size(), Impl::RingSlots(0));
  std::vector<uint32_t> all(spec.size);
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  if (auto s = m.ApplyParameters(pop, all, spec.parameters, "parameters."); !s.ok()) return s;
  if (auto s = m.ApplyInitialValues(pop, all, spec.initial_values, "initial_values."); !s.ok())
    return s;
  pop.cells->Reset(m.trial_);
  m.num_neurons_ += spec.size;
  m.recorder_.AddPopulation(pop.info.id, *type, static_cast<uint32_t>(spec.size));
  m.populations_.push_back(std::move(pop));
  ++m.network_version_;
  return m.populations_.back().info;
}

absl::StatusOr<PopulationInfo> Simulation::DescribePopulation(PopulationId id) const {
  auto p = impl_->Find(id, "population");
  if (!p.ok()) return p.status();
  return (*p)->info;
}

std::vector<PopulationInfo> Simulation::Populations() const {
  std::vector<PopulationInfo> out;
  for (const auto& p : impl_->populations_) out.push_back(p.info);
  return out;
}

absl::StatusOr<std::vector<std::array<double, 3>>> Simulation::Positions(
    const Selector& cells) const {
  auto idx = impl_->Cells(cells, "");
  if (!idx.ok()) return idx.status();
  const std::vector<std::array<double, 3>> all = impl_->PositionsOf(cells.population);
  std::vector<std::array<double, 3>> out;
  for (uint32_t i : *idx) out.push_back(all[i]);
  return out;
}

absl::Status Simulation::SetPositions(const Selector& cells,
                                      const std::vector<std::array<double, 3>>& positions) {
  auto idx = impl_->Cells(cells, "cells");
  if (!idx.ok()) return idx.status();
  if (positions.size() != idx->size())
    return InvalidArgument(
        "positions", reason::kWrongLength,
        absl::StrCat("expected ", idx->size(), " positions (x, y, z), got ", positions.size()));
  for (size_t k = 0; k < positions.size(); ++k)
    for (double v : positions[k])
      if (!std::isfinite(v))
        return InvalidArgument("positions", reason::kNotFinite,
                               absl::StrCat("position ", k, " is not finite"));
  auto& stored = impl_->populations_[cells.population].set_positions;
  if (stored.empty()) stored = impl_->PositionsOf(cells.population);
  for (size_t k = 0; k < positions.size(); ++k) stored[(*idx)[k]] = positions[k];
  return absl::OkStatus();
}

absl::Status Simulation::SetParameters(const Selector& cells, const ParameterMap& values) {
  auto idx = impl_->Cells(cells, "");
  if (!idx.ok()) return idx.status();
  return impl_->ApplyParameters(impl_->populations_[cells.population], *idx, values, "parameters.");
}

absl::StatusOr<ParameterValue> Simulation::GetParameter(const Selector& cells,
                                                        const std::string& name) const {
  auto idx = impl_->Cells(cells, "");
  if (!idx.ok()) return idx.status();
  const CellGroup& group = *impl_->populations_[cells.population].cells;
  const int k = group.ParameterIndex(name);
  if (k < 0)
    return InvalidArgument("name", reason::kUnknownParameter,
                           absl::StrCat(group.type().name, " has no parameter '", name,
                                        "'; parameters: ", Names(group.type().parameters)));
  if (group.type().parameters[k].kind == ValueKind::kSequence) {
    SequenceList out;
    for (uint32_t i : *idx) out.values.push_back(group.sequences(k)[i]);
    return ParameterValue(std::move(out));
  }
  std::vector<double> out;
  for (uint32_t i : *idx) out.push_back(group.parameter(k)[i]);
  return ParameterValue(std::move(out));
}

absl::Status Simulation::Initialize(const Selector& cells, const ParameterMap& values) {
  auto idx = impl_->Cells(cells, "");
  if (!idx.ok()) return idx.status();
  return impl_->ApplyInitialValues(impl_->populations_[cells.population], *idx, values,
                                   "initial_values.");
}

absl::StatusOr<ParameterValue> Simulation::GetInitialValue(const Selector& cells,
                                                           const std::string& name) const {
  auto idx = impl_->Cells(cells, "");
  if (!idx.ok()) return idx.status();
  const CellGroup& group = *impl_->populations_[cells.population].cells;
  const int k = group.StateIndex(name);
  if (k < 0)
    return InvalidArgument("name", reason::kUnknownVariable,
                           absl::StrCat(group.type().name, " has no state variable '", name, "'"));
  std::vector<double> out;
  for (uint32_t i : *idx) out.push_back(group.initial_value(k)[i]);
  return ParameterValue(std::move(out));
}

absl::StatusOr<ProjectionInfo> Simulation::AddProjection(const ProjectionSpec& spec) {
  Impl& m = *impl_;
  const ProjectionId id = static_cast<ProjectionId>(m.projections_.size());
  std::vector<std::pair<PopulationId, uint32_t>> pre, post;
  std::vector<uint64_t> pre_gids, post_gids;
  if (auto s = m.ResolveCellSet(spec.pre, "pre", &pre, &pre_gids); !s.ok()) return s;
  if (auto s = m.ResolveCellSet(spec.post, "post", &post, &post_gids); !s.ok()) return s;
  Impl::ProjectionRecord rec;
  const bool gap = spec.synapse.type == "ElectricalSynapse";
  if (gap != (spec.receptor_type == kGapReceptor))
    return InvalidArgument(
        gap ? "receptor_type" : "synapse.type", reason::kConflict,
        absl::StrCat("gap junctions are ElectricalSynapse projections with receptor_type '",
                     kGapReceptor, "'; got synapse type ", spec.synapse.type,
                     " with receptor_type '", spec.receptor_type, "'"));
  if (gap) {
    // Bidirectional: the pre cells take the junction's current too.
    for (const auto& [pid, i] : pre) {
      const CellTypeInfo& type = m.populations_[pid].cells->type();
      if (ReceptorIndex(type, kGapReceptor) < 0)
        return InvalidArgument(
            "pre", reason::kUnknownReceptorType,
            absl::StrCat("gap junctions act on both cells, and ", type.name,
                         " cannot take one (only cell types with receptor type '", kGapReceptor,
                         "' can: HH_cond_exp)"));
    }
    if (spec.synapse.parameters.count("delay") ||
        std::count(spec.connector.column_names.begin(), spec.connector.column_names.end(), "delay"))
      return InvalidArgument("synapse.parameters.delay", reason::kUnknownParameter,
                             "ElectricalSynapse has no delay: a gap junction acts at once");
  }
  std::vector<PopulationId> post_pops;
  int receptor = -1;
  for (const auto& [pid, i] : post) {
    if (std::find(post_pops.begin(), post_pops.end(), pid) != post_pops.end()) continue;
    const CellTypeInfo& type = m.populations_[pid].cells->type();
    const int r = ReceptorIndex(type, spec.receptor_type);
    if (r < 0)
      return InvalidArgument(
          "receptor_type", reason::kUnknownReceptorType,
          absl::StrCat(
              "'", spec.receptor_type, "' is not a receptor type of ", type.name,
              "; receptor types: ",
              type.receptor_types.empty() ? "(none)" : absl::StrJoin(type.receptor_types, ", ")));
    receptor = r;
    rec.conductance_target |= type.conductance_based;
    post_pops.push_back(pid);
  }
  const uint64_t connector_seed =
      spec.connector.seed != 0
          ? spec.connector.seed
          : HashCombine(HashCombine(m.seed_, static_cast<uint64_t>(RngPurpose::kSeedDerivation)),
                        id);
  auto space = Space::Create(spec.space);
  if (!space.ok()) return space.status();
  CellSequence pre_cells(pre), post_cells(post);
  const PairDistances distances(*space, m.PositionsOf(pre_cells), m.PositionsOf(post_cells));
  std::optional<ConnectionList> reference;
  if (spec.connector.name != "CloneConnector" && spec.connector.reference_projection != 0)
    return InvalidArgument("connector.reference_projection_id", reason::kConflict,
                           "a reference projection is only for CloneConnector");
  if (spec.connector.name == "CloneConnector") {
    const ProjectionId ref = spec.connector.reference_projection;
    if (ref >= m.projections_.size())
      return NotFound("connector.reference_projection_id", reason::kUnknownProjection,
                      absl::StrCat("no projection with id ", ref));
    if (m.projections_[ref].pre_cells != pre_cells || m.projections_[ref].post_cells != post_cells)
      return InvalidArgument("connector.reference_projection_id", reason::kConflict,
                             absl::StrCat("pre and post must be the cells of projection ", ref,
                                          ", in the same order"));
    auto table = GetConnections(ref, {});
    if (!table.ok()) return table.status();
    reference = ConnectionList{std::move(table->pre), std::move(table->post), {}};
  }
  auto conns = Connect(spec.connector, pre_gids, post_gids, connector_seed, distances,
                       reference ? &*reference : nullptr, &m.pool_);
  if (!conns.ok()) return conns.status();
  if (m.num_synapses_ + conns->pre.size() > m.config_.limits.max_synapses)
    return ResourceExhausted(
        "connector", reason::kLimitExceeded,
        absl::StrCat("the session may hold at most ", m.config_.limits.max_synapses,
                     " synapses; it has ", m.num_synapses_, ", ", conns->pre.size(),
                     " more requested"));
  std::vector<PostTarget> targets(post.size());
  std::vector<RingBuffer*> rings;
  for (PopulationId pid : post_pops) rings.push_back(&m.populations_[pid].cells->input());
  for (size_t k = 0; k < post.size(); ++k) {
    const uint32_t part = static_cast<uint32_t>(
        std::find(post_pops.begin(), post_pops.end(), post[k].first) - post_pops.begin());
    targets[k] = {part, post[k].second};
  }
  rec.n_pre = static_cast<uint32_t>(pre.size());
  rec.n_post = static_cast<uint32_t>(post.size());
  rec.post_populations = post_pops;
  rec.space = *space;
  rec.pre_cells = std::move(pre_cells);
  rec.post_cells = std::move(post_cells);
  rec.synapses = std::make_unique<Projection>(
      id, spec.label.empty() ? absl::StrCat("projection", id) : spec.label,
      receptor < 0 ? 0 : receptor, rec.n_pre, conns->pre, std::move(conns->post),
      static_cast<uint16_t>(m.min_delay_steps_), std::move(targets), std::move(rings));
  auto dynamics = MakeSynapseDynamics(spec.synapse.type, spec.synapse.timing_dependence,
                                      spec.synapse.weight_dependence, *rec.synapses);
  if (!dynamics.ok()) return dynamics.status();
  rec.dynamics = std::move(*dynamics);
  if (gap) {
    std::vector<std::pair<uint32_t, uint32_t>> pre_cells(pre.begin(), pre.end());
    rec.gap =
        std::make_unique<GapJunctions>(*rec.synapses, std::move(pre_cells),
                                       std::vector<uint32_t>(post_pops.begin(), post_pops.end()));
  }
  if (auto s = m.AssignSynapses(rec, spec.synapse.parameters, conns->columns, true,
                                "synapse.parameters.");
      !s.ok())
    return s;
  // Only now that nothing can fail is the network changed.
  const Projection& proj = *rec.synapses;
  if (rec.gap) {
    for (uint32_t pid : rec.gap->Populations()) {
      Impl::Population& pop = m.populations_[pid];
      pop.gap_g.assign(pop.info.size, 0.0);
      pop.gap_ge.assign(pop.info.size, 0.0);
    }
  }
  for (size_t k = 0; k < pre.size() && !rec.gap; ++k) {
    auto& outgoing = m.populations_[pre[k].first].outgoing;
    if (outgoing.empty() || outgoing.back().first != id)
      outgoing.emplace_back(id, RowOfCell(m.populations_[pre[k].first].info.size));
    outgoing.back().second.Add(pre[k].second, static_cast<uint32_t>(k));
  }
  if (rec.dynamics && rec.dynamics->plastic())
    for (uint32_t part = 0; part < post_pops.size(); ++part)
      m.populations_[post_pops[part]].plastic_incoming.emplace_back(id, part);
  m.num_synapses_ += proj.size();
  const ProjectionInfo info{id, proj.size(), proj.label(), rec.n_pre, rec.n_post};
  m.projections_.push_back(std::move(rec));
  ++m.network_version_;
  m.UpdateDelayBounds();
  return info;
}

absl::StatusOr<ProjectionInfo> Simulation::DescribeProjection(ProjectionId id) const {
  if (id >= impl_->projections_.size())
    return NotFound("projection", reason::kUnknownProjection,
                    absl::StrCat("no projection with id ", id));
  const Impl::ProjectionRecord& rec = impl_->projections_[id];
  return ProjectionInfo{id, rec.synapses->size(), rec.synapses->label(), rec.n_pre, rec.n_post};
}

std::vector<ProjectionInfo> Simulation::Projections() const {
  std::vector<ProjectionInfo> out;
  for (ProjectionId id = 0; id < impl_->projections_.size(); ++id) {
    out.push_back(*DescribeProjection(id));
  }
  return out;
}

absl::StatusOr<ConnectionTable> Simulation::GetConnections(
    ProjectionId id, const std::vector<std::string>& names) const {
  if (id >= impl_->projections_.size())
    return NotFound("projection", reason::kUnknownProjection,
                    absl::StrCat("no projection with id ", id));
  const Impl::ProjectionRecord& rec = impl_->projections_[id];
  const Projection& p = *rec.synapses;
  const SynapseDynamics* dyn = rec.dynamics.get();
  ConnectionTable table;
  for (size_t k = 0; k < names.size(); ++k)
    if (names[k] != "weight" && names[k] != "delay" &&
        (dyn == nullptr || !dyn->has_parameter(names[k])))
      return InvalidArgument(
          absl::StrCat("names[", k, "]"), reason::kUnknownParameter,
          absl::StrCat(dyn ? dyn->type().name : std::string("StaticSynapse"), " has no parameter '",
                       names[k], "'; parameters: ", impl_->ParameterNames(rec)));
  const std::vector<uint64_t> order = p.CanonicalOrder();
  auto canonical = [&](const auto& storage) {
    std::vector<std::decay_t<decltype(storage[0])>> out(order.size());
    for (size_t c = 0; c < order.size(); ++c) out[c] = storage[order[c]];
    return out;
  };
  table.pre = canonical(p.PrePositions());
  table.post = canonical(p.post());
  for (const auto& name : names) {
    auto& col = table.values[name];
    if (name == "weight") {
      col = canonical(p.weights());
    } else if (name == "delay") {
      for (uint16_t d : canonical(p.Delays())) col.push_back(impl_->grid_.Time(d));
    } else if (const SynapseParameter* param = dyn->connection_parameter(name)) {
      col = canonical(param->Expand(p.size()));
    } else {
      col.assign(p.size(), dyn->parameters().at(name));
    }
  }
  return table;
}

absl::Status Simulation::SetSynapseParameters(ProjectionId id, const ParameterMap& values) {
  if (id >= impl_->projections_.size())
    return NotFound("projection", reason::kUnknownProjection,
                    absl::StrCat("no projection with id ", id));
  auto s = impl_->AssignSynapses(impl_->projections_[id], values, {}, false, "parameters.");
  if (s.ok()) impl_->UpdateDelayBounds();
  return s;
}

absl::Status Simulation::InitializeSynapses(ProjectionId id, const ParameterMap& values) {
  if (id >= impl_->projections_.size())
    return NotFound("projection", reason::kUnknownProjection,
                    absl::StrCat("no projection with id ", id));
  Impl::ProjectionRecord& rec = impl_->projections_[id];
  std::vector<std::pair<std::vector<double>*, std::vector<double>>> staged;
  for (const auto& [name, value] : values) {
    const std::string field = "initial_values." + name;
    std::vector<double>* initial = rec.dynamics ? rec.dynamics->initial(name) : nullptr;
    if (initial == nullptr)
      return InvalidArgument(
          field, reason::kUnknownVariable,
          absl::StrCat(rec.dynamics ? rec.dynamics->type().name : std::string("StaticSynapse"),
                       " has no state variable '", name, "'"));
    auto v = impl_->SynapseValues(name, value, rec, rec.synapses->CanonicalOrder(),
                                  rec.synapses->size(), field);
    if (!v.ok()) return v.status();
    for (double x : *v)
      if (!std::isfinite(x))
        return InvalidArgument(field, reason::kNotFinite, absl::StrCat(name, " must be finite"));
    staged.emplace_back(initial, std::move(*v));
  }
  for (auto& [initial, v] : staged) std::swap(*initial, v);
  if (auto s = rec.dynamics ? rec.dynamics->CheckInitial("initial_values.") : absl::OkStatus();
      !s.ok()) {
    for (auto& [initial, v] : staged) std::swap(*initial, v);
    return s;
  }
  // Before the first step the state *is* the initial value.
  if (impl_->step_ == 0 && rec.dynamics) rec.dynamics->Reset();
  return absl::OkStatus();
}

namespace {
absl::Status ApplySourceParameters(CurrentSource& source, const ParameterMap& values,
                                   const TimeGrid& grid) {
  CurrentSource staged = source;
  for (const auto& [name, value] : values) {
    const std::string field = "parameters." + name;
    if (staged.parameters().count(name) == 0 && staged.sequences().count(name) == 0)
      return InvalidArgument(field, reason::kUnknownParameter,
                             absl::StrCat(source.info().name, " has no parameter '", name,
                                          "'; parameters: ", Names(source.info().parameters)));
    if (staged.sequences().count(name) != 0) {
      const Sequence* seq = std::get_if<Sequence>(&value);
      if (seq == nullptr)
        return InvalidArgument(field, reason::kWrongType, absl::StrCat(name, " takes a Sequence"));
      for (double v : seq->values)
        if (!std::isfinite(v))
          return InvalidArgument(field, reason::kNotFinite,
                                 absl::StrCat("every value of ", name, " must be finite"));
      staged.sequences()[name] = seq->values;
      continue;
    }
    const double* d = std::get_if<double>(&value);
    if (d == nullptr)
      return InvalidArgument(field, reason::kWrongType, absl::StrCat(name, " takes a number"));
    if (!std::isfinite(*d))
      return InvalidArgument(field, reason::kNotFinite, absl::StrCat(name, " must be finite"));
    staged.parameters()[name] = *d;
  }
  if (auto s = staged.Check(grid); !s.ok()) return s;
  source.parameters() = staged.parameters();
  source.sequences() = staged.sequences();
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<CurrentSourceId> Simulation::AddCurrentSource(const CurrentSourceSpec& spec) {
  const CurrentSourceInfo* info = nullptr;
  for (const auto& c : CurrentSources())
    if (c.name == spec.type) info = &c;
  if (info == nullptr)
    return InvalidArgument(
        "type", reason::kUnknownCurrentSource,
        absl::StrCat("unknown current source '", spec.type, "'; known: ", Names(CurrentSources())));
  CurrentSource source(*info);
  if (auto s = ApplySourceParameters(source, spec.parameters, impl_->grid_); !s.ok()) return s;
  impl_->sources_.push_back(std::move(source));
  return static_cast<CurrentSourceId>(impl_->sources_.size() - 1);
}

absl::Status Simulation::SetCurrentSourceParameters(CurrentSourceId id,
                                                    const ParameterMap& values) {
  if (auto s = impl_->FindSource(id, "current_source"); !s.ok()) return s;
  return ApplySourceParameters(impl_->sources_[id], values, impl_->grid_);
}

absl::StatusOr<ParameterMap> Simulation::CurrentSourceParameters(CurrentSourceId id) const {
  if (auto s = impl_->FindSource(id, "current_source"); !s.ok()) return s;
  return impl_->sources_[id].Applied(impl_->grid_);
}

absl::Status Simulation::Inject(CurrentSourceId id, const Selector& cells) {
  if (auto s = impl_->FindSource(id, "current_source"); !s.ok()) return s;
  auto idx = impl_->Cells(cells, "cells");
  if (!idx.ok()) return idx.status();
  auto& pop = impl_->populations_[cells.population];
  if (!pop.cells->type().injectable)
    return InvalidArgument(
        "cells", reason::kNotInjectable,
        absl::StrCat(pop.cells->type().name, " cells cannot receive injected current"));
  if (pop.injected.empty()) pop.injected.assign(pop.info.size, 0.0);
  impl_->sources_[id].targets().emplace_back(cells.population, std::move(*idx));
  return absl::OkStatus();
}

absl::Status Simulation::Record(const Selector& cells, const std::vector<std::string>& variables,
                                double sampling_interval_ms) {
  auto idx = impl_->Cells(cells, "cells");
  if (!idx.ok()) return idx.status();
  const TimeGrid& grid = impl_->grid_;
  uint64_t interval = 1;
  if (sampling_interval_ms != 0) {
    if (!std::isfinite(sampling_interval_ms) || sampling_interval_ms < 0 ||
        grid.BelowOneStep(sampling_interval_ms))
      return InvalidArgument(
          "sampling_interval_ms", reason::kOutOfRange,
          absl::StrCat("sampling interval must be >= the time step ", grid.dt(), " ms"));
    if (!grid.OnGrid(sampling_interval_ms))
      return InvalidArgument(
          "sampling_interval_ms", reason::kNotOnTimeGrid,
          absl::StrCat("sampling interval ", sampling_interval_ms,
                       " ms is not a multiple of the time step ", grid.dt(), " ms"));
    interval = static_cast<uint64_t>(grid.Steps(sampling_interval_ms));
  }
  return impl_->recorder_.Record(cells.population, *idx, variables, interval, impl_->step_);
}

absl::Status Simulation::StopRecording(const Selector& cells,
                                       const std::vector<std::string>& variables) {
  auto idx = impl_->Cells(cells, "cells");
  if (!idx.ok()) return idx.status();
  return impl_->recorder_.Stop(cells.population, *idx, variables);
}

absl::Status Simulation::ClearRecording(const std::vector<PopulationId>& populations) {
  for (size_t k = 0; k < populations.size(); ++k)
    if (auto p = impl_->Find(populations[k], absl::StrCat("populations[", k, "]")); !p.ok())
      return p.status();
  for (PopulationId id : populations) impl_->recorder_.Clear(id, impl_->step_);
  return absl::OkStatus();
}

absl::Status Simulation::RecordCurrentSource(CurrentSourceId id) {
  if (auto s = impl_->FindSource(id, "current_source"); !s.ok()) return s;
  impl_->recorder_.RecordSource(id, impl_->step_);
  return absl::OkStatus();
}

absl::Status Simulation::ClearCurrentSourceRecording(const std::vector<CurrentSourceId>& sources) {
  for (size_t k = 0; k < sources.size(); ++k) {
    const std::string field = absl::StrCat("sources[", k, "]");
    if (auto s = impl_->FindSource(sources[k], field); !s.ok()) return s;
    const auto recorded = impl_->recorder_.RecordedSources();
    if (std::find(recorded.begin(), recorded.end(), sources[k]) == recorded.end())
      return FailedPrecondition(field, reason::kNotRecordable,
                                absl::StrCat("current source ", sources[k], " is not recorded"));
  }
  for (CurrentSourceId id : sources) impl_->recorder_.ClearSource(id, impl_->step_);
  return absl::OkStatus();
}

const std::vector<Segment>& Simulation::segments() const { return impl_->recorder_.segments(); }

void Simulation::SetSpillStore(std::shared_ptr<SpillStore> store, uint64_t memory_budget_bytes) {
  impl_->recorder_.SetSpillStore(std::move(store), memory_budget_bytes);
}

absl::StatusOr<RunResult> Simulation::Run(double duration_ms, const RunControl& control) {
  if (!std::isfinite(duration_ms) || duration_ms < 0)
    return InvalidArgument("duration_ms", reason::kOutOfRange,
                           absl::StrCat("duration must be finite and >= 0, got ", duration_ms));
  return impl_->RunTo(impl_->step_ + impl_->grid_.Steps(duration_ms), control);
}

absl::StatusOr<RunResult> Simulation::RunUntil(double t_ms, const RunControl& control) {
  if (!std::isfinite(t_ms))
    return InvalidArgument("t_ms", reason::kNotFinite, "target time must be finite");
  const int64_t target = impl_->grid_.Steps(t_ms);
  if (target < static_cast<int64_t>(impl_->step_))
    return InvalidArgument(
        "t_ms", reason::kOutOfRange,
        absl::StrCat("target time ", t_ms, " ms is before the current time ", time_ms(), " ms"));
  return impl_->RunTo(static_cast<uint64_t>(target), control);
}

absl::Status Simulation::Reset(const std::map<std::string, std::string>& annotations) {
  Impl& m = *impl_;
  const bool advanced = m.step_ > 0;
  m.recorder_.Reset(annotations, advanced);
  if (advanced) {
    ++m.trial_;
    m.step_ = 0;
    for (auto& p : m.populations_) p.cells->Reset(m.trial_);
    for (auto& rec : m.projections_)
      if (rec.dynamics) rec.dynamics->Reset();
  }
  m.recorder_.SetTime(0.0);
  return absl::OkStatus();
}

}  // namespace spikeserve::engine
