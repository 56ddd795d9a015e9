// The one place where engine and server errors (absl::Status with field and
// reason payloads) become gRPC statuses, and where every RPC is logged.
#ifndef SPIKESERVE_SERVER_GRPC_STATUS_H_
#define SPIKESERVE_SERVER_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"

namespace spikeserve::server {

// Trailing-metadata key carrying a serialised spikeserve.v1.ErrorDetail.
inline constexpr char kErrorDetailKey[] = "spikeserve-error-bin";

// Converts `status`, attaching its ErrorDetail to `context`'s trailers.
grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContext* context);

// Times one RPC and writes its log line (method, session, status, duration)
// when it goes out of scope. Handlers create one first thing.
class RpcLog {
 public:
  RpcLog(const std::string& method, const std::string& session_id);
  ~RpcLog();
  RpcLog(const RpcLog&) = delete;
  RpcLog& operator=(const RpcLog&) = delete;

  // Maps `status` (see ToGrpcStatus) and remembers it for the log line.
  grpc::Status Finish(const absl::Status& status, grpc::ServerContext* context);

  // For calls that learn their session only while running (CreateSession).
  void set_session_id(const std::string& session_id) { session_id_ = session_id; }

 private:
  std::string method_;
  std::string session_id_;
  absl::Status status_;
  int64_t start_ns_;
};

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_GRPC_STATUS_H_
