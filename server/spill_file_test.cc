// Bounded memory: recorded signals, spikes and currents beyond the budget go
// to the session's HDF5 spill file and read back bitwise identical to a run
// that kept everything in memory, through clears, resets, channels added
// after a spill and a disk that is full.
#include "server/spill_file.h"

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/simulation.h"
#include "gtest/gtest.h"
#include "hdf5.h"

namespace spikeserve::server {
namespace {

using engine::Selector;
using engine::Sequence;
using engine::SignalData;
using engine::Simulation;

constexpr uint64_t kBudget = 64 << 10;  // bytes; one v row of 40 cells is 320

// 40 spiking cells (a different drive each) recording spikes, v of cells
// 0..v_cells-1 and gsyn_exc of cells 0..19; the same network whatever the
// store.
struct Network {
  std::unique_ptr<Simulation> sim;
  engine::PopulationId cells = 0;
};

Selector FirstCells(engine::PopulationId population, uint32_t n) {
  Selector selector{population, false, {}};
  for (uint32_t i = 0; i < n; ++i) selector.indices.push_back(i);
  return selector;
}

Network MakeNetwork(uint32_t v_cells = 40) {
  engine::SimulationConfig config;
  config.seed = 7;
  Network n;
  n.sim = *Simulation::Create(config);
  engine::PopulationSpec spec;
  spec.size = 40;
  spec.cell_type = "IF_cond_exp";
  spec.parameters["i_offset"] = engine::RandomSpec{"uniform", {{"low", 0.5}, {"high", 1.5}}};
  n.cells = n.sim->AddPopulation(spec)->id;
  EXPECT_TRUE(n.sim->Record(Selector{n.cells}, {"spikes"}, 0).ok());
  EXPECT_TRUE(n.sim->Record(FirstCells(n.cells, v_cells), {"v"}, 0).ok());
  EXPECT_TRUE(n.sim->Record(FirstCells(n.cells, 20), {"gsyn_exc"}, 0).ok());
  return n;
}

std::string TempPath(const std::string& name) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/spill";
  return dir + "/" + name + ".h5";
}

// Datasets in the file and the values they hold, read by a second handle as
// an operator (or h5py) would.
struct FileContents {
  uint64_t blocks = 0;
  uint64_t values = 0;
};
FileContents Inspect(const std::string& path) {
  FileContents contents;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(file, 0) << path;
  if (file < 0) return contents;
  H5Literate(
      file, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr,
      [](hid_t group, const char* name, const H5L_info_t*, void* out) -> herr_t {
        auto* c = static_cast<FileContents*>(out);
        const hid_t dataset = H5Dopen2(group, name, H5P_DEFAULT);
        const hid_t space = H5Dget_space(dataset);
        c->blocks += 1;
        c->values += H5Sget_simple_extent_npoints(space);
        H5Sclose(space);
        H5Dclose(dataset);
        return 0;
      },
      &contents);
  H5Fclose(file);
  return contents;
}

// Rows [0, n) of `x`, read through Rows() in windows that cross block
// boundaries, equal `y`'s (all in memory) bit for bit.
void ExpectSameSignal(const SignalData& x, const SignalData& y, const std::string& what) {
  ASSERT_EQ(x.channels, y.channels) << what;
  ASSERT_EQ(x.num_samples(), y.num_samples()) << what;
  ASSERT_TRUE(y.spilled.blocks.empty());
  const uint64_t n = x.num_samples(), width = x.channels.size();
  std::vector<double> scratch;
  for (uint64_t window : {n, uint64_t{1}, uint64_t{37}, uint64_t{500}}) {
    for (uint64_t row = 0; row < n; row += window) {
      const uint64_t end = std::min(n, row + window);
      absl::StatusOr<const double*> rows = x.Rows(row, end, &scratch);
      ASSERT_TRUE(rows.ok()) << rows.status();
      ASSERT_EQ(
          std::memcmp(*rows, y.samples.data() + row * width, (end - row) * width * sizeof(double)),
          0)
          << what << " rows " << row << ".." << end;
    }
  }
}

// The same for spikes, read through Spikes().
void ExpectSameSpikes(const engine::SpikeData& x, const engine::SpikeData& y,
                      const std::string& what) {
  ASSERT_EQ(x.count(), y.count()) << what;
  ASSERT_TRUE(y.spilled.blocks.empty());
  const uint64_t n = x.count();
  engine::SpikeData::Scratch scratch;
  for (uint64_t window : {n, uint64_t{1}, uint64_t{37}, uint64_t{5000}}) {
    for (uint64_t k = 0; k < n; k += window) {
      const uint64_t end = std::min(n, k + window);
      absl::StatusOr<engine::SpikeSpan> spikes = x.Spikes(k, end, &scratch);
      ASSERT_TRUE(spikes.ok()) << spikes.status();
      ASSERT_EQ(std::memcmp(spikes->index, y.index.data() + k, (end - k) * sizeof(uint32_t)), 0)
          << what << " spikes " << k << ".." << end;
      ASSERT_EQ(std::memcmp(spikes->time_ms, y.time_ms.data() + k, (end - k) * sizeof(double)), 0)
          << what << " spikes " << k << ".." << end;
    }
  }
}

// Every recording of every segment equals the reference's.
void ExpectSameRecordings(const Simulation& spilled, const Simulation& reference) {
  const auto& a = spilled.segments();
  const auto& b = reference.segments();
  ASSERT_EQ(a.size(), b.size());
  for (size_t s = 0; s < a.size(); ++s) {
    const std::string segment = " of segment " + std::to_string(s);
    ASSERT_EQ(a[s].populations.size(), b[s].populations.size());
    for (size_t p = 0; p < a[s].populations.size(); ++p) {
      const auto& ra = a[s].populations[p];
      const auto& rb = b[s].populations[p];
      ExpectSameSpikes(ra.spikes, rb.spikes, "spikes" + segment);
      ASSERT_EQ(ra.signals.size(), rb.signals.size());
      for (size_t k = 0; k < ra.signals.size(); ++k)
        ExpectSameSignal(ra.signals[k], rb.signals[k], ra.signals[k].variable + segment);
    }
    ASSERT_EQ(a[s].current_sources.size(), b[s].current_sources.size());
    for (size_t k = 0; k < a[s].current_sources.size(); ++k)
      ExpectSameSignal(a[s].current_sources[k].current, b[s].current_sources[k].current,
                       "current" + segment);
  }
}

uint64_t BytesInMemory(const Simulation& sim) {
  uint64_t bytes = 0;
  for (const auto& segment : sim.segments()) {
    for (const auto& r : segment.populations) {
      bytes += r.spikes.index.size() * (sizeof(uint32_t) + sizeof(double));
      for (const auto& d : r.signals) bytes += d.samples.size() * sizeof(double);
    }
    for (const auto& r : segment.current_sources)
      bytes += r.current.samples.size() * sizeof(double);
  }
  return bytes;
}

uint64_t SpilledSpikes(const Simulation& sim) {
  uint64_t spikes = 0;
  for (const auto& segment : sim.segments())
    for (const auto& r : segment.populations) spikes += r.spikes.spilled.rows;
  return spikes;
}

uint64_t SpilledRows(const Simulation& sim) {
  uint64_t rows = 0;
  for (const auto& segment : sim.segments())
    for (const auto& r : segment.populations)
      for (const auto& d : r.signals) rows += d.spilled.rows;
  return rows;
}

TEST(SpillFile, ExcessGoesToTheFileAndReadsBackIdentical) {
  const std::string path = TempPath("identical");
  Network spilled = MakeNetwork();
  Network reference = MakeNetwork();
  spilled.sim->SetSpillStore(std::make_shared<SpillFile>(path), kBudget);

  ASSERT_TRUE(spilled.sim->Run(300).ok());
  ASSERT_TRUE(reference.sim->Run(300).ok());
  ASSERT_TRUE(std::filesystem::exists(path));
  const uint64_t recorded = BytesInMemory(*reference.sim);
  ASSERT_GT(recorded, 10 * kBudget);
  EXPECT_LE(BytesInMemory(*spilled.sim), kBudget);
  const FileContents contents = Inspect(path);
  EXPECT_GT(contents.blocks, 1u);
  // Everything not in memory is in the file, nothing more (a spike is 12
  // bytes in memory, a row of two values in the file).
  const uint64_t spikes = SpilledSpikes(*spilled.sim);
  EXPECT_EQ(
      (contents.values - 2 * spikes) * sizeof(double) + spikes * 12 + BytesInMemory(*spilled.sim),
      recorded);
  ExpectSameRecordings(*spilled.sim, *reference.sim);

  // The next run continues after the spilled rows.
  ASSERT_TRUE(spilled.sim->Run(50).ok());
  ASSERT_TRUE(reference.sim->Run(50).ok());
  ExpectSameRecordings(*spilled.sim, *reference.sim);

  // The file lives as long as the session's data.
  spilled.sim.reset();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SpillFile, ChannelsAddedAfterASpillWidenTheSpilledRows) {
  const std::string path = TempPath("widen");
  Network spilled = MakeNetwork(/*v_cells=*/5);
  Network reference = MakeNetwork(/*v_cells=*/5);
  spilled.sim->SetSpillStore(std::make_shared<SpillFile>(path), kBudget);
  for (Network* n : {&spilled, &reference}) ASSERT_TRUE(n->sim->Run(400).ok());
  ASSERT_GT(SpilledRows(*spilled.sim), 0u);
  // All cells join: the rows before have NaN in the new channels, spilled
  // rows included.
  for (Network* n : {&spilled, &reference}) {
    ASSERT_TRUE(n->sim->Record(Selector{n->cells}, {"v"}, 0).ok());
    ASSERT_TRUE(n->sim->Run(100).ok());
  }
  ExpectSameRecordings(*spilled.sim, *reference.sim);
}

TEST(SpillFile, ClearAndResetAcrossSpilledData) {
  const std::string path = TempPath("clear");
  Network spilled = MakeNetwork();
  Network reference = MakeNetwork();
  spilled.sim->SetSpillStore(std::make_shared<SpillFile>(path), kBudget);
  for (Network* n : {&spilled, &reference}) ASSERT_TRUE(n->sim->Run(300).ok());
  ASSERT_GT(Inspect(path).blocks, 0u);

  // get_data(clear=True): the spilled blocks go with the rows.
  for (Network* n : {&spilled, &reference}) ASSERT_TRUE(n->sim->ClearRecording({n->cells}).ok());
  EXPECT_EQ(Inspect(path).blocks, 0u);
  EXPECT_EQ(SpilledRows(*spilled.sim), 0u);
  for (Network* n : {&spilled, &reference}) ASSERT_TRUE(n->sim->Run(200).ok());
  ExpectSameRecordings(*spilled.sim, *reference.sim);

  // A reset closes the segment; both segments stay readable, the closed one
  // spilled too once the new one grows.
  for (Network* n : {&spilled, &reference}) {
    ASSERT_TRUE(n->sim->Reset({}).ok());
    ASSERT_TRUE(n->sim->Run(300).ok());
  }
  ASSERT_EQ(spilled.sim->segments().size(), 2u);
  EXPECT_GT(spilled.sim->segments()[0].populations[0].signals[0].spilled.rows, 0u);
  EXPECT_GT(spilled.sim->segments()[1].populations[0].signals[0].spilled.rows, 0u);
  EXPECT_LE(BytesInMemory(*spilled.sim), kBudget);
  ExpectSameRecordings(*spilled.sim, *reference.sim);
}

TEST(SpillFile, AFullDiskStopsTheRunWithAClearErrorAndKeepsTheData) {
  Network spilled = MakeNetwork();
  Network reference = MakeNetwork();
  // Every write to /dev/full fails with ENOSPC.
  spilled.sim->SetSpillStore(std::make_shared<SpillFile>("/dev/full"), kBudget);
  absl::StatusOr<engine::RunResult> run = spilled.sim->Run(300);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(run.status().message().find("--recording_memory_budget_mb"), std::string::npos)
      << run.status();
  EXPECT_NE(run.status().message().find("/dev/full"), std::string::npos) << run.status();
  EXPECT_NE(run.status().message().find("the run stopped at t = "), std::string::npos)
      << run.status();
  // It stopped at the epoch of the first spill, with every sample kept; the
  // next run stops the same way (or refuses to start while over the budget),
  // still losing nothing.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const double stopped_at = spilled.sim->time_ms();
    EXPECT_GT(stopped_at, 0.0);
    EXPECT_LT(stopped_at, 300.0);
    EXPECT_EQ(SpilledRows(*spilled.sim), 0u);
    ASSERT_TRUE(reference.sim->RunUntil(stopped_at).ok());
    ExpectSameRecordings(*spilled.sim, *reference.sim);
    EXPECT_EQ(spilled.sim->RunUntil(300).status().code(), absl::StatusCode::kResourceExhausted);
  }
}

