// The integrate-and-fire cell group: one loop for every LIF-like model, with
// what differs between them factored into two compile-time policies:
//
//  - Kernel (synaptic_kernel.h): how synaptic input evolves (exp, alpha, delta);
//  - Membrane: how v moves over one step given that input (exact propagator,
//    exponential midpoint, ...), plus any extra state it carries (adaptation
//    conductances, spike-triggered currents) and, optionally, escape noise.
//
// Refractoriness, threshold, reset and spike emission exist only here. Per
// step and cell: synaptic input arriving in this step is received (time
// grid: input applies from the start of the step), then either the cell is
// refractory and v is held at v_reset, or the membrane advances v over the
// step and the cell fires if v >= v_thresh (or, for escape-noise membranes,
// with the membrane's hazard). A spike resets v to v_reset, starts
// tau_refrac of clamping and is emitted at the end of the step.
//
// A step is two passes: one over every cell that vectorises (no branches, so
// the membrane's Step, Advance and the kernels must inline to arithmetic),
// and one over the few cells marked as possibly firing. Cell i's constants
// are read at index p: p = i, or p = 0 when every cell of the group has the
// same constants (the usual case), so that they stay in registers instead of
// streaming through the cache every step.
//
// A Membrane provides:
//   kSynapseVariables        names of the two synaptic state variables, or ""
//   kEscapeNoise             true: Fires(i, v, uniform) decides, not v_thresh
//   kSharedConstants         false: constants are per cell whatever the values
//   Resize(n)                per-cell state for n cells
//   Prepare(group, grid, n)  constants lowered for n cells: 1 (shared) or all
//   Reset(group)
//   RefractoryMs(group, n)   refractory periods (ms), lowered as in Prepare
//   Step<Kernel>(i, p, v, injected, exc, inh) -> v at the end of the step
//   Advance(i, p)            extra state to the end of the step (every step)
//   OnSpike(i)               extra state's jump at a spike, after Advance
//   Fires(i, v, u)           escape noise only: spike if u (uniform) < hazard
//   Variable(name)           extra recordables
#ifndef SPIKESERVE_ENGINE_INTEGRATE_AND_FIRE_H_
#define SPIKESERVE_ENGINE_INTEGRATE_AND_FIRE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cell_group.h"
#include "engine/counter_rng.h"
#include "engine/float_bits.h"
#include "engine/marked_cells.h"
#include "engine/synaptic_kernel.h"
#include "engine/vector_clones.h"
#include "engine/vector_exp.h"

namespace spikeserve::engine {

template <class Membrane, class Kernel>
class IntegrateAndFire : public CellGroup {
 public:
  IntegrateAndFire(const CellTypeInfo& type, uint32_t size, const CellGroupContext& context)
      : CellGroup(type, size), context_(context) {
    input_.Resize(size, 2, 1);
    exc_.Resize(size);
    inh_.Resize(size);
    v_.assign(size, 0.0);
    refractory_left_.assign(size, 0);
    candidate_.assign(MarkedWords(size) * 8, Mark::kNo);
    membrane_.Resize(size);
    Reset(0);
  }

  void Prepare(const TimeGrid& grid, uint64_t) override {
    uniform_ = Membrane::kSharedConstants && ParametersUniform();
    const uint32_t n = uniform_ ? 1 : size_;
    if constexpr (!Kernel::kDelta) {
      exc_.Prepare(parameter("tau_syn_E"), grid.dt(), n);
      inh_.Prepare(parameter("tau_syn_I"), grid.dt(), n);
    }
    membrane_.Prepare(*this, grid, n);
    const CellColumn& v_reset = parameter("v_reset");
    v_reset_ = v_reset.Values(n);
    if constexpr (!Membrane::kEscapeNoise) v_thresh_ = parameter("v_thresh").Values(n);
    const std::vector<double> tau_refrac = membrane_.RefractoryMs(*this, n);
    refractory_steps_.resize(n);
    for (uint32_t p = 0; p < n; ++p)
      refractory_steps_[p] = static_cast<int32_t>(grid.Steps(tau_refrac[p]));
    uniform_reset_ = uniform_ || (v_reset.uniform() && IsUniform(refractory_steps_));
  }

