// Bad requests against a real server: each gets the right status, a message
// naming the problem and a machine-readable field and reason, and the server
// keeps serving.
#include <memory>
#include <string>

#include "clients/cpp/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/shared_server_test.h"

namespace spikeserve {
namespace {

using client::CallResult;
using client::Client;
using ::testing::HasSubstr;

class BadInputTest : public testing::SharedServerTest {
 protected:
  void SetUp() override {
    v1::CreateSessionRequest request;
    v1::SessionDescription session;
    ASSERT_TRUE(
        client_->Call(&v1::Simulator::Stub::PrepareAsyncCreateSession, request, &session).ok());
    session_ = session.session_id();
    v1::PopulationInfo info;
    ASSERT_TRUE(CreatePopulation(10, "IF_curr_exp", {}, &info).ok());
    population_ = info.population_id();
  }

  void TearDown() override {
    // Whatever was sent, the server still answers its health check and
    // still serves this session.
    bool serving = false;
    ASSERT_TRUE(client_->CheckHealth("", &serving).ok());
    EXPECT_TRUE(serving);
    v1::DescribeSessionRequest describe;
    describe.set_session_id(session_);
    v1::SessionDescription description;
    EXPECT_TRUE(
        client_->Call(&v1::Simulator::Stub::PrepareAsyncDescribeSession, describe, &description)
            .ok());
  }

  CallResult CreatePopulation(int64_t size, const std::string& cell_type,
                              const std::map<std::string, v1::ParameterValue>& parameters,
                              v1::PopulationInfo* info) {
    v1::CreatePopulationRequest request;
    request.set_session_id(session_);
    request.set_size(size);
    request.set_cell_type(cell_type);
    request.mutable_parameters()->insert(parameters.begin(), parameters.end());
    return client_->Call(&v1::Simulator::Stub::PrepareAsyncCreatePopulation, request, info);
  }
  std::string session_;
  uint32_t population_ = 0;
};

TEST_F(BadInputTest, UnknownSession) {
  v1::DescribeSessionRequest request;
  request.set_session_id("0123456789abcdef0123456789abcdef");
  v1::SessionDescription description;
  CallResult result =
      client_->Call(&v1::Simulator::Stub::PrepareAsyncDescribeSession, request, &description);
  EXPECT_EQ(result.code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(result.error.field(), "session_id");
  EXPECT_EQ(result.error.reason(), "UNKNOWN_SESSION");
}

TEST_F(BadInputTest, ThreadsBeyondTheServersLimit) {
  v1::CreateSessionRequest request;
  request.set_threads(100000);
  v1::SessionDescription session;
  CallResult result =
      client_->Call(&v1::Simulator::Stub::PrepareAsyncCreateSession, request, &session);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.error.field(), "threads");
  EXPECT_THAT(result.message(), HasSubstr("threads must be in [1, "));
  // A session that asks for no number gets the server's default: the cores
  // the server may run on.
  ASSERT_TRUE(client_
                  ->Call(&v1::Simulator::Stub::PrepareAsyncCreateSession,
                         v1::CreateSessionRequest(), &session)
                  .ok());
  EXPECT_GE(session.threads(), 1u);
}

TEST_F(BadInputTest, UnknownCellType) {
  v1::PopulationInfo info;
  CallResult result = CreatePopulation(10, "IF_cond_expo", {}, &info);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.error.reason(), "UNKNOWN_CELL_TYPE");
  EXPECT_THAT(result.message(), HasSubstr("IF_cond_expo"));
  EXPECT_THAT(result.message(), HasSubstr("IF_cond_exp"));  // lists the allowed names
}

TEST_F(BadInputTest, UnknownParameterName) {
  v1::PopulationInfo info;
  CallResult result = CreatePopulation(10, "IF_curr_exp", {{"tau_mm", client::Scalar(10)}}, &info);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.error.reason(), "UNKNOWN_PARAMETER");
  EXPECT_THAT(result.error.field(), HasSubstr("tau_mm"));
  EXPECT_THAT(result.message(), HasSubstr("tau_m"));
}

TEST_F(BadInputTest, ArrayOfTheWrongLength) {
  v1::PopulationInfo info;
  CallResult result =
      CreatePopulation(10, "IF_curr_exp", {{"tau_m", client::Array({10, 11, 12})}}, &info);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.error.reason(), "WRONG_LENGTH");
  EXPECT_THAT(result.error.field(), HasSubstr("tau_m"));
  EXPECT_THAT(result.message(), HasSubstr("10"));
  EXPECT_THAT(result.message(), HasSubstr("3"));
}

TEST_F(BadInputTest, NegativeSize) {
  v1::PopulationInfo info;
  CallResult result = CreatePopulation(-5, "IF_curr_exp", {}, &info);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.error.field(), "size");
}

