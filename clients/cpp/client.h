// A small C++ client for spikeserve.v1.Simulator: unary calls with deadlines,
// polling briefly for their answer, and decoded error details; Run with
// progress and live data, Upload in chunks, and GetData assembled into a
// Neo-shaped Block.
#ifndef SPIKESERVE_CLIENTS_CPP_CLIENT_H_
#define SPIKESERVE_CLIENTS_CPP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "clients/cpp/neo_block.h"
#include "grpcpp/grpcpp.h"
#include "spikeserve/v1/errors.pb.h"
#include "spikeserve/v1/simulator.grpc.pb.h"

namespace spikeserve::client {

// The outcome of one call: the gRPC status and, on failure, the server's
// machine-readable detail (field path and reason code).
struct CallResult {
  grpc::Status status;
  v1::ErrorDetail error;

  bool ok() const { return status.ok(); }
  grpc::StatusCode code() const { return status.error_code(); }
  std::string message() const { return status.error_message(); }
};

struct ClientOptions {
  std::chrono::milliseconds unary_deadline{30'000};
  // How long a unary call polls for its response before its thread sleeps.
  // Waking a sleeping thread can cost as much as the rest of a small call:
  // on the 2-vCPU virtual machine of bench/RESULTS.md (session 14) a
  // loopback round trip took 74-80 us between sleeping threads and 24 us when
  // one of them polled. Polling spares that wake-up to every call answered
  // within this time, for the CPU time of the wait. 0 sleeps at once.
  std::chrono::microseconds poll_before_sleeping{250};
  // Bytes per message for Upload.
  size_t upload_chunk_bytes = 1 << 20;
};

class Client {
  // A stub's PrepareAsync method of a unary RPC.
  template <typename Stub, typename Request, typename Response>
  using PrepareUnary = std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> (Stub::*)(
      grpc::ClientContext*, const Request&, grpc::CompletionQueue*);

 public:
  explicit Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options = {});

  // Connects to host:port, waiting up to `timeout` for the channel to be ready.
  static std::unique_ptr<Client> Connect(const std::string& address,
                                         std::chrono::milliseconds timeout,
                                         ClientOptions options = {});

  v1::Simulator::Stub& stub() { return *stub_; }
  grpc::Channel& channel() { return *channel_; }

  // Any unary RPC of the service, named by its PrepareAsync method, e.g.
  //   client.Call(&v1::Simulator::Stub::PrepareAsyncCreatePopulation, request, &info);
  // Waits for the response (see ClientOptions::poll_before_sleeping).
  template <typename Request, typename Response>
  CallResult Call(PrepareUnary<v1::Simulator::Stub, Request, Response> prepare,
                  const Request& request, Response* response) {
    return CallOn(*stub_, prepare, request, response);
  }

  // Runs and waits; `on_progress` sees each progress event and, when the
  // request asks for live data, `on_live` each LiveChunk and LiveDataSkipped
  // event, in stream order (a progress event at t follows the live data
  // recorded up to t).
  CallResult Run(const v1::RunRequest& request, v1::RunFinished* finished,
                 const std::function<void(const v1::RunProgress&)>& on_progress = {},
                 const std::function<void(const v1::RunEvent&)>& on_live = {});

  // Streams the data and assembles it; fails if the stream is malformed.
  CallResult GetData(const v1::GetDataRequest& request, Block* block);

  // Reads every connection of a projection.
  CallResult GetConnections(const v1::GetConnectionsRequest& request, Connections* connections);

  // Reads parameter values (one Array chunk stream per name, concatenated).
  CallResult GetParameters(const v1::GetParametersRequest& request,
                           std::map<std::string, std::vector<double>>* values);

  CallResult Upload(const std::string& session_id, const std::string& bytes, uint64_t* upload_id);

  // grpc.health.v1 Check: true when `service` ("" for the server) is SERVING.
  CallResult CheckHealth(const std::string& service, bool* serving);

 private:
  template <typename Stub, typename Request, typename Response>
  CallResult CallOn(Stub& stub, PrepareUnary<Stub, Request, Response> prepare,
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options_.unary_deadline);
    // A queue per call keeps concurrent calls from different threads apart,
    // as gRPC's blocking calls do.
    grpc::CompletionQueue queue;
    grpc::Status status;
    auto call = (stub.*prepare)(&context, request, &queue);
    call->StartCall();
    call->Finish(response, &status, nullptr);
    AwaitOnlyEvent(&queue);
    return Finish(context, std::move(status));
  }

  // Takes the queue's one event, polling for up to poll_before_sleeping
  // first, and shuts the queue down.
  void AwaitOnlyEvent(grpc::CompletionQueue* queue) const;

  static CallResult Finish(const grpc::ClientContext& context, grpc::Status status);

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Simulator::Stub> stub_;
  ClientOptions options_;
};

// Builders for request fields.
v1::ParameterValue Scalar(double value);
v1::ParameterValue Array(const std::vector<double>& values);
v1::ParameterValue Random(const std::string& distribution,
                          const std::map<std::string, double>& parameters, uint64_t seed = 0);
v1::ParameterValue SequenceOf(const std::vector<double>& values);
v1::CellSet WholePopulation(uint32_t population_id);
v1::CellSet PopulationView(uint32_t population_id, const std::vector<uint32_t>& indices);

}  // namespace spikeserve::client

#endif  // SPIKESERVE_CLIENTS_CPP_CLIENT_H_