// Spikes in bulk: Poisson sources at a high rate, a SpikeSourceArray whose
// times lie 0.04 ms after the end of the step that emits them (so a run's
// last spikes lie past its end and move onto it, spilled epochs or not) and
// a recorded ACSource.
struct SpikingNetwork {
  std::unique_ptr<Simulation> sim;
  engine::PopulationId poisson = 0, array = 0;
  engine::CurrentSourceId source = 0;
};

SpikingNetwork MakeSpikingNetwork() {
  engine::SimulationConfig config;
  config.seed = 11;
  config.min_delay_ms = 1.0;  // fewer epochs, so fewer spills of a tiny budget
  SpikingNetwork n;
  n.sim = *Simulation::Create(config);
  n.poisson = n.sim->AddPopulation({100, "SpikeSourcePoisson", {{"rate", 400.0}}})->id;
  std::vector<double> times;
  for (int k = 1; k <= 1000; ++k) times.push_back(k * 0.5 + 0.04);
  n.array = n.sim->AddPopulation({10, "SpikeSourceArray", {{"spike_times", Sequence{times}}}})->id;
  const engine::PopulationId cell = n.sim->AddPopulation({1, "IF_curr_exp", {}})->id;
  n.source = *n.sim->AddCurrentSource(
      {"ACSource", {{"amplitude", 0.5}, {"frequency", 37.0}, {"offset", 0.1}}});
  EXPECT_TRUE(n.sim->Inject(n.source, Selector{cell}).ok());
  EXPECT_TRUE(n.sim->RecordCurrentSource(n.source).ok());
  EXPECT_TRUE(n.sim->Record(Selector{n.poisson}, {"spikes"}, 0).ok());
  EXPECT_TRUE(n.sim->Record(Selector{n.array}, {"spikes"}, 0).ok());
  return n;
}