TEST_F(BadInputTest, DelayBelowTheTimeStep) {
  v1::CreateProjectionRequest request;
  request.set_session_id(session_);
  *request.mutable_pre() = client::WholePopulation(population_);
  *request.mutable_post() = client::WholePopulation(population_);
  request.mutable_connector()->set_name("AllToAllConnector");
  (*request.mutable_synapse()->mutable_parameters())["weight"] = client::Scalar(0.1);
  (*request.mutable_synapse()->mutable_parameters())["delay"] = client::Scalar(0.01);
  v1::ProjectionInfo info;
  CallResult result =
      client_->Call(&v1::Simulator::Stub::PrepareAsyncCreateProjection, request, &info);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.error.reason(), "BELOW_TIME_STEP");
  EXPECT_THAT(result.error.field(), HasSubstr("delay"));
}

TEST_F(BadInputTest, NegativeRunTime) {
  v1::RunRequest request;
  request.set_session_id(session_);
  request.set_duration_ms(-10.0);
  v1::RunFinished finished;
  CallResult result = client_->Run(request, &finished);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(result.message(), HasSubstr("-10"));
}

TEST_F(BadInputTest, ViewIndexOutOfRange) {
  v1::RecordRequest request;
  request.set_session_id(session_);
  *request.mutable_cells() = client::PopulationView(population_, {2, 10});
  request.add_variables("v");
  v1::RecordResponse response;
  CallResult result = client_->Call(&v1::Simulator::Stub::PrepareAsyncRecord, request, &response);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.error.reason(), "INDEX_OUT_OF_RANGE");
  EXPECT_EQ(result.error.field(), "cells.parts[0].indices[1]");
  EXPECT_THAT(result.message(), HasSubstr("size 10"));
}

TEST_F(BadInputTest, UnknownPopulation) {
  v1::RecordRequest request;
  request.set_session_id(session_);
  *request.mutable_cells() = client::WholePopulation(99);
  request.add_variables("spikes");
  v1::RecordResponse response;
  CallResult result = client_->Call(&v1::Simulator::Stub::PrepareAsyncRecord, request, &response);
  EXPECT_EQ(result.code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(result.error.reason(), "UNKNOWN_POPULATION");
}

TEST_F(BadInputTest, VariableThatCannotBeRecorded) {
  v1::RecordRequest request;
  request.set_session_id(session_);
  *request.mutable_cells() = client::WholePopulation(population_);
  request.add_variables("gsyn_exc");  // IF_curr_exp has no conductances
  v1::RecordResponse response;
  CallResult result = client_->Call(&v1::Simulator::Stub::PrepareAsyncRecord, request, &response);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.error.reason(), "NOT_RECORDABLE");
}

TEST_F(BadInputTest, ArrayBytesThatAreNotWholeValues) {
  v1::ParameterValue broken;
  broken.mutable_array()->set_f64le(std::string(12, '\0'));
  v1::PopulationInfo info;
  CallResult result = CreatePopulation(10, "IF_curr_exp", {{"tau_m", broken}}, &info);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.error.field(), "parameters.tau_m.array.f64le");
}

TEST_F(BadInputTest, ArrayLayoutTakesOneAttribute) {
  v1::SaveProjectionRequest request;
  request.set_session_id(session_);
  request.set_format("array");
  request.add_names("weight");
  request.add_names("delay");
  request.set_path("weights.txt");
  v1::SaveProjectionResponse response;
  CallResult result =
      client_->Call(&v1::Simulator::Stub::PrepareAsyncSaveProjection, request, &response);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(result.error.reason(), "WRONG_LENGTH");
  EXPECT_EQ(result.error.field(), "names");
  EXPECT_THAT(result.message(), HasSubstr("one attribute"));
}

TEST_F(BadInputTest, ExportPathsStayInsideTheDataDirectory) {
  for (const char* path : {"../escape.h5", "/etc/passwd.h5", "a/../../b.nix", "notes.txt",
                           ".spill/session.h5", "./.spill/x.h5"}) {
    v1::ExportDataRequest request;
    request.set_session_id(session_);
    *request.mutable_cells() = client::WholePopulation(population_);
    request.set_path(path);
    grpc::ClientContext context;
    auto reader = client_->stub().ExportData(&context, request);
    v1::ExportDataChunk chunk;
    while (reader->Read(&chunk)) {
    }
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_THAT(status.error_message(), HasSubstr("path")) << path;
  }
}

TEST_F(BadInputTest, EveryCallIsLogged) {
  v1::PopulationInfo info;
  CreatePopulation(-1, "IF_curr_exp", {}, &info);
  const std::string log = server_->Log();
  EXPECT_THAT(log, HasSubstr("rpc=CreatePopulation session=" + session_.substr(0, 8) +
                             " status=INVALID_ARGUMENT"));
  EXPECT_THAT(log, HasSubstr("duration_ms="));
  EXPECT_EQ(log.find(session_), std::string::npos) << "full session ids must not be logged";
}

}  // namespace
}  // namespace spikeserve
