#include "server/simulator_service.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/errors.h"
#include "server/data_stream.h"
#include "server/export_files.h"
#include "server/grpc_status.h"
#include "server/live_data.h"
#include "server/nix_export.h"
#include "server/nix_writer.h"
#include "server/projection_file.h"
#include "server/proto_convert.h"
#include "server/run_stream.h"
#include "server/wire_format.h"

namespace spikeserve::server {
namespace {

// Bulk bytes per streamed message (parameters, positions, connections).
constexpr size_t kStreamChunkBytes = 1 << 20;

// Biological time between Run progress events when the request leaves it 0.
constexpr double kDefaultProgressIntervalMs = 100.0;

// A build's freed temporaries (some 50 bytes a synapse) below the mmap
// threshold (1 MiB: main.cc) stay in the heap for the next build, until
// projections built since the last trim (in any session: the heap is the
// process's) hold this many synapses.
constexpr uint64_t kTrimAfterSynapses = 1'000'000;

// Hands the pages of freed build temporaries back to the system once
// projections of at least kTrimAfterSynapses synapses have been built since
// the last time, or after a build that failed.
void TrimAfterBuild(uint64_t synapses, bool failed) {
  static std::atomic<uint64_t> built_since_trim{0};
  if (failed || built_since_trim.fetch_add(synapses) + synapses >= kTrimAfterSynapses) {
    built_since_trim = 0;
    malloc_trim(0);
  }
}

// Runs `body(session, simulation)` with the session's lock held: this is what
// serialises calls on one session while other sessions proceed.
template <typename Body>
absl::Status WithSession(SessionManager* sessions, const std::string& session_id, Body&& body) {
  absl::StatusOr<std::shared_ptr<Session>> session = sessions->Find(session_id);
  if (!session.ok()) return session.status();
  absl::MutexLock lock(&(*session)->mutex());
  absl::Status status = body(**session, (*session)->simulation());
  (*session)->Touch();
  return status;
}

TakeUpload UploadsOf(Session& session) {
  return [&session](uint64_t upload_id) { return session.TakeUpload(upload_id); };
}

void Describe(const Session& session, const engine::Simulation& simulation, double idle_timeout_s,
              v1::SessionDescription* out) {
  const engine::SimulationConfig& config = simulation.config();
  out->set_session_id(session.id());
  out->set_label(session.label());
  out->set_timestep_ms(config.timestep_ms);
  out->set_min_delay_ms(simulation.min_delay_ms());
  out->set_max_delay_ms(simulation.max_delay_ms());
  out->set_seed(simulation.seed());
  out->set_threads(config.threads);
  out->set_t_ms(simulation.time_ms());
  out->set_num_segments(simulation.segments().size());
  out->set_num_neurons(simulation.num_neurons());
  out->set_num_synapses(simulation.num_synapses());
  out->set_idle_timeout_s(idle_timeout_s);
  *out->mutable_limits() = ToProto(config.limits);
  const engine::Simulation::MemoryFootprint memory = simulation.memory_footprint();
  v1::SessionMemory* memory_out = out->mutable_memory();
  memory_out->set_synapse_bytes(memory.synapses);
  memory_out->set_ring_buffer_bytes(memory.ring_buffers);
  memory_out->set_recording_bytes(memory.recording);
  memory_out->set_spilled_recording_bytes(memory.spilled_recording);
  for (const engine::PopulationInfo& population : simulation.Populations()) {
    *out->add_populations() = ToProto(population);
  }
  for (const engine::ProjectionInfo& projection : simulation.Projections()) {
    *out->add_projections() = ToProto(projection);
  }
}

// Sends `values` (one per element) as chunks of at most kStreamChunkBytes.
template <typename Chunk, typename Fill>
bool StreamInPieces(size_t count, size_t bytes_per_element, grpc::ServerWriter<Chunk>* writer,
                    Fill&& fill) {
  const size_t per_chunk = std::max<size_t>(1, kStreamChunkBytes / bytes_per_element);
  size_t first = 0;
  do {
    const size_t n = std::min(per_chunk, count - first);
    Chunk chunk;
    fill(first, n, &chunk);
    if (!writer->Write(chunk)) return false;
    first += n;
  } while (first < count);
  return true;
}

// Converts the selector and the values of a set/initialize request, then
// hands both to `apply`.
template <typename Apply>
absl::Status ApplyToSelection(Session& session, engine::Simulation& simulation,
                              const v1::Selector& selector,
                              const google::protobuf::Map<std::string, v1::ParameterValue>& values,
                              const std::string& values_field, Apply&& apply) {
  absl::StatusOr<engine::Selector> cells = FromProto(selector, "cells", simulation);
  if (!cells.ok()) return cells.status();
  absl::StatusOr<engine::ParameterMap> converted =
      FromProto(values, values_field, UploadsOf(session));
  if (!converted.ok()) return converted.status();
  return apply(*cells, *converted);
}

// Calls `per_part` for every part of a CellSet (an Assembly), stopping at the
// first error.
template <typename PerPart>
absl::Status ForEachPart(const v1::CellSet& cells, const engine::Simulation& simulation,
                         PerPart&& per_part) {
  absl::StatusOr<engine::CellSet> set = FromProto(cells, "cells", simulation);
  if (!set.ok()) return set.status();
  for (const engine::Selector& part : set->parts) {
    absl::Status status = per_part(part);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

bool HasCurrentSources(const v1::GetDataRequest& request) {
  return request.current_sources_size() > 0;
}
bool HasCurrentSources(const v1::ExportDataRequest&) { return false; }

// What GetData and ExportData select, from either request.
template <typename Request>
absl::StatusOr<DataRequest> DataRequestFrom(const Request& request,
                                            const engine::Simulation& simulation) {
  DataRequest data;
  // A request for recorded currents alone names no cells.
  if (request.cells().parts_size() > 0 || !HasCurrentSources(request)) {
    absl::StatusOr<engine::CellSet> cells = FromProto(request.cells(), "cells", simulation);
    if (!cells.ok()) return cells.status();
    data.cells = *std::move(cells);
  }
  data.variables.insert(request.variables().begin(), request.variables().end());
  data.segments.assign(request.segments().begin(), request.segments().end());
  data.dtype = request.dtype();
  data.block_name = request.block_name();
  return data;
}

// A current source's id, type and parameters as applied.
absl::Status DescribeSource(const engine::Simulation& simulation, engine::CurrentSourceId id,
                            v1::CurrentSourceInfo* out) {
  absl::StatusOr<engine::ParameterMap> parameters = simulation.CurrentSourceParameters(id);
  if (!parameters.ok()) return parameters.status();
  out->set_source_id(id);
  ToProto(*parameters, out->mutable_parameters());
  return absl::OkStatus();
}

const absl::Status kClientGone(absl::StatusCode::kCancelled, "the client stopped reading");

}  // namespace

grpc::Status SimulatorService::CreateSession(grpc::ServerContext* context,
                                             const v1::CreateSessionRequest* request,
                                             v1::SessionDescription* response) {
  RpcLog log("CreateSession", "");
  absl::StatusOr<engine::SimulationConfig> config =
      FromProto(*request, sessions_->options().limits, sessions_->options().default_threads);
  if (!config.ok()) return log.Finish(config.status(), context);
  absl::StatusOr<std::shared_ptr<Session>> session = sessions_->Create(*config, request->label());
  if (!session.ok()) return log.Finish(session.status(), context);
  absl::MutexLock lock(&(*session)->mutex());
  Describe(**session, (*session)->simulation(),
           absl::ToDoubleSeconds(sessions_->options().idle_timeout), response);
  log.set_session_id((*session)->id());
  return log.Finish(absl::OkStatus(), context);
}

grpc::Status SimulatorService::CloseSession(grpc::ServerContext* context,
                                            const v1::CloseSessionRequest* request,
                                            v1::CloseSessionResponse*) {
  RpcLog log("CloseSession", request->session_id());
  return log.Finish(sessions_->Close(request->session_id()), context);
}

grpc::Status SimulatorService::ListSessions(grpc::ServerContext* context,
                                            const v1::ListSessionsRequest*,
                                            v1::ListSessionsResponse* response) {
  RpcLog log("ListSessions", "");
  for (const std::shared_ptr<Session>& session : sessions_->List()) {
    v1::ListSessionsResponse::Entry* entry = response->add_sessions();
    // Ids are credentials: a listing shows only the prefix that logs use.
    entry->set_session_id(session->id().substr(0, 8));
    entry->set_label(session->label());
    entry->set_idle_s(absl::ToDoubleSeconds(session->idle()));
  }
  response->set_max_sessions(sessions_->options().max_sessions);
  return log.Finish(absl::OkStatus(), context);
}

grpc::Status SimulatorService::DescribeSession(grpc::ServerContext* context,
                                               const v1::DescribeSessionRequest* request,
                                               v1::SessionDescription* response) {
  RpcLog log("DescribeSession", request->session_id());
  const double idle_timeout_s = absl::ToDoubleSeconds(sessions_->options().idle_timeout);
  return log.Finish(WithSession(sessions_, request->session_id(),
                                [&](Session& session, engine::Simulation& simulation) {
                                  Describe(session, simulation, idle_timeout_s, response);
                                  return absl::OkStatus();
                                }),
                    context);
}

grpc::Status SimulatorService::GetCapabilities(grpc::ServerContext* context,
                                               const v1::GetCapabilitiesRequest*,
                                               v1::Capabilities* response) {
  RpcLog log("GetCapabilities", "");
  static const v1::Capabilities* const kCapabilities = new v1::Capabilities(CapabilitiesProto());
  *response = *kCapabilities;
  response->set_server_version(SPIKESERVE_VERSION);
  return log.Finish(absl::OkStatus(), context);
}

grpc::Status SimulatorService::Upload(grpc::ServerContext* context,
                                      grpc::ServerReader<v1::UploadChunk>* reader,
                                      v1::UploadResponse* response) {
  v1::UploadChunk chunk;
  std::string session_id;
  std::string bytes;
  bool first = true;
  const uint64_t limit = sessions_->options().max_upload_bytes_per_session;
  absl::Status status;
  while (reader->Read(&chunk)) {
    if (first) {
      session_id = chunk.session_id();
      first = false;
      // Fail fast on a bad session rather than after receiving everything.
      absl::StatusOr<std::shared_ptr<Session>> session = sessions_->Find(session_id);
      if (!session.ok()) {
        status = session.status();
        break;
      }
    } else if (!chunk.session_id().empty() && chunk.session_id() != session_id) {
      status = engine::InvalidArgument("session_id", engine::reason::kConflict,
                                       "every chunk of one upload must name the same session");
      break;
    }
    if (bytes.size() + chunk.data().size() > limit) {
      status =
          engine::ResourceExhausted("data", engine::reason::kLimitExceeded,
                                    absl::StrCat("an upload may hold at most ", limit, " bytes"));
      break;
    }
    bytes += chunk.data();
  }
  RpcLog log("Upload", session_id);
  if (!status.ok()) return log.Finish(status, context);
  if (first) {
    return log.Finish(engine::InvalidArgument("session_id", engine::reason::kMissing,
                                              "an upload needs at least one chunk"),
                      context);
  }
  return log.Finish(WithSession(sessions_, session_id,
                                [&](Session& session, engine::Simulation&) -> absl::Status {
                                  const uint64_t size = bytes.size();
                                  absl::StatusOr<uint64_t> id = session.AddUpload(std::move(bytes));
                                  if (!id.ok()) return id.status();
                                  response->set_upload_id(*id);
                                  response->set_num_bytes(size);
                                  return absl::OkStatus();
                                }),
                    context);
}

grpc::Status SimulatorService::CreatePopulation(grpc::ServerContext* context,
                                                const v1::CreatePopulationRequest* request,
                                                v1::PopulationInfo* response) {
  RpcLog log("CreatePopulation", request->session_id());
  return log.Finish(
      WithSession(sessions_, request->session_id(),
                  [&](Session& session, engine::Simulation& simulation) -> absl::Status {
                    engine::PopulationSpec spec;
                    spec.size = request->size();
                    spec.cell_type = request->cell_type();
                    spec.label = request->label();
                    spec.structure = FromProto(request->structure());
                    absl::StatusOr<engine::ParameterMap> parameters =
                        FromProto(request->parameters(), "parameters", UploadsOf(session));
                    if (!parameters.ok()) return parameters.status();
                    spec.parameters = *std::move(parameters);
                    absl::StatusOr<engine::ParameterMap> initial =
                        FromProto(request->initial_values(), "initial_values", UploadsOf(session));
                    if (!initial.ok()) return initial.status();
                    spec.initial_values = *std::move(initial);
                    absl::StatusOr<engine::PopulationInfo> info = simulation.AddPopulation(spec);
                    if (!info.ok()) return info.status();
                    *response = ToProto(*info);
                    return absl::OkStatus();
                  }),
      context);
}

grpc::Status SimulatorService::SetParameters(grpc::ServerContext* context,
                                             const v1::SetParametersRequest* request,
                                             v1::SetParametersResponse*) {
  RpcLog log("SetParameters", request->session_id());
  return log.Finish(WithSession(sessions_, request->session_id(),
                                [&](Session& session, engine::Simulation& simulation) {
                                  return ApplyToSelection(
                                      session, simulation, request->cells(), request->parameters(),
                                      "parameters", [&](const auto& cells, const auto& values) {
                                        return simulation.SetParameters(cells, values);
                                      });
                                }),
                    context);
}

grpc::Status SimulatorService::GetParameters(grpc::ServerContext* context,
                                             const v1::GetParametersRequest* request,
                                             grpc::ServerWriter<v1::ParameterChunk>* writer) {
  RpcLog log("GetParameters", request->session_id());
  return log.Finish(
      WithSession(
          sessions_, request->session_id(),
          [&](Session&, engine::Simulation& simulation) -> absl::Status {
            absl::StatusOr<engine::Selector> cells =
                FromProto(request->cells(), "cells", simulation);
            if (!cells.ok()) return cells.status();
            for (int k = 0; k < request->names_size(); ++k) {
              const std::string& name = request->names(k);
              absl::StatusOr<engine::ParameterValue> value =
                  request->initial_values() ? simulation.GetInitialValue(*cells, name)
                                            : simulation.GetParameter(*cells, name);
              if (!value.ok()) {
                return engine::MakeError(value.status().code(), absl::StrCat("names[", k, "]"),
                                         engine::ErrorReason(value.status()),
                                         std::string(value.status().message()));
              }
              bool written = true;
              if (const auto* numbers = std::get_if<std::vector<double>>(&*value)) {
                written = StreamInPieces(numbers->size(), sizeof(double), writer,
                                         [&](size_t first, size_t n, v1::ParameterChunk* chunk) {
                                           chunk->set_name(name);
                                           chunk->set_first_element(first);
                                           AppendLittleEndian<double>(
                                               numbers->data() + first, n,
                                               chunk->mutable_array()->mutable_f64le());
                                         });
              } else if (const auto* lists = std::get_if<engine::SequenceList>(&*value)) {
                size_t longest = 1;
                for (const auto& sequence : lists->values)
                  longest = std::max(longest, sequence.size());
                written = StreamInPieces(
                    lists->values.size(), longest * sizeof(double) + 8, writer,
                    [&](size_t first, size_t n, v1::ParameterChunk* chunk) {
                      chunk->set_name(name);
                      chunk->set_first_element(first);
                      for (size_t i = first; i < first + n; ++i) {
                        chunk->mutable_sequence_list()->add_sequences()->mutable_values()->Add(
                            lists->values[i].begin(), lists->values[i].end());
                      }
                    });
              } else {
                return absl::InternalError(
                    absl::StrCat("the engine returned an unexpected value kind for '", name, "'"));
              }
              if (!written) return kClientGone;
            }
            return absl::OkStatus();
          }),
      context);
}

grpc::Status SimulatorService::Initialize(grpc::ServerContext* context,
                                          const v1::InitializeRequest* request,
                                          v1::InitializeResponse*) {
  RpcLog log("Initialize", request->session_id());
  return log.Finish(WithSession(sessions_, request->session_id(),
                                [&](Session& session, engine::Simulation& simulation) {
                                  return ApplyToSelection(
                                      session, simulation, request->cells(),
                                      request->initial_values(), "initial_values",
                                      [&](const auto& cells, const auto& values) {
                                        return simulation.Initialize(cells, values);
                                      });
                                }),
                    context);
}

grpc::Status SimulatorService::GetPositions(grpc::ServerContext* context,
                                            const v1::GetPositionsRequest* request,
                                            grpc::ServerWriter<v1::PositionsChunk>* writer) {
  RpcLog log("GetPositions", request->session_id());
  return log.Finish(WithSession(sessions_, request->session_id(),
                                [&](Session&, engine::Simulation& simulation) -> absl::Status {
                                  absl::StatusOr<engine::Selector> cells =
                                      FromProto(request->cells(), "cells", simulation);
                                  if (!cells.ok()) return cells.status();
                                  absl::StatusOr<std::vector<std::array<double, 3>>> positions =
                                      simulation.Positions(*cells);
                                  if (!positions.ok()) return positions.status();
                                  const bool written = StreamInPieces(
                                      positions->size(), 3 * sizeof(double), writer,
                                      [&](size_t first, size_t n, v1::PositionsChunk* chunk) {
                                        chunk->set_first_element(first);
                                        AppendLittleEndian<double>((*positions)[first].data(),
                                                                   3 * n,
                                                                   chunk->mutable_xyz_f64le());
                                      });
                                  return written ? absl::OkStatus() : kClientGone;
                                }),
                    context);
}

grpc::Status SimulatorService::SetPositions(grpc::ServerContext* context,
                                            const v1::SetPositionsRequest* request,
                                            v1::SetPositionsResponse*) {
  RpcLog log("SetPositions", request->session_id());
  return log.Finish(
      WithSession(sessions_, request->session_id(),
                  [&](Session& session, engine::Simulation& simulation) -> absl::Status {
                    absl::StatusOr<engine::Selector> cells =
                        FromProto(request->cells(), "cells", simulation);
                    if (!cells.ok()) return cells.status();
                    absl::StatusOr<std::vector<std::array<double, 3>>> positions = DecodePositions(
                        request->xyz_f64le(), request->xyz_upload_id(),
                        request->xyz_upload_id() != 0 ? "xyz_upload_id" : "xyz_f64le",
                        UploadsOf(session));
                    if (!positions.ok()) return positions.status();
                    absl::Status set = simulation.SetPositions(*cells, *positions);
                    // The engine names the list "positions"; on the wire it is xyz_f64le.
                    if (!set.ok() && engine::ErrorField(set) == "positions")
                      return engine::MakeError(set.code(), "xyz_f64le", engine::ErrorReason(set),
                                               std::string(set.message()));
                    return set;
                  }),
      context);
}

grpc::Status SimulatorService::CreateProjection(grpc::ServerContext* context,
                                                const v1::CreateProjectionRequest* request,
                                                v1::ProjectionInfo* response) {
  RpcLog log("CreateProjection", request->session_id());
  return log.Finish(
      WithSession(sessions_, request->session_id(),
                  [&](Session& session, engine::Simulation& simulation) -> absl::Status {
                    engine::ProjectionSpec spec;
                    absl::StatusOr<engine::CellSet> pre =
                        FromProto(request->pre(), "pre", simulation);
                    if (!pre.ok()) return pre.status();
                    absl::StatusOr<engine::CellSet> post =
                        FromProto(request->post(), "post", simulation);
                    if (!post.ok()) return post.status();
                    absl::StatusOr<engine::ConnectorSpec> connector =
                        FromProto(request->connector(), "connector", UploadsOf(session));
                    if (!connector.ok()) return connector.status();
                    absl::StatusOr<engine::ParameterMap> synapse_parameters = FromProto(
                        request->synapse().parameters(), "synapse.parameters", UploadsOf(session));
                    if (!synapse_parameters.ok()) return synapse_parameters.status();
                    spec.space = FromProto(request->space());
                    spec.pre = *std::move(pre);
                    spec.post = *std::move(post);
                    spec.connector = *std::move(connector);
                    if (!request->synapse().type().empty())
                      spec.synapse.type = request->synapse().type();
                    spec.synapse.timing_dependence = request->synapse().timing_dependence();
                    spec.synapse.weight_dependence = request->synapse().weight_dependence();
                    spec.synapse.parameters = *std::move(synapse_parameters);
                    if (!request->receptor_type().empty())
                      spec.receptor_type = request->receptor_type();
                    spec.label = request->label();
                    absl::StatusOr<engine::ProjectionInfo> info = simulation.AddProjection(spec);
                    // The build's temporaries (connector output, sort orders) are
                    // several times the synapses' own size; hand their pages back to
                    // the system instead of keeping them in glibc's heap
                    // (bench/RESULTS.md: 22.3 -> 20.0 B of RSS per synapse at 100,000
                    // cells), unless they were few: the next small projection then
                    // reuses them instead of faulting fresh pages in, which cost up to
                    // half of a small build here.
                    TrimAfterBuild(info.ok() ? info->num_connections : 0, !info.ok());
                    if (!info.ok()) return info.status();
                    *response = ToProto(*info);
                    response->set_pre_size(info->pre_size);
                    response->set_post_size(info->post_size);
                    return absl::OkStatus();
                  }),
      context);
}

grpc::Status SimulatorService::GetConnections(grpc::ServerContext* context,
                                              const v1::GetConnectionsRequest* request,
                                              grpc::ServerWriter<v1::ConnectionChunk>* writer) {
  RpcLog log("GetConnections", request->session_id());
  return log.Finish(WithSession(sessions_, request->session_id(),
                                [&](Session&, engine::Simulation& simulation) -> absl::Status {
                                  const std::vector<std::string> names(request->names().begin(),
                                                                       request->names().end());
                                  absl::StatusOr<engine::ConnectionTable> table =
                                      simulation.GetConnections(request->projection_id(), names);
                                  if (!table.ok()) return table.status();
                                  const size_t bytes_per_connection = 8 + 8 * table->values.size();
                                  const bool written = StreamInPieces(
                                      table->pre.size(), bytes_per_connection, writer,
                                      [&](size_t first, size_t n, v1::ConnectionChunk* chunk) {
                                        chunk->set_first_connection(first);
                                        chunk->set_num_connections(n);
                                        AppendLittleEndian<uint32_t>(table->pre.data() + first, n,
                                                                     chunk->mutable_pre_u32le());
                                        AppendLittleEndian<uint32_t>(table->post.data() + first, n,
                                                                     chunk->mutable_post_u32le());
                                        for (const auto& [name, values] : table->values) {
                                          AppendLittleEndian<double>(
                                              values.data() + first, n,
                                              (*chunk->mutable_values())[name].mutable_f64le());
                                        }
                                      });
                                  return written ? absl::OkStatus() : kClientGone;
                                }),
                    context);
}

grpc::Status SimulatorService::SetSynapseParameters(grpc::ServerContext* context,
                                                    const v1::SetSynapseParametersRequest* request,
                                                    v1::SetSynapseParametersResponse*) {
  RpcLog log("SetSynapseParameters", request->session_id());
  return log.Finish(
      WithSession(sessions_, request->session_id(),
                  [&](Session& session, engine::Simulation& simulation) -> absl::Status {
                    absl::StatusOr<engine::ParameterMap> values =
                        FromProto(request->parameters(), "parameters", UploadsOf(session));
                    if (!values.ok()) return values.status();
                    return simulation.SetSynapseParameters(request->projection_id(), *values);
                  }),
      context);
}

grpc::Status SimulatorService::InitializeSynapses(grpc::ServerContext* context,
                                                  const v1::InitializeSynapsesRequest* request,
                                                  v1::InitializeSynapsesResponse*) {
  RpcLog log("InitializeSynapses", request->session_id());
  return log.Finish(
      WithSession(sessions_, request->session_id(),
                  [&](Session& session, engine::Simulation& simulation) -> absl::Status {
                    absl::StatusOr<engine::ParameterMap> values =
                        FromProto(request->initial_values(), "initial_values", UploadsOf(session));
                    if (!values.ok()) return values.status();
                    return simulation.InitializeSynapses(request->projection_id(), *values);
                  }),
      context);
}

grpc::Status SimulatorService::SaveProjection(grpc::ServerContext* context,
                                              const v1::SaveProjectionRequest* request,
                                              v1::SaveProjectionResponse* response) {
  RpcLog log("SaveProjection", request->session_id());
  const std::string format = request->format().empty() ? "list" : request->format();
  if (format != "list" && format != "hdf5" && format != "array") {
    return log.Finish(
        engine::InvalidArgument(
            "format", engine::reason::kOutOfRange,
            "format must be \"list\" (text), \"hdf5\" or \"array\"; got \"" + format + "\""),
        context);
  }
  // "array" is PyNN's matrix layout, in HDF5 when the path ends in .h5.
  const bool hdf5 =
      format == "hdf5" || (format == "array" && absl::EndsWith(request->path(), ".h5"));
  absl::StatusOr<std::string> target =
      hdf5 ? ExportPath(options_.data_dir, request->path(), "an HDF5 file", {".h5"})
           : ExportPath(options_.data_dir, request->path(), "a text file", {});
  if (!target.ok()) return log.Finish(target.status(), context);
  std::vector<std::string> names(request->names().begin(), request->names().end());
  if (names.empty())
    names = format == "array" ? std::vector<std::string>{"weight"}
                              : std::vector<std::string>{"weight", "delay"};
  if (format == "array" && names.size() != 1) {
    return log.Finish(engine::InvalidArgument("names", engine::reason::kWrongLength,
                                              "the array layout holds one attribute, as PyNN's "
                                              "Projection.save(format=\"array\") does; got " +
                                                  std::to_string(names.size())),
                      context);
  }
  return log.Finish(
      WithSession(sessions_, request->session_id(),
                  [&](Session&, engine::Simulation& simulation) -> absl::Status {
                    absl::StatusOr<engine::ProjectionInfo> info =
                        simulation.DescribeProjection(request->projection_id());
                    if (!info.ok()) return info.status();
                    absl::StatusOr<engine::ConnectionTable> table =
                        simulation.GetConnections(request->projection_id(), names);
                    if (!table.ok()) return table.status();
                    absl::StatusOr<ProjectionRows> rows =
                        format == "array"
                            ? ArrayLayout(*table, names[0], info->pre_size, info->post_size)
                            : ListLayout(*table, names);
                    if (!rows.ok()) return rows.status();
                    absl::Status written = hdf5 ? WriteProjectionHdf5(*rows, info->label, *target)
                                                : WriteProjectionText(*rows, *target);
                    if (!written.ok()) return written;
                    response->set_path(request->path());
                    response->set_num_connections(table->pre.size());
                    response->set_total_bytes(std::filesystem::file_size(*target));
                    return absl::OkStatus();
                  }),
      context);
}

grpc::Status SimulatorService::CreateCurrentSource(grpc::ServerContext* context,
                                                   const v1::CreateCurrentSourceRequest* request,
                                                   v1::CurrentSourceInfo* response) {
  RpcLog log("CreateCurrentSource", request->session_id());
  return log.Finish(
      WithSession(sessions_, request->session_id(),
                  [&](Session& session, engine::Simulation& simulation) -> absl::Status {
                    engine::CurrentSourceSpec spec;
                    spec.type = request->type();
                    absl::StatusOr<engine::ParameterMap> values =
                        FromProto(request->parameters(), "parameters", UploadsOf(session));
                    if (!values.ok()) return values.status();
                    spec.parameters = *std::move(values);
                    absl::StatusOr<engine::CurrentSourceId> id = simulation.AddCurrentSource(spec);
                    if (!id.ok()) return id.status();
                    response->set_type(spec.type);
                    return DescribeSource(simulation, *id, response);
                  }),
      context);
}

grpc::Status SimulatorService::SetCurrentSourceParameters(
    grpc::ServerContext* context, const v1::SetCurrentSourceParametersRequest* request,
    v1::SetCurrentSourceParametersResponse* response) {
  RpcLog log("SetCurrentSourceParameters", request->session_id());
  return log.Finish(
      WithSession(
          sessions_, request->session_id(),
          [&](Session& session, engine::Simulation& simulation) -> absl::Status {
            absl::StatusOr<engine::ParameterMap> values =
                FromProto(request->parameters(), "parameters", UploadsOf(session));
            if (!values.ok()) return values.status();
            absl::Status set = simulation.SetCurrentSourceParameters(request->source_id(), *values);
            if (!set.ok()) return set;
            return DescribeSource(simulation, request->source_id(), response->mutable_source());
          }),
      context);
}

grpc::Status SimulatorService::Inject(grpc::ServerContext* context,
                                      const v1::InjectRequest* request, v1::InjectResponse*) {
  RpcLog log("Inject", request->session_id());
  return log.Finish(WithSession(sessions_, request->session_id(),
                                [&](Session&, engine::Simulation& simulation) {
                                  return ForEachPart(
                                      request->cells(), simulation, [&](const auto& part) {
                                        return simulation.Inject(request->source_id(), part);
                                      });
                                }),
                    context);
}

grpc::Status SimulatorService::RecordCurrentSource(grpc::ServerContext* context,
                                                   const v1::RecordCurrentSourceRequest* request,
                                                   v1::RecordResponse*) {
  RpcLog log("RecordCurrentSource", request->session_id());
  return log.Finish(WithSession(sessions_, request->session_id(),
                                [&](Session&, engine::Simulation& simulation) {
                                  return simulation.RecordCurrentSource(request->source_id());
                                }),
                    context);
}

grpc::Status SimulatorService::Record(grpc::ServerContext* context,
                                      const v1::RecordRequest* request, v1::RecordResponse*) {
  RpcLog log("Record", request->session_id());
  return log.Finish(
      WithSession(sessions_, request->session_id(),
                  [&](Session&, engine::Simulation& simulation) {
                    const std::vector<std::string> variables(request->variables().begin(),
                                                             request->variables().end());
                    return ForEachPart(request->cells(), simulation, [&](const auto& part) {
                      return simulation.Record(part, variables, request->sampling_interval_ms());
                    });
                  }),
      context);
}

grpc::Status SimulatorService::StopRecording(grpc::ServerContext* context,
                                             const v1::StopRecordingRequest* request,
                                             v1::StopRecordingResponse*) {
  RpcLog log("StopRecording", request->session_id());
  return log.Finish(WithSession(sessions_, request->session_id(),
                                [&](Session&, engine::Simulation& simulation) {
                                  const std::vector<std::string> variables(
                                      request->variables().begin(), request->variables().end());
                                  return ForEachPart(
                                      request->cells(), simulation, [&](const auto& part) {
                                        return simulation.StopRecording(part, variables);
                                      });
                                }),
                    context);
}

grpc::Status SimulatorService::Run(grpc::ServerContext* context, const v1::RunRequest* request,
                                   grpc::ServerWriter<v1::RunEvent>* writer) {
  RpcLog log("Run", request->session_id());
  return log.Finish(
      WithSession(
          sessions_, request->session_id(),
          [&](Session& session, engine::Simulation& simulation) -> absl::Status {
            if (request->target_case() == v1::RunRequest::TARGET_NOT_SET) {
              return engine::InvalidArgument("target", engine::reason::kMissing,
                                             "set duration_ms (run) or until_ms (run_until)");
            }
            if (request->progress_interval_ms() < 0) {
              return engine::InvalidArgument("progress_interval_ms", engine::reason::kOutOfRange,
                                             "progress_interval_ms must be >= 0 (0 means 100 ms)");
            }
            if (!(request->progress_interval_wall_ms() >= 0) ||
                !std::isfinite(request->progress_interval_wall_ms())) {
              return engine::InvalidArgument(
                  "progress_interval_wall_ms", engine::reason::kOutOfRange,
                  "progress_interval_wall_ms must be finite and >= 0 (0: biological time only)");
            }
            const absl::Duration wall_interval =
                absl::Milliseconds(request->progress_interval_wall_ms());
            const double target = request->target_case() == v1::RunRequest::kDurationMs
                                      ? simulation.time_ms() + request->duration_ms()
                                      : request->until_ms();
            std::unique_ptr<LiveData> live;
            if (request->has_live_data()) {
              absl::StatusOr<std::unique_ptr<LiveData>> created =
                  LiveData::Create(request->live_data(), simulation);
              if (!created.ok()) return created.status();
              live = *std::move(created);
            }
            const absl::Time started = absl::Now();
            const double progress_interval_ms = request->progress_interval_ms() > 0
                                                    ? request->progress_interval_ms()
                                                    : kDefaultProgressIntervalMs;
            auto stopping = [&] { return context->IsCancelled() || session.stop_requested(); };
            // Events go through a bounded queue drained by a writer thread;
            // without live data the only events are progress and the end.
            RunStream stream(
                live ? live->stream_options() : RunStream::Options{},
                [writer](const v1::RunEvent& event, bool last) {
                  if (!last) return writer->Write(event);
                  // Buffered (serialised) now, sent with the status once the
                  // handler returns; a client gone by then just misses it.
                  writer->WriteLast(event, grpc::WriteOptions());
                  return true;
                },
                stopping,
                [context] { context->TryCancel(); });
            double last_progress_ms = simulation.time_ms();
            absl::Time last_progress_wall = started;
            // The engine asks at every min_delay epoch, so cancellation and
            // shutdown take effect within one epoch; data and progress go out
            // only every progress_interval_ms of biological time.
            // Asking gRPC whether the call was cancelled takes a lock whose
            // release wakes one of its threads: at every epoch (5000 per
            // simulated second at 0.2 ms) that was most of a small run's
            // time, and once per wall millisecond still cost Vogels-Abbott
            // at 100,000 cells 2-5 % (the woken thread takes a core from the
            // simulation). Every 10 ms is soon enough for a client that
            // gave up.
            absl::Time next_cancel_check = started;
            engine::RunControl control;
            control.report_every_ms = 0;
            control.keep_going = [&](double t_ms) {
              if (session.stop_requested() || stream.client_gone()) return false;
              const absl::Time now = absl::Now();
              if (now >= next_cancel_check) {
                next_cancel_check = now + absl::Milliseconds(10);
                if (context->IsCancelled()) return false;
              }
              const bool wall_due =
                  wall_interval > absl::ZeroDuration() && now - last_progress_wall >= wall_interval;
              if (t_ms - last_progress_ms < progress_interval_ms - 1e-9 && !wall_due) return true;
              last_progress_ms = t_ms;
              last_progress_wall = now;
              if (live && !live->Flush(simulation, t_ms, stream)) return false;
              v1::RunProgress progress;
              progress.set_t_ms(t_ms);
              progress.set_target_ms(target);
              progress.set_wall_s(absl::ToDoubleSeconds(absl::Now() - started));
              return stream.Progress(progress);
            };
            absl::StatusOr<engine::RunResult> result =
                request->target_case() == v1::RunRequest::kDurationMs
                    ? simulation.Run(request->duration_ms(), control)
                    : simulation.RunUntil(request->until_ms(), control);
            if (!result.ok()) return result.status();
            stream.RunEnded();
            if (live && !live->End(simulation, result->t_ms, stream) && !live->status().ok()) {
              return live->status();
            }
            if (stream.client_gone() || context->IsCancelled()) return kClientGone;
            v1::RunFinished finished;
            finished.set_t_ms(result->t_ms);
            finished.set_requested_ms(result->requested_ms);
            finished.set_steps(result->steps);
            finished.set_stopped(result->stopped);
            finished.set_wall_s(absl::ToDoubleSeconds(absl::Now() - started));
            if (!stream.Finish(std::move(finished), live != nullptr)) return kClientGone;
            return absl::OkStatus();
          }),
      context);
}

grpc::Status SimulatorService::Reset(grpc::ServerContext* context, const v1::ResetRequest* request,
                                     v1::ResetResponse* response) {
  RpcLog log("Reset", request->session_id());
  return log.Finish(WithSession(sessions_, request->session_id(),
                                [&](Session&, engine::Simulation& simulation) -> absl::Status {
                                  absl::Status status =
                                      simulation.Reset(EncodeAnnotations(request->annotations()));
                                  response->set_num_segments(simulation.segments().size());
                                  return status;
                                }),
                    context);
}

grpc::Status SimulatorService::GetData(grpc::ServerContext* context,
                                       const v1::GetDataRequest* request,
                                       grpc::ServerWriter<v1::DataChunk>* writer) {
  RpcLog log("GetData", request->session_id());
  return log.Finish(
      WithSession(sessions_, request->session_id(),
                  [&](Session&, engine::Simulation& simulation) -> absl::Status {
                    absl::StatusOr<DataRequest> data = DataRequestFrom(*request, simulation);
                    if (!data.ok()) return data.status();
                    data->current_sources.assign(request->current_sources().begin(),
                                                 request->current_sources().end());
                    data->max_chunk_bytes = request->max_chunk_bytes() == 0
                                                ? kDefaultChunkBytes
                                                : request->max_chunk_bytes();
                    return StreamData(simulation, *data, [&](const v1::DataChunk& chunk) {
                      return !context->IsCancelled() && writer->Write(chunk);
                    });
                  }),
      context);
}

grpc::Status SimulatorService::ClearData(grpc::ServerContext* context,
                                         const v1::ClearDataRequest* request,
                                         v1::ClearDataResponse*) {
  RpcLog log("ClearData", request->session_id());
  return log.Finish(
      WithSession(sessions_, request->session_id(),
                  [&](Session&, engine::Simulation& simulation) {
                    return simulation.ClearRecording(
                        {request->population_ids().begin(), request->population_ids().end()});
                  }),
      context);
}

grpc::Status SimulatorService::ExportData(grpc::ServerContext* context,
                                          const v1::ExportDataRequest* request,
                                          grpc::ServerWriter<v1::ExportDataChunk>* writer) {
  RpcLog log("ExportData", request->session_id());
  if (!request->format().empty() && request->format() != "nix") {
    return log.Finish(engine::InvalidArgument("format", engine::reason::kOutOfRange,
                                              "format must be \"nix\" (NIX/HDF5, read by "
                                              "neo.io.NixIO); got \"" +
                                                  request->format() + "\""),
                      context);
  }
  absl::StatusOr<std::string> target =
      request->path().empty()
          ? ExportScratchPath(options_.data_dir)
          : ExportPath(options_.data_dir, request->path(), "a NIX file", {".h5", ".nix"});
  if (!target.ok()) return log.Finish(target.status(), context);
  std::map<std::string, NixValue> annotations;
  for (const auto& [key, value] : request->block_annotations()) {
    annotations[key] = ToNixValue(value);
  }
  absl::Status written = WithSession(
      sessions_, request->session_id(),
      [&](Session&, engine::Simulation& simulation) -> absl::Status {
        absl::StatusOr<DataRequest> data = DataRequestFrom(*request, simulation);
        if (!data.ok()) return data.status();
        absl::StatusOr<NixBlock> block =
            NixBlockOf(simulation, *data, annotations, request->block_description());
        if (!block.ok()) return block.status();
        return WriteNixFile(*block, *target);
      });
  if (!written.ok()) return log.Finish(written, context);
  if (!request->path().empty()) {
    v1::ExportDataChunk done;
    done.set_path(request->path());
    done.set_total_bytes(std::filesystem::file_size(*target));
    writer->Write(done);
    return log.Finish(absl::OkStatus(), context);
  }
  // Download: stream the scratch file and forget it.
  absl::Status sent = StreamFile(*target, [&](v1::ExportDataChunk& chunk) {
    return !context->IsCancelled() && writer->Write(chunk);
  });
  std::filesystem::remove(*target);
  return log.Finish(sent, context);
}

}  // namespace spikeserve::server
