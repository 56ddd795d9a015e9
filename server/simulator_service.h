// spikeserve.v1.Simulator over a SessionManager: each method finds the
// session, converts the request (proto_convert.h), calls the engine under the
// session's lock and converts the answer back. No simulation logic lives here.
#ifndef SPIKESERVE_SERVER_SIMULATOR_SERVICE_H_
#define SPIKESERVE_SERVER_SIMULATOR_SERVICE_H_

#include <string>
#include <utility>

#include "server/session_manager.h"
#include "spikeserve/v1/simulator.grpc.pb.h"

namespace spikeserve::server {

class SimulatorService final : public v1::Simulator::Service {
 public:
  struct Options {
    // Where ExportData and SaveProjection write files (created if missing).
    std::string data_dir;
  };

  SimulatorService(SessionManager* sessions, Options options)
      : sessions_(sessions), options_(std::move(options)) {}

  grpc::Status CreateSession(grpc::ServerContext* context, const v1::CreateSessionRequest* request,
                             v1::SessionDescription* response) override;
  grpc::Status CloseSession(grpc::ServerContext* context, const v1::CloseSessionRequest* request,
                            v1::CloseSessionResponse* response) override;
  grpc::Status ListSessions(grpc::ServerContext* context, const v1::ListSessionsRequest* request,
                            v1::ListSessionsResponse* response) override;
  grpc::Status DescribeSession(grpc::ServerContext* context,
                               const v1::DescribeSessionRequest* request,
                               v1::SessionDescription* response) override;
  grpc::Status GetCapabilities(grpc::ServerContext* context,
                               const v1::GetCapabilitiesRequest* request,
                               v1::Capabilities* response) override;
  grpc::Status Upload(grpc::ServerContext* context, grpc::ServerReader<v1::UploadChunk>* reader,
                      v1::UploadResponse* response) override;

  grpc::Status CreatePopulation(grpc::ServerContext* context,
                                const v1::CreatePopulationRequest* request,
                                v1::PopulationInfo* response) override;
  grpc::Status SetParameters(grpc::ServerContext* context, const v1::SetParametersRequest* request,
                             v1::SetParametersResponse* response) override;
  grpc::Status GetParameters(grpc::ServerContext* context, const v1::GetParametersRequest* request,
                             grpc::ServerWriter<v1::ParameterChunk>* writer) override;
  grpc::Status Initialize(grpc::ServerContext* context, const v1::InitializeRequest* request,
                          v1::InitializeResponse* response) override;
  grpc::Status GetPositions(grpc::ServerContext* context, const v1::GetPositionsRequest* request,
                            grpc::ServerWriter<v1::PositionsChunk>* writer) override;
  grpc::Status SetPositions(grpc::ServerContext* context, const v1::SetPositionsRequest* request,
                            v1::SetPositionsResponse* response) override;

  grpc::Status CreateProjection(grpc::ServerContext* context,
                                const v1::CreateProjectionRequest* request,
                                v1::ProjectionInfo* response) override;
  grpc::Status GetConnections(grpc::ServerContext* context,
                              const v1::GetConnectionsRequest* request,
                              grpc::ServerWriter<v1::ConnectionChunk>* writer) override;
  grpc::Status SetSynapseParameters(grpc::ServerContext* context,
                                    const v1::SetSynapseParametersRequest* request,
                                    v1::SetSynapseParametersResponse* response) override;
  grpc::Status InitializeSynapses(grpc::ServerContext* context,
                                  const v1::InitializeSynapsesRequest* request,
                                  v1::InitializeSynapsesResponse* response) override;
  grpc::Status SaveProjection(grpc::ServerContext* context,
                              const v1::SaveProjectionRequest* request,
                              v1::SaveProjectionResponse* response) override;

  grpc::Status CreateCurrentSource(grpc::ServerContext* context,
                                   const v1::CreateCurrentSourceRequest* request,
                                   v1::CurrentSourceInfo* response) override;
  grpc::Status SetCurrentSourceParameters(
      grpc::ServerContext* context, const v1::SetCurrentSourceParametersRequest* request,
      v1::SetCurrentSourceParametersResponse* response) override;
  grpc::Status Inject(grpc::ServerContext* context, const v1::InjectRequest* request,
                      v1::InjectResponse* response) override;
  grpc::Status RecordCurrentSource(grpc::ServerContext* context,
                                   const v1::RecordCurrentSourceRequest* request,
                                   v1::RecordResponse* response) override;

  grpc::Status Record(grpc::ServerContext* context, const v1::RecordRequest* request,
                      v1::RecordResponse* response) override;
  grpc::Status StopRecording(grpc::ServerContext* context, const v1::StopRecordingRequest* request,
                             v1::StopRecordingResponse* response) override;

  grpc::Status Run(grpc::ServerContext* context, const v1::RunRequest* request,
                   grpc::ServerWriter<v1::RunEvent>* writer) override;
  grpc::Status Reset(grpc::ServerContext* context, const v1::ResetRequest* request,
                     v1::ResetResponse* response) override;
  grpc::Status GetData(grpc::ServerContext* context, const v1::GetDataRequest* request,
                       grpc::ServerWriter<v1::DataChunk>* writer) override;
  grpc::Status ClearData(grpc::ServerContext* context, const v1::ClearDataRequest* request,
                         v1::ClearDataResponse* response) override;
  grpc::Status ExportData(grpc::ServerContext* context, const v1::ExportDataRequest* request,
                          grpc::ServerWriter<v1::ExportDataChunk>* writer) override;

 private:
  SessionManager* const sessions_;
  const Options options_;
};

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_SIMULATOR_SERVICE_H_
