// The C++ client's unary calls against a real server: each call waits on a
// queue of its own, polling before it sleeps, so calls from many threads on
// one Client must get their own responses, calls that outlast the polling
// must still complete, and a call's status must reach its caller.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "clients/cpp/client.h"
#include "gtest/gtest.h"
#include "tests/shared_server_test.h"

namespace spikeserve {
namespace {

using client::CallResult;
using client::Client;
using client::ClientOptions;

class ClientTest : public testing::SharedServerTest {
 protected:
  std::unique_ptr<Client> Connect(ClientOptions options) {
    return Client::Connect(server_->address(), std::chrono::seconds(10), options);
  }

  std::unique_ptr<Client> ConnectPollingFor(std::chrono::microseconds poll) {
    ClientOptions options;
    options.poll_before_sleeping = poll;
    return Connect(options);
  }

  static std::string NewSession(Client& client) {
    v1::SessionDescription session;
    EXPECT_TRUE(client
                    .Call(&v1::Simulator::Stub::PrepareAsyncCreateSession,
                          v1::CreateSessionRequest(), &session)
                    .ok());
    return session.session_id();
  }

  static CallResult CreatePopulation(Client& client, const std::string& session, uint64_t size,
                                     const std::string& label, v1::PopulationInfo* info) {
    v1::CreatePopulationRequest request;
    request.set_session_id(session);
    request.set_size(size);
    request.set_cell_type("IF_cond_exp");
    request.set_label(label);
    return client.Call(&v1::Simulator::Stub::PrepareAsyncCreatePopulation, request, info);
  }
};

// Every thread asks for populations of sizes and labels of its own; a
// response delivered to the wrong caller, or read before it arrived, shows
// as a wrong size or label.
void CallsFromManyThreadsGetTheirOwnResponses(Client& client, const std::string& session) {
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&client, &session, t] {
      for (int k = 0; k < kCallsPerThread; ++k) {
        const uint64_t size = 1 + t * 1000 + k;
        const std::string label = "t" + std::to_string(t) + "k" + std::to_string(k);
        v1::PopulationInfo info;
        v1::CreatePopulationRequest request;
        request.set_session_id(session);
        request.set_size(size);
        request.set_cell_type("IF_curr_exp");
        request.set_label(label);
        const CallResult result =
            client.Call(&v1::Simulator::Stub::PrepareAsyncCreatePopulation, request, &info);
        ASSERT_TRUE(result.ok()) << result.message();
        EXPECT_EQ(info.size(), size);
        EXPECT_EQ(info.label(), label);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

TEST_F(ClientTest, CallsFromManyThreadsGetTheirOwnResponses) {
  // The default polling, and none.
  for (const auto poll : {ClientOptions().poll_before_sleeping, std::chrono::microseconds(0)}) {
    std::unique_ptr<Client> client = ConnectPollingFor(poll);
    ASSERT_NE(client, nullptr);
    CallsFromManyThreadsGetTheirOwnResponses(*client, NewSession(*client));
  }
}

TEST_F(ClientTest, ACallThatOutlastsThePollingStillCompletes) {
  std::unique_ptr<Client> client = ConnectPollingFor(std::chrono::microseconds(1));
  ASSERT_NE(client, nullptr);
  // Half a million cells take milliseconds to build.
  v1::PopulationInfo info;
  const CallResult result = CreatePopulation(*client, NewSession(*client), 500'000, "big", &info);
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_EQ(info.size(), 500'000u);
}

TEST_F(ClientTest, ADeadlinePassingWhileTheCallWaitsEndsIt) {
  ClientOptions options;
  options.unary_deadline = std::chrono::milliseconds(1);
  std::unique_ptr<Client> client = Connect(options);
  ASSERT_NE(client, nullptr);
  // The session comes from the fixture's client, whose deadline is long.
  const std::string session = NewSession(*client_);
  v1::PopulationInfo info;
  // Building half a million cells takes much longer than the deadline.
  const CallResult result = CreatePopulation(*client, session, 500'000, "late", &info);
  EXPECT_EQ(result.code(), grpc::StatusCode::DEADLINE_EXCEEDED) << result.message();
}

TEST_F(ClientTest, TheServersErrorDetailReachesTheCaller) {
  v1::PopulationInfo info;
  const CallResult result = CreatePopulation(*client_, NewSession(*client_), 0, "empty", &info);
  EXPECT_EQ(result.code(), grpc::StatusCode::INVALID_ARGUMENT) << result.message();
  EXPECT_EQ(result.error.field(), "size") << result.error.DebugString();
}

}  // namespace
}  // namespace spikeserve
