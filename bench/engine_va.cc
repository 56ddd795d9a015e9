// The Vogels-Abbott networks of bench/va_network.py built and run directly on
// the engine, without gRPC or Python: the number to iterate on when changing
// the engine's inner loops. bench/run.py measures the same network end to end.
//
//   bazel run -c opt //bench:engine_va -- [COBA|CUBA] [NEURONS] [REPEATS] [THREADS]
//
// Prints, per repeat, build and run wall and CPU seconds, the
// spike count, the mean rate and synaptic events per second, then the medians.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "engine/huge_pages.h"
#include "engine/simulation.h"

namespace spikeserve::engine {
namespace {

constexpr double kExcitatoryFraction = 0.8;
constexpr int kClassicSize = 4000;  // FixedProbability(0.02); others FixedNumberPre(64 + 16)

struct Model {
  std::string cell_type;
  ParameterMap cell;
  double w_exc, w_inh;  // uS (COBA) or nA (CUBA)
};

Model VaModel(const std::string& name) {
  ParameterMap common = {{"tau_m", 20.0},     {"cm", 0.2},         {"v_reset", -60.0},
                         {"v_thresh", -50.0}, {"tau_refrac", 5.0}, {"tau_syn_E", 5.0},
                         {"tau_syn_I", 10.0}};
  if (name == "COBA") {
    common["v_rest"] = -60.0;
    common["e_rev_E"] = 0.0;
    common["e_rev_I"] = -80.0;
    return {"IF_cond_exp", common, 4.0e-3, 51.0e-3};
  }
  common["v_rest"] = -49.0;
  return {"IF_curr_exp", common, 0.27e-3 * 60.0, 4.5e-3 * -20.0};
}

// CPU time of this thread: less disturbed than wall time when the machine is
// shared (the engine runs on the calling thread).
double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void Check(const absl::Status& status) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s\n", status.ToString().c_str());
  std::exit(1);
}

template <class T>
T Check(absl::StatusOr<T> value) {
  Check(value.status());
  return *std::move(value);
}

struct Figures {
  double build_s, build_cpu_s, run_s, run_cpu_s, rate_hz, events_per_s;
  uint64_t spikes, synapses;
  Simulation::MemoryFootprint memory;
};

Figures RunOnce(const std::string& model_name, int n, uint64_t seed, int threads) {
  const Model model = VaModel(model_name);
  const auto started = std::chrono::steady_clock::now();
  const double build_cpu_started = ThreadCpuSeconds();
  SimulationConfig config;
  config.timestep_ms = 0.1;
  config.min_delay_ms = 0.2;
  config.max_delay_ms = 1.0;
  config.seed = seed;
  config.threads = threads;
  auto sim = Check(Simulation::Create(config));
  const int n_exc = static_cast<int>(n * kExcitatoryFraction);
  auto population = [&](int size, const std::string& label) {
    PopulationSpec spec;
    spec.size = size;
    spec.cell_type = model.cell_type;
    spec.parameters = model.cell;
    spec.initial_values = {{"v", RandomSpec{"uniform", {{"low", -60.0}, {"high", -50.0}}, seed}}};
    spec.label = label;
    return Check(sim->AddPopulation(spec)).id;
  };
  const PopulationId exc = population(n_exc, "excitatory");
  const PopulationId inh = population(n - n_exc, "inhibitory");
  PopulationSpec kick_spec;
  kick_spec.size = 20;
  kick_spec.cell_type = "SpikeSourcePoisson";
  kick_spec.parameters = {{"rate", 100.0}, {"duration", 50.0}};
  const PopulationId kick = Check(sim->AddPopulation(kick_spec)).id;

  auto connect = [&](PopulationId pre, std::vector<PopulationId> post, ConnectorSpec connector,
                     double weight, const char* receptor) {
    ProjectionSpec spec;
    spec.pre.parts = {Selector{pre}};
    for (PopulationId p : post) spec.post.parts.push_back(Selector{p});
    connector.params["allow_self_connections"] = 1.0;
    spec.connector = std::move(connector);
    spec.synapse.parameters = {{"weight", weight}, {"delay", 0.2}};
    spec.receptor_type = receptor;
    Check(sim->AddProjection(spec).status());
  };
  auto recurrent = [&](int in_degree, uint64_t connector_seed) {
    if (n == kClassicSize)
      return ConnectorSpec{
          "FixedProbabilityConnector", {{"p_connect", 0.02}}, {}, {}, connector_seed};
    return ConnectorSpec{"FixedNumberPreConnector",
                         {{"n", static_cast<double>(in_degree)}, {"with_replacement", 0.0}},
                         {},
                         {},
                         connector_seed};
  };
  connect(exc, {exc, inh}, recurrent(64, seed + 1), model.w_exc, "excitatory");
  connect(inh, {exc, inh}, recurrent(16, seed + 2), model.w_inh, "inhibitory");
  connect(kick, {exc}, {"FixedProbabilityConnector", {{"p_connect", 0.01}}, {}, {}, seed + 3}, 0.1,
          "excitatory");
  Check(sim->Record(Selector{exc}, {"spikes"}, 0));
  Check(sim->Record(Selector{inh}, {"spikes"}, 0));
  Figures f{};
  f.build_s = Seconds(started);
  f.build_cpu_s = ThreadCpuSeconds() - build_cpu_started;
  f.synapses = sim->num_synapses();
  f.memory = sim->memory_footprint();

  const auto run_started = std::chrono::steady_clock::now();
  const double cpu_started = ThreadCpuSeconds();
  Check(sim->Run(1000.0).status());
  f.run_s = Seconds(run_started);
  f.run_cpu_s = ThreadCpuSeconds() - cpu_started;
  for (const PopulationRecording& p : sim->segments().back().populations)
    f.spikes += p.spikes.index.size();
  f.rate_hz = static_cast<double>(f.spikes) / n;
  f.events_per_s = static_cast<double>(f.spikes) * f.synapses / n / f.run_s;
  return f;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace
}  // namespace spikeserve::engine

int main(int argc, char** argv) {
  using namespace spikeserve::engine;
  ReexecWithHugePages(argv);  // as the server does
  const std::string model = argc > 1 ? argv[1] : "COBA";
  const int n = argc > 2 ? std::atoi(argv[2]) : kClassicSize;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 1;
  if ((model != "COBA" && model != "CUBA") || n < 10 || repeats < 1 || threads < 1) {
    std::fprintf(stderr, "usage: engine_va [COBA|CUBA] [NEURONS>=10] [REPEATS>=1] [THREADS>=1]\n");
    return 2;
  }
  std::vector<double> build, build_cpu, run, run_cpu;
  for (int r = 0; r < repeats; ++r) {
    const Figures f = RunOnce(model, n, 1 + r, threads);
    std::printf(
        "%s %d threads=%d repeat %d: build %.3f s (CPU %.3f s, %.3g synapses/CPU s), "
        "run %.3f s (CPU %.3f s), %llu synapses, %llu spikes, %.2f Hz, %.3g events/s; "
        "synapses %.2f B each, ring buffers %.0f B per neuron\n",
        model.c_str(), n, threads, r, f.build_s, f.build_cpu_s, f.synapses / f.build_cpu_s, f.run_s,
        f.run_cpu_s, static_cast<unsigned long long>(f.synapses),
        static_cast<unsigned long long>(f.spikes), f.rate_hz, f.events_per_s,
        static_cast<double>(f.memory.synapses) / f.synapses,
        static_cast<double>(f.memory.ring_buffers) / n);
    build.push_back(f.build_s);
    build_cpu.push_back(f.build_cpu_s);
    run.push_back(f.run_s);
    run_cpu.push_back(f.run_cpu_s);
  }
  std::printf("median: build %.3f s (CPU %.3f s), run %.3f s (CPU %.3f s)\n", Median(build),
              Median(build_cpu), Median(run), Median(run_cpu));
  return 0;
}
