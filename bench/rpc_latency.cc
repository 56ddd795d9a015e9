// Latency of small RPCs on loopback from the C++ client: SetParameters on one
// cell and a Run of 0 ms, N times each against running servers, and
// grpc.health.v1 Check, gRPC's own floor (the server's handler does next to
// nothing); prints the median and the 90th percentile in microseconds.
//
//   bazel run //bench:rpc_latency -- 127.0.0.1:50051[,127.0.0.1:50052] [calls] [poll_us]
//
// poll_us sets the client's ClientOptions::poll_before_sleeping (default: the
// client's default); 0 makes every call sleep until its response arrives.
//
// With several servers (e.g. two builds) the calls alternate between them in
// rounds of 100, so that all see the same noise of a shared machine.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "clients/cpp/client.h"

namespace {

using spikeserve::client::CallResult;
using spikeserve::client::Client;
namespace v1 = spikeserve::v1;

constexpr int kRound = 100;

double Percentile(std::vector<double> samples, double fraction) {
  std::sort(samples.begin(), samples.end());
  return samples[static_cast<size_t>(fraction * (samples.size() - 1))];
}

// One server: a session with a population of 10 and the timed calls.
struct Target {
  std::string address;
  std::unique_ptr<Client> client;
  std::string session_id;
  v1::SetParametersRequest set;
  v1::RunRequest run;
  std::vector<double> set_us, run_us, health_us;
};

template <typename Call>
bool Time(int n, std::vector<double>* samples, Call&& call) {
  for (int k = 0; k < n; ++k) {
    const auto started = std::chrono::steady_clock::now();
    const CallResult result = call();
    samples->push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started)
            .count());
    if (!result.ok()) {
      std::fprintf(stderr, "call failed: %s\n", result.message().c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: rpc_latency HOST:PORT[,HOST:PORT...] [calls] [poll_us]\n");
    return 2;
  }
  const int calls = argc > 2 ? std::atoi(argv[2]) : 2000;
  spikeserve::client::ClientOptions options;
  if (argc > 3) options.poll_before_sleeping = std::chrono::microseconds(std::atoi(argv[3]));
  std::vector<Target> targets;
  for (const auto& address : absl::StrSplit(argv[1], ',')) {
    Target target;
    target.address = std::string(address);
    target.client = Client::Connect(target.address, std::chrono::seconds(10), options);
    if (target.client == nullptr) {
      std::fprintf(stderr, "no server at %s\n", target.address.c_str());
      return 1;
    }
    v1::SessionDescription session;
    target.client->Call(&v1::Simulator::Stub::PrepareAsyncCreateSession, v1::CreateSessionRequest(),
                        &session);
    target.session_id = session.session_id();
    v1::CreatePopulationRequest population;
    population.set_session_id(session.session_id());
    population.set_size(10);
    population.set_cell_type("IF_curr_exp");
    v1::PopulationInfo info;
    target.client->Call(&v1::Simulator::Stub::PrepareAsyncCreatePopulation, population, &info);
    target.set.set_session_id(session.session_id());
    *target.set.mutable_cells() =
        spikeserve::client::PopulationView(info.population_id(), {3}).parts(0);
    (*target.set.mutable_parameters())["tau_m"] = spikeserve::client::Scalar(12.0);
    target.run.set_session_id(session.session_id());
    target.run.set_duration_ms(0);
    targets.push_back(std::move(target));
  }

  v1::SetParametersResponse response;
  v1::RunFinished finished;
  bool serving = false;
  for (int done = 0; done < calls; done += kRound) {
    const int n = std::min(kRound, calls - done);
    for (Target& target : targets) {
      Client& client = *target.client;
      const bool ok = Time(n, &target.set_us,
                           [&] {
                             return client.Call(&v1::Simulator::Stub::PrepareAsyncSetParameters,
                                                target.set, &response);
                           }) &&
                      Time(n, &target.run_us, [&] { return client.Run(target.run, &finished); }) &&
                      Time(n, &target.health_us, [&] { return client.CheckHealth("", &serving); });
      if (!ok) return 1;
    }
  }
  for (Target& target : targets) {
    v1::CloseSessionRequest close;
    close.set_session_id(target.session_id);
    v1::CloseSessionResponse closed;
    target.client->Call(&v1::Simulator::Stub::PrepareAsyncCloseSession, close, &closed);
    std::printf(
        "C++ client, loopback, %s, %d calls each, polling %lld us before sleeping: SetParameters "
        "(one cell) median %.0f us "
        "(90th percentile %.0f); Run of 0 ms median %.0f us (90th percentile %.0f); "
        "Health.Check (gRPC's floor) median %.0f us (90th percentile %.0f)\n",
        target.address.c_str(), calls, static_cast<long long>(options.poll_before_sleeping.count()),
        Percentile(target.set_us, 0.5), Percentile(target.set_us, 0.9),
        Percentile(target.run_us, 0.5), Percentile(target.run_us, 0.9),
        Percentile(target.health_us, 0.5), Percentile(target.health_us, 0.9));
  }
  return 0;
}
