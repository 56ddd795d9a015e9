// Everything that configures a running server, filled from flags by main.cc.
#ifndef SPIKESERVE_SERVER_SERVER_OPTIONS_H_
#define SPIKESERVE_SERVER_SERVER_OPTIONS_H_

#include <string>

#include "absl/time/time.h"
#include "server/session_manager.h"
#include "server/simulator_service.h"

namespace spikeserve::server {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";  // host:port; port 0 picks a free one
  std::string port_file;                   // if set, the bound port is written there
  SessionManager::Options sessions;
  SimulatorService::Options service;
  absl::Duration shutdown_grace = absl::Seconds(10);
  absl::Duration stay_awake_after_call = absl::Microseconds(250);  // stay_awake.h; 0: off
};

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_SERVER_OPTIONS_H_
