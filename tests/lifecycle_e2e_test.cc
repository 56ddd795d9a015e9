// Session lifecycle and server lifecycle against real server processes:
// idle expiry, the session cap, concurrent sessions, cancellation, SIGTERM,
// SIGUSR1, no processor time used while idle.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "clients/cpp/client.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"

namespace spikeserve {
namespace {

using client::CallResult;
using client::Client;

std::unique_ptr<Client> ConnectTo(const testing::ServerProcess& server) {
  auto client = Client::Connect(server.address(), std::chrono::seconds(10));
  EXPECT_NE(client, nullptr);
  return client;
}

std::string NewSession(Client& client) {
  v1::SessionDescription session;
  CallResult result = client.Call(&v1::Simulator::Stub::PrepareAsyncCreateSession,
                                  v1::CreateSessionRequest(), &session);
  EXPECT_TRUE(result.ok()) << result.message();
  return session.session_id();
}

// A session with a network big enough that a long run takes a while.
void BuildBusyNetwork(Client& client, const std::string& session) {
  v1::CreatePopulationRequest request;
  request.set_session_id(session);
  request.set_size(2000);
  request.set_cell_type("IF_cond_exp");
  (*request.mutable_parameters())["i_offset"] = client::Scalar(1.0);
  v1::PopulationInfo info;
  ASSERT_TRUE(client.Call(&v1::Simulator::Stub::PrepareAsyncCreatePopulation, request, &info).ok());
}

bool SessionExists(Client& client, const std::string& session, v1::SessionDescription* out) {
  v1::DescribeSessionRequest request;
  request.set_session_id(session);
  return client.Call(&v1::Simulator::Stub::PrepareAsyncDescribeSession, request, out).ok();
}

TEST(LifecycleTest, IdleSessionsExpire) {
  testing::ServerProcess server("server/spikeserve", {"--session_idle_timeout=1s"});
  auto client = ConnectTo(server);
  const std::string session = NewSession(*client);
  v1::SessionDescription description;
  ASSERT_TRUE(SessionExists(*client, session, &description));
  EXPECT_DOUBLE_EQ(description.idle_timeout_s(), 1.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  EXPECT_FALSE(SessionExists(*client, session, &description));
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

TEST(LifecycleTest, ClosingASessionFreesItsMemory) {
  testing::ServerProcess server("server/spikeserve");
  auto client = ConnectTo(server);
  // A session of `size` cells, with their state columns and ring buffers.
  auto open = [&](int64_t size) {
    const std::string session = NewSession(*client);
    v1::CreatePopulationRequest request;
    request.set_session_id(session);
    request.set_size(size);
    request.set_cell_type("IF_cond_exp");
    v1::PopulationInfo info;
    EXPECT_TRUE(
        client->Call(&v1::Simulator::Stub::PrepareAsyncCreatePopulation, request, &info).ok());
    return session;
  };
  auto close = [&](const std::string& session) {
    v1::CloseSessionRequest request;
    request.set_session_id(session);
    v1::CloseSessionResponse closed;
    EXPECT_TRUE(
        client->Call(&v1::Simulator::Stub::PrepareAsyncCloseSession, request, &closed).ok());
  };
  // Measured from after a first small session, so that what a server keeps
  // once it has served calls (gRPC's threads, their stacks and arenas) does
  // not count.
  close(open(1000));
  const int64_t before = server.ResidentBytes();
  // One after the other, as a long-running server sees them. Without the
  // server trimming its heap as a session goes, glibc kept most of each
  // closed session's pages: 48, then 228, 356 and 420 MB after the fourth.
  for (int k = 0; k < 3; ++k) {
    const std::string session = open(4'000'000);
    const int64_t holding = server.ResidentBytes();
    ASSERT_GT(holding - before, 120ll << 20) << "the population should cost >120 MB";
    close(session);
    // glibc may still keep some tens of MB (seen: 0 or 48 of 228 MB, run to
    // run); kept data would be all of it.
    EXPECT_LT(server.ResidentBytes() - before, (holding - before) / 2)
        << "session " << k << ": before " << before << " holding " << holding << " after "
        << server.ResidentBytes();
  }
}

TEST(LifecycleTest, SessionCapIsEnforcedAndClosingFreesASlot) {
  testing::ServerProcess server("server/spikeserve", {"--max_sessions=2"});
  auto client = ConnectTo(server);
  const std::string first = NewSession(*client);
  NewSession(*client);
  v1::SessionDescription third;
  CallResult refused = client->Call(&v1::Simulator::Stub::PrepareAsyncCreateSession,
                                    v1::CreateSessionRequest(), &third);
  EXPECT_EQ(refused.code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error.reason(), "LIMIT_EXCEEDED");

  v1::CloseSessionRequest close;
  close.set_session_id(first);
  v1::CloseSessionResponse closed;
  ASSERT_TRUE(client->Call(&v1::Simulator::Stub::PrepareAsyncCloseSession, close, &closed).ok());
  EXPECT_TRUE(client
                  ->Call(&v1::Simulator::Stub::PrepareAsyncCreateSession,
                         v1::CreateSessionRequest(), &third)
                  .ok());
}

TEST(LifecycleTest, SessionsRunConcurrentlyAndCancellationKeepsTheSessionUsable) {
  testing::ServerProcess server("server/spikeserve");
  auto client = ConnectTo(server);
  const std::string busy = NewSession(*client);
  BuildBusyNetwork(*client, busy);
  const std::string other = NewSession(*client);

  grpc::ClientContext run_context;
  v1::RunRequest run;
  run.set_session_id(busy);
  run.set_duration_ms(1e7);  // hours of wall time: only cancellation ends it
  run.set_progress_interval_ms(10.0);
  auto reader = client->stub().Run(&run_context, run);
  v1::RunEvent event;
  ASSERT_TRUE(reader->Read(&event));
  ASSERT_TRUE(event.has_progress());

  // The busy session's lock is held by its run; another session is not
  // affected.
  v1::SessionDescription description;
  EXPECT_TRUE(SessionExists(*client, other, &description));

  run_context.TryCancel();
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  // The run stopped at a step boundary; the session is usable and keeps its time.
  ASSERT_TRUE(SessionExists(*client, busy, &description));
  EXPECT_GT(description.t_ms(), 0.0);
  EXPECT_LT(description.t_ms(), 1e7);
  const double steps = description.t_ms() / 0.1;
  EXPECT_NEAR(steps, std::round(steps), 1e-6);
  v1::RunRequest more;
  more.set_session_id(busy);
  more.set_duration_ms(1.0);
  v1::RunFinished finished;
  ASSERT_TRUE(client->Run(more, &finished).ok());
  EXPECT_NEAR(finished.t_ms(), description.t_ms() + 1.0, 1e-9);
}

TEST(LifecycleTest, SigtermStopsARunningSimulationAndExitsZero) {
  testing::ServerProcess server("server/spikeserve", {"--shutdown_grace=20s"});
  auto client = ConnectTo(server);
  const std::string session = NewSession(*client);
  BuildBusyNetwork(*client, session);

  grpc::ClientContext run_context;
  v1::RunRequest run;
  run.set_session_id(session);
  run.set_duration_ms(1e7);
  run.set_progress_interval_ms(10.0);
  auto reader = client->stub().Run(&run_context, run);
  v1::RunEvent event;
  ASSERT_TRUE(reader->Read(&event));

  const int status = server.Stop(SIGTERM, 30.0);
  ASSERT_TRUE(WIFEXITED(status)) << server.Log();
  EXPECT_EQ(WEXITSTATUS(status), 0);
  bool stopped = false;
  while (reader->Read(&event)) {
    if (event.has_finished()) stopped = event.finished().stopped();
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(stopped) << "the run should report that it stopped early";
  EXPECT_NE(server.Log().find("shutting down"), std::string::npos);
}

TEST(LifecycleTest, Sigusr1PrintsTheHeapAndTheServerServesOn) {
  testing::ServerProcess server("server/spikeserve");
  auto client = ConnectTo(server);
  const std::string session = NewSession(*client);
  BuildBusyNetwork(*client, session);
  ASSERT_EQ(kill(server.pid(), SIGUSR1), 0);
  // malloc_stats() ends with the totals over every arena and mmapped block.
  const std::string totals = "Total (incl. mmap):";
  for (int i = 0; i < 100 && server.Log().find(totals) == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string log = server.Log();
  const size_t at = log.find(totals);
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_NE(log.find("in use bytes", at), std::string::npos) << log;
  v1::SessionDescription description;
  EXPECT_TRUE(server.running());
  EXPECT_TRUE(SessionExists(*client, session, &description));
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

// The server keeps a core awake for a while after each call
// (--stay_awake_after_call); once the calls stop it must use no processor
// time, however long that while is.
TEST(LifecycleTest, AServerWhoseCallsStoppedUsesNoProcessorTime) {
  testing::ServerProcess server("server/spikeserve", {"--stay_awake_after_call=200ms"});
  auto client = ConnectTo(server);
  const std::string session = NewSession(*client);
  v1::SessionDescription description;
  for (int call = 0; call < 20; ++call) ASSERT_TRUE(SessionExists(*client, session, &description));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double before = server.CpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_LT(server.CpuSeconds() - before, 0.1);
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace spikeserve