TEST(SpillFile, SpikesAndCurrentsSpillAndReadBackIdentical) {
  const std::string path = TempPath("spikes");
  constexpr uint64_t kSmallBudget = 8 << 10;
  SpikingNetwork spilled = MakeSpikingNetwork();
  SpikingNetwork reference = MakeSpikingNetwork();
  spilled.sim->SetSpillStore(std::make_shared<SpillFile>(path), kSmallBudget);
  for (SpikingNetwork* n : {&spilled, &reference}) ASSERT_TRUE(n->sim->Run(200.0).ok());
  ASSERT_GT(BytesInMemory(*reference.sim), 10 * kSmallBudget);
  EXPECT_LE(BytesInMemory(*spilled.sim), kSmallBudget);
  const auto& segment = spilled.sim->segments()[0];
  EXPECT_GT(segment.populations[0].spikes.spilled.rows, 0u);
  EXPECT_GT(segment.populations[1].spikes.spilled.rows, 0u);
  EXPECT_GT(segment.current_sources[0].current.spilled.rows, 0u);
  // The array's last spikes (200.04 ms) were moved onto the run's end.
  const auto& array = reference.sim->segments()[0].populations[1].spikes;
  EXPECT_EQ(array.time_ms.back(), 200.0);
  ExpectSameRecordings(*spilled.sim, *reference.sim);

  // The next run goes on past them: they are at 200.0 in both, and the
  // spikes and currents after them spill as well.
  const uint64_t spilled_before = SpilledSpikes(*spilled.sim);
  for (SpikingNetwork* n : {&spilled, &reference}) ASSERT_TRUE(n->sim->Run(100.0).ok());
  EXPECT_GT(SpilledSpikes(*spilled.sim), spilled_before);
  ExpectSameRecordings(*spilled.sim, *reference.sim);

  // A reset: the closed segment stays readable; clears drop the blocks.
  for (SpikingNetwork* n : {&spilled, &reference}) {
    ASSERT_TRUE(n->sim->Reset({}).ok());
    ASSERT_TRUE(n->sim->Run(50.0).ok());
  }
  ExpectSameRecordings(*spilled.sim, *reference.sim);
  ASSERT_GT(Inspect(path).blocks, 0u);
  ASSERT_TRUE(spilled.sim->ClearRecording({spilled.poisson, spilled.array}).ok());
  ASSERT_TRUE(spilled.sim->ClearCurrentSourceRecording({spilled.source}).ok());
  EXPECT_GT(Inspect(path).blocks, 0u);  // the closed segment's
  spilled.sim.reset();
  EXPECT_FALSE(std::filesystem::exists(path));
}

