#include "clients/cpp/client.h"

#include <cstring>
#include <utility>

#include "grpc/health/v1/health.grpc.pb.h"

namespace spikeserve::client {
namespace {

constexpr char kErrorDetailKey[] = "spikeserve-error-bin";

CallResult LocalError(grpc::StatusCode code, const std::string& message) {
  CallResult result;
  result.status = grpc::Status(code, message);
  return result;
}

template <typename T>
void AppendFromLittleEndian(const std::string& bytes, std::vector<T>* out) {
  const size_t old = out->size();
  out->resize(old + bytes.size() / sizeof(T));
  std::memcpy(out->data() + old, bytes.data(), bytes.size() - bytes.size() % sizeof(T));
}

}  // namespace

Client::Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options)
    : channel_(std::move(channel)), stub_(v1::Simulator::NewStub(channel_)), options_(options) {}

std::unique_ptr<Client> Client::Connect(const std::string& address,
                                        std::chrono::milliseconds timeout, ClientOptions options) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + timeout)) return nullptr;
  return std::make_unique<Client>(std::move(channel), options);
}

void Client::AwaitOnlyEvent(grpc::CompletionQueue* queue) const {
  void* tag;
  bool ok;
  const auto stop_polling = std::chrono::steady_clock::now() + options_.poll_before_sleeping;
  bool got = false;
  // A deadline in the past makes AsyncNext poll the connection once without
  // sleeping.
  while (!got && std::chrono::steady_clock::now() < stop_polling) {
    got = queue->AsyncNext(&tag, &ok, std::chrono::system_clock::time_point()) ==
          grpc::CompletionQueue::GOT_EVENT;
  }
  if (!got) queue->Next(&tag, &ok);
  queue->Shutdown();
  while (queue->Next(&tag, &ok)) {
  }
}

CallResult Client::Finish(const grpc::ClientContext& context, grpc::Status status) {
  CallResult result;
  result.status = std::move(status);
  if (!result.ok()) {
    const auto& trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(kErrorDetailKey);
    if (it != trailers.end()) {
      result.error.ParseFromArray(it->second.data(), static_cast<int>(it->second.size()));
    }
  }
  return result;
}

CallResult Client::Run(const v1::RunRequest& request, v1::RunFinished* finished,
                       const std::function<void(const v1::RunProgress&)>& on_progress,
                       const std::function<void(const v1::RunEvent&)>& on_live) {
  grpc::ClientContext context;
  auto reader = stub_->Run(&context, request);
  v1::RunEvent event;
  bool got_finished = false;
  while (reader->Read(&event)) {
    if (event.has_progress() && on_progress) on_progress(event.progress());
    if ((event.has_live_chunk() || event.has_live_skipped()) && on_live) on_live(event);
    if (event.has_finished()) {
      *finished = event.finished();
      got_finished = true;
    }
  }
  CallResult result = Finish(context, reader->Finish());
  if (result.ok() && !got_finished) {
    return LocalError(grpc::StatusCode::INTERNAL, "Run ended without a RunFinished event");
  }
  return result;
}

CallResult Client::GetData(const v1::GetDataRequest& request, Block* block) {
  grpc::ClientContext context;
  auto reader = stub_->GetData(&context, request);
  BlockAssembler assembler;
  v1::DataChunk chunk;
  std::string problem;
  while (reader->Read(&chunk)) {
    if (problem.empty()) problem = assembler.Add(chunk);
  }
  CallResult result = Finish(context, reader->Finish());
  if (!result.ok()) return result;
  if (problem.empty()) problem = assembler.Finish();
  if (!problem.empty()) {
    return LocalError(grpc::StatusCode::DATA_LOSS, "malformed data stream: " + problem);
  }
  *block = std::move(assembler.block());
  return result;
}

CallResult Client::GetConnections(const v1::GetConnectionsRequest& request,
                                  Connections* connections) {
  grpc::ClientContext context;
  auto reader = stub_->GetConnections(&context, request);
  v1::ConnectionChunk chunk;
  *connections = Connections();
  while (reader->Read(&chunk)) {
    AppendFromLittleEndian(chunk.pre_u32le(), &connections->pre);
    AppendFromLittleEndian(chunk.post_u32le(), &connections->post);
    for (const auto& [name, array] : chunk.values()) {
      AppendFromLittleEndian(array.f64le(), &connections->values[name]);
    }
  }
  return Finish(context, reader->Finish());
}

CallResult Client::GetParameters(const v1::GetParametersRequest& request,
                                 std::map<std::string, std::vector<double>>* values) {
  grpc::ClientContext context;
  auto reader = stub_->GetParameters(&context, request);
  v1::ParameterChunk chunk;
  values->clear();
  while (reader->Read(&chunk)) {
    if (chunk.has_array()) AppendFromLittleEndian(chunk.array().f64le(), &(*values)[chunk.name()]);
  }
  return Finish(context, reader->Finish());
}

CallResult Client::Upload(const std::string& session_id, const std::string& bytes,
                          uint64_t* upload_id) {
  grpc::ClientContext context;
  v1::UploadResponse response;
  auto writer = stub_->Upload(&context, &response);
  size_t offset = 0;
  do {
    v1::UploadChunk chunk;
    chunk.set_session_id(session_id);
    chunk.set_data(bytes.substr(offset, options_.upload_chunk_bytes));
    offset += chunk.data().size();
    if (!writer->Write(chunk)) break;
  } while (offset < bytes.size());
  writer->WritesDone();
  CallResult result = Finish(context, writer->Finish());
  if (result.ok()) *upload_id = response.upload_id();
  return result;
}

CallResult Client::CheckHealth(const std::string& service, bool* serving) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  CallResult result =
      CallOn(*health, &grpc::health::v1::Health::Stub::PrepareAsyncCheck, request, &response);
  *serving = result.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  return result;
}

v1::ParameterValue Scalar(double value) {
  v1::ParameterValue proto;
  proto.set_scalar(value);
  return proto;
}

v1::ParameterValue Array(const std::vector<double>& values) {
  v1::ParameterValue proto;
  std::string* bytes = proto.mutable_array()->mutable_f64le();
  bytes->resize(values.size() * sizeof(double));
  std::memcpy(bytes->data(), values.data(), bytes->size());
  return proto;
}

v1::ParameterValue Random(const std::string& distribution,
                          const std::map<std::string, double>& parameters, uint64_t seed) {
  v1::ParameterValue proto;
  proto.mutable_random()->set_name(distribution);
  proto.mutable_random()->mutable_parameters()->insert(parameters.begin(), parameters.end());
  proto.mutable_random()->set_seed(seed);
  return proto;
}

v1::ParameterValue SequenceOf(const std::vector<double>& values) {
  v1::ParameterValue proto;
  proto.mutable_sequence()->mutable_values()->Add(values.begin(), values.end());
  return proto;
}

v1::CellSet WholePopulation(uint32_t population_id) {
  v1::CellSet cells;
  cells.add_parts()->set_population_id(population_id);
  return cells;
}

v1::CellSet PopulationView(uint32_t population_id, const std::vector<uint32_t>& indices) {
  v1::CellSet cells;
  v1::Selector* part = cells.add_parts();
  part->set_population_id(population_id);
  part->mutable_indices()->mutable_indices()->Add(indices.begin(), indices.end());
  return cells;
}

}  // namespace spikeserve::client