  void Reset(uint64_t trial) override {
    trial_ = trial;
    const int v = StateIndex("v");
    const int e = StateIndex(Membrane::kSynapseVariables[0]);
    const int in = StateIndex(Membrane::kSynapseVariables[1]);
    for (uint32_t i = 0; i < size_; ++i) {
      v_[i] = initial_values_[v][i];
      exc_.SetValue(i, e < 0 ? 0.0 : initial_values_[e][i]);
      inh_.SetValue(i, in < 0 ? 0.0 : initial_values_[in][i]);
      refractory_left_[i] = 0;
    }
    membrane_.Reset(*this);
    input_.Clear();
  }

  void Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) override {
    UpdateRange(ctx, 0, size_, spikes);
  }

  // Cells interact only through synapses, which deliver between steps.
  bool Splittable() const override { return true; }

  void UpdateRange(const StepContext& ctx, uint32_t begin, uint32_t end,
                   std::vector<SpikeEvent>& spikes) override {
    // Shared constants and no injected current are the usual case; each has
    // its own loop so that neither streams an array it does not need.
    if (uniform_) {
      ctx.injected ? AdvanceCells<true, true>(ctx, begin, end)
                   : AdvanceCells<true, false>(ctx, begin, end);
    } else {
      ctx.injected ? AdvanceCells<false, true>(ctx, begin, end)
                   : AdvanceCells<false, false>(ctx, begin, end);
    }
    EmitSpikes(ctx, begin, end, spikes);
  }

  const std::vector<double>* Variable(const std::string& name) const override {
    if (name == "v") return &v_;
    if (name == Membrane::kSynapseVariables[0]) return &exc_.value;
    if (name == Membrane::kSynapseVariables[1]) return &inh_.value;
    return membrane_.Variable(name);
  }

 private:
  // Whether steps take the membrane's series form (lif_conductance.h).
  // Every cell takes it, and a cell whose exponent turns out to be outside
  // the series' range (OutsideSeriesRange) keeps its v; those cells are then
  // stepped again in exact form (RedoOutsideSeriesRange), before the marks'
  // own loop. So that the redo finds the same cells and conductances, the
  // step takes its midpoint conductances from the values at its end: for
  // the exponential kernel a fixed multiple of them (the alpha kernel's
  // midpoint depends on its slope too). Checking every cell before the step
  // instead, in a pass of its own, cost most of the series' gain
  // (bench/RESULTS.md, session 13).
  static constexpr bool kSeriesSteps =
      Membrane::kSeriesStep && Membrane::kMarksInOwnLoop && !Kernel::kAlpha && !Kernel::kDelta;

  using Synapses = SynapticState<Kernel>;

  // One cell's constants for its step, as values (SynapticCell).
  struct StepConstants {
    typename Membrane::Constants membrane;
    typename Synapses::Constants exc, inh;
    double v_reset;   // mV
    double v_thresh;  // mV; escape noise: unused
  };

  // Every cell over one step. Marks in candidate_ the cells that may fire:
  // those crossing v_thresh, or with escape noise every cell that is not
  // refractory.
  template <bool kUniform, bool kInjected>
  void AdvanceCells(const StepContext& ctx, uint32_t begin, uint32_t end) {
    if (!StepCells<kUniform, kInjected>(ctx, begin, end))
      RedoOutsideSeriesRange<kUniform, kInjected>(ctx, begin, end);
    if constexpr (Membrane::kMarksInOwnLoop) MarkCells<kUniform>(begin, end);
  }

  // Whether the step of a cell whose synaptic values it advanced to exc
  // and inh had an exponent outside the series' range; constants k. The
  // exponent's bits compare as an unsigned integer: a negative exponent or a
  // NaN is outside too, in one vector instruction.
  static bool OutsideSeriesRange(const StepConstants& k, const SynapticCell& exc,
                                 const SynapticCell& inh) {
    return BitsOf(Membrane::Exponent(k.membrane, Synapses::MidpointFromEnd(exc, k.exc),
                                     Synapses::MidpointFromEnd(inh, k.inh))) >
           BitsOf(kOneMinusExpOverXMax);
  }