// With a budget of one byte every epoch spills everything it may: the
// spikes timed after the epoch's end stay in memory until the run ends, so
// that those of its last step still move onto its end.
TEST(SpillFile, SpikesPastTheEndOfARunAreSettledBeforeTheySpill) {
  const std::string path = TempPath("past_the_end");
  SpikingNetwork spilled = MakeSpikingNetwork();
  SpikingNetwork reference = MakeSpikingNetwork();
  spilled.sim->SetSpillStore(std::make_shared<SpillFile>(path), 1);
  for (double duration : {20.0, 10.0}) {
    for (SpikingNetwork* n : {&spilled, &reference}) ASSERT_TRUE(n->sim->Run(duration).ok());
    EXPECT_EQ(reference.sim->segments()[0].populations[1].spikes.time_ms.back(),
              reference.sim->time_ms());
    ExpectSameRecordings(*spilled.sim, *reference.sim);
  }
  // Only the spikes after the last epoch's end and the last current sample
  // stayed in memory.
  const auto& segment = spilled.sim->segments()[0];
  EXPECT_EQ(segment.populations[0].spikes.index.size(), 0u);
  EXPECT_EQ(segment.populations[1].spikes.index.size(), 10u);
  EXPECT_EQ(segment.current_sources[0].current.samples.size(), 1u);
}

}  // namespace
}  // namespace spikeserve::server
