#include "server/grpc_status.h"

#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/errors.h"
#include "spikeserve/v1/errors.pb.h"

namespace spikeserve::server {

grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContext* context) {
  if (status.ok()) return grpc::Status::OK;
  v1::ErrorDetail detail;
  detail.set_field(engine::ErrorField(status));
  detail.set_reason(engine::ErrorReason(status));
  if (detail.reason().empty()) {
    // Errors that did not come from a boundary check still get a code that
    // clients can switch on.
    detail.set_reason(std::string(absl::StatusCodeToString(status.code())));
  }
  if (context != nullptr) {
    context->AddTrailingMetadata(kErrorDetailKey, detail.SerializeAsString());
  }
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

RpcLog::RpcLog(const std::string& method, const std::string& session_id)
    : method_(method), session_id_(session_id), start_ns_(absl::GetCurrentTimeNanos()) {}

grpc::Status RpcLog::Finish(const absl::Status& status, grpc::ServerContext* context) {
  status_ = status;
  return ToGrpcStatus(status, context);
}

RpcLog::~RpcLog() {
  const double ms = (absl::GetCurrentTimeNanos() - start_ns_) / 1e6;
  // Session ids are credentials: log only a prefix that identifies them.
  const std::string session = session_id_.empty() ? "-" : session_id_.substr(0, 8);
  std::string line =
      absl::StrFormat("%s rpc=%s session=%s status=%s duration_ms=%.3f",
                      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
                      method_, session, absl::StatusCodeToString(status_.code()), ms);
  if (!status_.ok()) {
    absl::StrAppendFormat(&line, " field=%s message=\"%s\"", engine::ErrorField(status_),
                          status_.message());
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace spikeserve::server
