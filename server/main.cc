// spikeserve: a gRPC server hosting PyNN-style spiking network simulations.
//
//   spikeserve --listen=127.0.0.1:50051
//
// SIGTERM or SIGINT shuts down gracefully: health turns NOT_SERVING, running
// simulations stop at a step boundary, open calls finish, the process exits 0.
// SIGUSR1 prints the allocator's statistics (glibc's malloc_stats) to stderr
// and serves on: the live heap beside what the process keeps resident.
#include <malloc.h>
#include <sched.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/huge_pages.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/server_options.h"
#include "server/simulator_service.h"
#include "server/spill_file.h"
#include "server/stay_awake.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve on, host:port. Port 0 picks a free port (see --port_file). "
          "Use 0.0.0.0:PORT to accept connections from other hosts (inside a container).");
ABSL_FLAG(std::string, port_file, "",
          "If set, the port actually bound is written to this file once the server serves.");
ABSL_FLAG(int, max_sessions, 64, "Maximum number of sessions open at once.");
ABSL_FLAG(absl::Duration, session_idle_timeout, absl::Minutes(30),
          "A session with no call for this long is closed and its memory freed (e.g. 30m, 90s).");
ABSL_FLAG(uint64_t, max_neurons_per_session, 10'000'000, "Neurons one session may create.");
ABSL_FLAG(uint64_t, max_synapses_per_session, 2'000'000'000, "Synapses one session may create.");
ABSL_FLAG(int, threads_per_session, 0,
          "Most threads one session may simulate with; 0 means the cores this process may run "
          "on. Results do not depend on the thread count.");
ABSL_FLAG(int, default_threads, 0,
          "Threads of a session that does not ask for a number; 0 means --threads_per_session. "
          "Set 1 where the cores are shared with other busy processes: a thread waiting for one "
          "that is not running only adds handoffs.");
ABSL_FLAG(double, max_biological_time_ms, 1e9,
          "Biological time (ms) one session may simulate, summed over runs.");
ABSL_FLAG(std::string, data_dir, "",
          "Directory for files the server writes for clients (ExportData, SaveProjection); default "
          "$TMPDIR/spikeserve-data (or /tmp/spikeserve-data).");
ABSL_FLAG(uint64_t, max_recorded_mb_per_session, 8192,
          "Recorded data one session may hold (MiB), in memory or spilled; a run that crosses "
          "it stops with RESOURCE_EXHAUSTED. Sessions may ask for less.");
ABSL_FLAG(uint64_t, recording_memory_budget_mb, 1024,
          "Recorded data (signal samples, spikes, recorded currents) one session may hold in "
          "memory (MiB); beyond it, blocks of it move to an HDF5 file in <data_dir>/.spill/ "
          "and are read back from there. The "
          "file is removed when the session closes or expires. 0 keeps everything in memory.");
ABSL_FLAG(absl::Duration, stay_awake_after_call, absl::Microseconds(250),
          "After each call, keep one core from halting for this long (a thread at the lowest "
          "priority, SCHED_IDLE, polls), so that the next call of a script sending calls in a row "
          "finds it awake: on a virtual machine waking a halted core is most of a small call's "
          "time. 0 turns it off.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, how long open calls may take to finish before they are cancelled.");

namespace spikeserve::server {
namespace {

// The signals the main thread waits for.
sigset_t HandledSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  return signals;
}

// The cores this process may run on (its affinity mask, which container
// runtimes' --cpuset-cpus set), at least 1.
int AvailableCores() {
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof cpus, &cpus) != 0) return 1;
  return std::max(1, CPU_COUNT(&cpus));
}

// Flags in MiB, saturating where bytes would not fit 64 bits.
uint64_t MebibytesToBytes(uint64_t mebibytes) {
  return mebibytes > (UINT64_MAX >> 20) ? UINT64_MAX : mebibytes << 20;
}