  // Cells [begin, end) that the series step left at their v, in exact form:
  // a vectorised pass over all of them that keeps the others' v, so that a
  // network whose exponents leave the range in most steps (strong
  // conductances, a coarse time step) costs no more than a series and an
  // exact step.
  template <bool kUniform, bool kInjected>
  SPIKESERVE_VECTOR_CLONES void RedoOutsideSeriesRange(const StepContext& ctx, uint32_t begin,
                                                       uint32_t end) {
    if constexpr (kSeriesSteps) {
      const double* __restrict injected = ctx.injected;
      const int32_t* __restrict refractory_left = refractory_left_.data();
      double* __restrict v = v_.data();
      const StepConstants shared = ConstantsAt(0);
#pragma GCC ivdep
      for (uint32_t i = begin; i < end; ++i) {
        const StepConstants k = kUniform ? shared : ConstantsAt(i);
        const SynapticCell exc = Synapses::Load(exc_.value.data(), exc_.slope.data(), i);
        const SynapticCell inh = Synapses::Load(inh_.value.data(), inh_.slope.data(), i);
        // A refractory cell is at v_reset either way.
        const bool redo = (refractory_left[i] <= 0) & OutsideSeriesRange(k, exc, inh);
        const double exact = Membrane::Relax(
            k.membrane, v[i], Synapses::MidpointFromEnd(exc, k.exc),
            Synapses::MidpointFromEnd(inh, k.inh), 0.0, 0.0, kInjected ? injected[i] : 0.0);
        v[i] = redo ? exact : v[i];
      }
    }
  }

  // Cells [begin, end) over one step, without branches so that the loop
  // vectorises (cell_group.h): refractory cells compute a step too, and keep
  // v_reset. Marks them too unless the marks have their own loop. Returns
  // whether every cell is done: false if a series step left cells to redo.
  template <bool kUniform, bool kInjected>
  SPIKESERVE_VECTOR_CLONES bool StepCells(const StepContext& ctx, uint32_t begin, uint32_t end) {
    RingBuffer::Input* __restrict in_exc = input_.Slot(0, ctx.step);
    RingBuffer::Input* __restrict in_inh = input_.Slot(1, ctx.step);
    const double* __restrict injected = ctx.injected;
    double* __restrict v = v_.data();
    int32_t* __restrict refractory_left = refractory_left_.data();
    Mark* __restrict candidate = candidate_.data();
    // The synaptic state, loaded and stored once per cell (SynapticCell).
    double* __restrict exc_value = exc_.value.data();
    double* __restrict exc_slope = exc_.slope.data();
    double* __restrict inh_value = inh_.value.data();
    double* __restrict inh_slope = inh_.slope.data();
    // Read here once when shared: the loop's stores could otherwise make the
    // compiler read them again for every vector of cells (SynapticCell).
    const StepConstants shared = ConstantsAt(0);
    // 64 bits, as wide as the state: with a bool, GCC 12 looks for vectors
    // of 64 floats and vectorises nothing.
    uint64_t left = 0;
    // Cell i's step: its state, v, and unless the marks have their own loop
    // its refractory count and mark. Forced inline: GCC 12 left some
    // instantiations (per-cell constants, the alpha kernel) as a call per
    // cell, compiled for the baseline instead of the clone's target.
    auto step = [&](uint32_t i) __attribute__((always_inline)) {
      const uint32_t p = kUniform ? 0 : i;
      const StepConstants k = kUniform ? shared : ConstantsAt(i);
      const bool refractory = refractory_left[i] > 0;
      SynapticCell exc = Synapses::Load(exc_value, exc_slope, i);
      SynapticCell inh = Synapses::Load(inh_value, inh_slope, i);
      Synapses::Receive(exc, k.exc, in_exc[i]);
      Synapses::Receive(inh, k.inh, in_inh[i]);
      in_exc[i] = 0.0;
      in_inh[i] = 0.0;
      const double v_start = v[i];
      const double input = kInjected ? injected[i] : 0.0;
      double v_end;
      if constexpr (kSeriesSteps) {
        Synapses::Advance(exc, k.exc);
        Synapses::Advance(inh, k.inh);
        const double stepped =
            Membrane::SeriesRelax(k.membrane, v_start, Synapses::MidpointFromEnd(exc, k.exc),
                                  Synapses::MidpointFromEnd(inh, k.inh), input);
        const bool outside = OutsideSeriesRange(k, exc, inh);
        left |= outside;
        v_end = outside ? v_start : refractory ? k.v_reset : stepped;
      } else {
        const double stepped = membrane_.template Step<Kernel>(i, k.membrane, v_start, input,
                                                               SynapticInput<Kernel>{exc, k.exc},
                                                               SynapticInput<Kernel>{inh, k.inh});
        v_end = refractory ? k.v_reset : stepped;
        // Extra state reaches the end of the step before a spike adds to it.
        membrane_.Advance(i, p);
        Synapses::Advance(exc, k.exc);
        Synapses::Advance(inh, k.inh);
      }
      Synapses::Store(exc_value, exc_slope, i, exc);
      Synapses::Store(inh_value, inh_slope, i, inh);
      v[i] = v_end;
      if constexpr (!Membrane::kMarksInOwnLoop)
        CountDownAndMark(i, refractory, v_end, k.v_thresh, refractory_left, candidate);
    };
      // Iteration i touches element i of each array only.
#pragma GCC ivdep
    for (uint32_t i = begin; i < end; ++i) step(i);
    return left == 0;
  }

