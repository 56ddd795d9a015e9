// Latency of a small RPC on loopback from the C++ client: SetParameters on one
// cell, N times against a running server; prints the median and the 90th
// percentile in microseconds.
//
//   bazel run //bench:rpc_latency -- 127.0.0.1:50051 [calls]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "clients/cpp/client.h"

namespace {

using spikeserve::client::Client;
namespace v1 = spikeserve::v1;

double Percentile(std::vector<double> samples, double fraction) {
  std::sort(samples.begin(), samples.end());
  return samples[static_cast<size_t>(fraction * (samples.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: rpc_latency HOST:PORT [calls]\n");
    return 2;
  }
  const int calls = argc > 2 ? std::atoi(argv[2]) : 2000;
  auto client = Client::Connect(argv[1], std::chrono::seconds(10));
  if (client == nullptr) {
    std::fprintf(stderr, "no server at %s\n", argv[1]);
    return 1;
  }
  v1::SessionDescription session;
  client->Call(&v1::Simulator::Stub::CreateSession, v1::CreateSessionRequest(), &session);
  v1::CreatePopulationRequest population;
  population.set_session_id(session.session_id());
  population.set_size(10);
  population.set_cell_type("IF_curr_exp");
  v1::PopulationInfo info;
  client->Call(&v1::Simulator::Stub::CreatePopulation, population, &info);

  v1::SetParametersRequest request;
  request.set_session_id(session.session_id());
  *request.mutable_cells() = spikeserve::client::PopulationView(info.population_id(), {3}).parts(0);
  (*request.mutable_parameters())["tau_m"] = spikeserve::client::Scalar(12.0);
  std::vector<double> samples;
  v1::SetParametersResponse response;
  for (int k = 0; k < calls; ++k) {
    const auto started = std::chrono::steady_clock::now();
    auto result = client->Call(&v1::Simulator::Stub::SetParameters, request, &response);
    samples.push_back(std::chrono::duration<double, std::micro>(
                          std::chrono::steady_clock::now() - started)
                          .count());
    if (!result.ok()) {
      std::fprintf(stderr, "SetParameters failed: %s\n", result.message().c_str());
      return 1;
    }
  }
  v1::CloseSessionRequest close;
  close.set_session_id(session.session_id());
  v1::CloseSessionResponse closed;
  client->Call(&v1::Simulator::Stub::CloseSession, close, &closed);
  std::printf("C++ client, loopback, %d calls of SetParameters (one cell): median %.0f us, "
              "90th percentile %.0f us\n",
              calls, Percentile(samples, 0.5), Percentile(samples, 0.9));
  return 0;
}