ServerOptions OptionsFromFlags() {
  ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.sessions.max_sessions = absl::GetFlag(FLAGS_max_sessions);
  options.sessions.idle_timeout = absl::GetFlag(FLAGS_session_idle_timeout);
  options.sessions.limits.max_neurons = absl::GetFlag(FLAGS_max_neurons_per_session);
  options.sessions.limits.max_synapses = absl::GetFlag(FLAGS_max_synapses_per_session);
  options.sessions.limits.max_biological_time_ms = absl::GetFlag(FLAGS_max_biological_time_ms);
  options.sessions.limits.max_recorded_bytes =
      MebibytesToBytes(absl::GetFlag(FLAGS_max_recorded_mb_per_session));
  const int threads = absl::GetFlag(FLAGS_threads_per_session);
  options.sessions.limits.max_threads = threads > 0 ? threads : AvailableCores();
  const int default_threads = absl::GetFlag(FLAGS_default_threads);
  options.sessions.default_threads =
      std::min(default_threads > 0 ? default_threads : options.sessions.limits.max_threads,
               options.sessions.limits.max_threads);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.stay_awake_after_call = absl::GetFlag(FLAGS_stay_awake_after_call);
  options.service.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (options.service.data_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    options.service.data_dir =
        std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/spikeserve-data";
  }
  options.sessions.recording_memory_budget_bytes =
      MebibytesToBytes(absl::GetFlag(FLAGS_recording_memory_budget_mb));
  options.sessions.spill_dir = options.service.data_dir + "/" + kSpillDirectory;
  return options;
}

int Serve(const ServerOptions& options) {
  // Block the handled signals in every thread (gRPC's included), so that
  // only the sigwait below receives them.
  const sigset_t signals = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (const int stale = RemoveStaleSpillFiles(options.sessions.spill_dir); stale > 0) {
    std::fprintf(stderr, "spikeserve: removed %d spill file(s) of servers that no longer run\n",
                 stale);
  }
  SessionManager sessions(options.sessions);
  SimulatorService service(&sessions, options.service);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  StayAwake stay_awake(options.stay_awake_after_call);
  if (options.stay_awake_after_call > absl::ZeroDuration()) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(stay_awake.InterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(creators));
  }
  // Clients keep idle channels alive with pings every 30 s or more; accept them.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "spikeserve: cannot listen on %s\n", options.listen.c_str());
    return 1;
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus("spikeserve.v1.Simulator", true);
  if (!options.port_file.empty()) {
    std::ofstream(options.port_file) << port << "\n";
  }
  std::fprintf(stderr,
               "spikeserve %s serving on %s (port %d), max %d sessions, idle timeout %s, "
               "data directory %s\n",
               SPIKESERVE_VERSION, options.listen.c_str(), port, options.sessions.max_sessions,
               absl::FormatDuration(options.sessions.idle_timeout).c_str(),
               options.service.data_dir.c_str());

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGUSR1) malloc_stats();
  std::fprintf(stderr, "spikeserve: signal %d, shutting down\n", signal_number);
  health->SetServingStatus(false);
  health->SetServingStatus("spikeserve.v1.Simulator", false);
  sessions.BeginShutdown();
  server->Shutdown(std::chrono::system_clock::now() +
                   absl::ToChronoSeconds(options.shutdown_grace));
  std::fprintf(stderr, "spikeserve: stopped\n");
  return 0;
}

}  // namespace
}  // namespace spikeserve::server

int main(int argc, char** argv) {
  spikeserve::engine::ReexecWithHugePages(argv);
  // Blocks of 1 MiB and more get pages of their own from the system, which
  // go back to it when the block is freed. glibc raises this threshold as
  // large blocks are freed, up to 32 MiB, and blocks below it are carved from
  // the heap: a network build's temporaries then leave holes there that stay
  // resident. The microcircuit at half scale kept 1,000-1,400 bytes per cell
  // besides its synapses against 440 in use, and 525-561 with the threshold
  // fixed, its speed unchanged (bench/RESULTS.md, session 12).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  absl::SetProgramUsageMessage(
      "spikeserve: hosts PyNN-style spiking neural network simulation sessions over gRPC "
      "(service spikeserve.v1.Simulator, grpc.health.v1, server reflection).\n"
      "Usage: spikeserve [--listen=127.0.0.1:50051] [--max_sessions=64] "
      "[--session_idle_timeout=30m]");
  absl::ParseCommandLine(argc, argv);
  // Debian's Abseil is built with lock-order (deadlock) detection on, which
  // updates a global graph on every lock taken while another is held: a
  // measurable share of a small RPC. The unit tests keep it, and check the
  // order there.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return spikeserve::server::Serve(spikeserve::server::OptionsFromFlags());
}
