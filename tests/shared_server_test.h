// A GoogleTest fixture whose tests share one real server process (started
// once per suite on a free port, stopped with SIGTERM, which must exit 0)
// and one client connected to it.
#ifndef SPIKESERVE_TESTS_SHARED_SERVER_TEST_H_
#define SPIKESERVE_TESTS_SHARED_SERVER_TEST_H_

#include <signal.h>

#include <chrono>

#include "clients/cpp/client.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"

namespace spikeserve::testing {

class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess("server/spikeserve");
    client_ = client::Client::Connect(server_->address(), std::chrono::seconds(10)).release();
    ASSERT_NE(client_, nullptr);
  }

  static void TearDownTestSuite() {
    delete client_;
    EXPECT_EQ(server_->Stop(SIGTERM), 0) << server_->Log();
    delete server_;
  }

  static inline ServerProcess* server_ = nullptr;
  static inline client::Client* client_ = nullptr;
};

}  // namespace spikeserve::testing

#endif  // SPIKESERVE_TESTS_SHARED_SERVER_TEST_H_
