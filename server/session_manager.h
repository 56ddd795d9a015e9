// Owns every session: creation with unguessable ids, lookup, closing, idle
// expiry and the global session cap.
#ifndef SPIKESERVE_SERVER_SESSION_MANAGER_H_
#define SPIKESERVE_SERVER_SESSION_MANAGER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "engine/simulation.h"
#include "server/session.h"

namespace spikeserve::server {

class SessionManager {
 public:
  struct Options {
    int max_sessions = 64;
    absl::Duration idle_timeout = absl::Minutes(30);
    absl::Duration expiry_check_interval = absl::Seconds(1);
    // The server's own caps; a session may ask for lower ones, never higher.
    engine::Limits limits;
    // Threads of a session that asks for 0 (at most limits.max_threads).
    int default_threads = 1;  // main.cc sets --default_threads
    uint64_t max_upload_bytes_per_session = 1ull << 30;
    // Bounded memory: a session's recorded data beyond this many bytes in
    // memory move to an HDF5 file in spill_dir (server/spill_file.h), removed
    // when the session closes or expires. 0, or no spill_dir: never spill.
    uint64_t recording_memory_budget_bytes = 0;
    std::string spill_dir;  // main.cc: <--data_dir>/.spill
  };

  explicit SessionManager(Options options);
  ~SessionManager();  // stops the expiry thread and closes every session
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  absl::StatusOr<std::shared_ptr<Session>> Create(const engine::SimulationConfig& config,
                                                  std::string label);
  // NOT_FOUND (reason UNKNOWN_SESSION) for ids that do not exist or expired.
  absl::StatusOr<std::shared_ptr<Session>> Find(const std::string& id) const;
  absl::Status Close(const std::string& id);
  std::vector<std::shared_ptr<Session>> List() const;

  // Refuses new sessions and asks running simulations to stop.
  void BeginShutdown();

  const Options& options() const { return options_; }

 private:
  void ExpireIdleSessions();
  void ExpiryLoop();

  const Options options_;
  mutable absl::Mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_ ABSL_GUARDED_BY(mutex_);
  uint64_t spill_files_ ABSL_GUARDED_BY(mutex_) = 0;  // names each session's file
  bool shutting_down_ ABSL_GUARDED_BY(mutex_) = false;
  absl::Notification stop_expiry_;
  std::thread expiry_thread_;
};

// 128 random bits from the OS, as 32 hex digits.
std::string NewSessionId();

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_SESSION_MANAGER_H_