  // The marks' own loop (Membrane::kMarksInOwnLoop), after every step.
  template <bool kUniform>
  SPIKESERVE_VECTOR_CLONES void MarkCells(uint32_t begin, uint32_t end) {
    const double* __restrict v = v_.data();
    int32_t* __restrict refractory_left = refractory_left_.data();
    Mark* __restrict candidate = candidate_.data();
    const double* __restrict v_thresh = v_thresh_.data();
#pragma GCC ivdep
    for (uint32_t i = begin; i < end; ++i) {
      const double threshold = Membrane::kEscapeNoise ? 0.0 : v_thresh[kUniform ? 0 : i];
      CountDownAndMark(i, refractory_left[i] > 0, v[i], threshold, refractory_left, candidate);
    }
  }

  // Cell i's refractory count and mark, v_end its v at the step's end and
  // threshold its v_thresh (unused with escape noise).
  static void CountDownAndMark(uint32_t i, bool refractory, double v_end, double threshold,
                               int32_t* __restrict refractory_left, Mark* __restrict candidate) {
    refractory_left[i] -= refractory;
    if constexpr (Membrane::kEscapeNoise) {
      candidate[i] = static_cast<Mark>(!refractory);
    } else {
      candidate[i] = static_cast<Mark>(!refractory & (v_end >= threshold));
    }
  }

  // Cell p's constants, or every cell's when they are shared (p = 0).
  StepConstants ConstantsAt(uint32_t p) const {
    StepConstants k{membrane_.At(p), exc_.At(p), inh_.At(p), v_reset_[p], 0.0};
    if constexpr (!Membrane::kEscapeNoise) k.v_thresh = v_thresh_[p];
    return k;
  }

  void EmitSpikes(const StepContext& ctx, uint32_t begin, uint32_t end,
                  std::vector<SpikeEvent>& spikes) {
    const double* v_reset = v_reset_.data();
    ForEachMarked(candidate_, begin, end, [&](uint32_t i) {
      if constexpr (Membrane::kEscapeNoise) {
        CounterRng rng(context_.seed, RngPurpose::kEscapeNoise, context_.first_gid + i, ctx.step,
                       trial_);
        if (!membrane_.Fires(i, v_[i], rng.Uniform())) return;
      }
      spikes.push_back({i, 1});
      // Shared constants are read at index 0: a firing cell's own entry of
      // the per-cell columns, which the update loop never touches then, is
      // a cache miss per spike.
      const uint32_t p = uniform_reset_ ? 0 : i;
      v_[i] = v_reset[p];
      refractory_left_[i] = refractory_steps_[p];
      membrane_.OnSpike(i);
    });
  }

  const CellGroupContext context_;
  uint64_t trial_ = 0;
  // Every cell has the same constants (Prepare): they are lowered once, and
  // read at index 0.
  bool uniform_ = false;
  bool uniform_reset_ = false;  // ... the same v_reset and refractory steps
  std::vector<double> v_;       // mV
  SynapticState<Kernel> exc_, inh_;
  std::vector<int32_t> refractory_left_;
  // Constants, one entry or one per cell (uniform_).
  std::vector<double> v_reset_, v_thresh_;  // mV
  std::vector<int32_t> refractory_steps_;
  std::vector<Mark> candidate_;  // per cell, padded to whole words
  Membrane membrane_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_INTEGRATE_AND_FIRE_H_
