// One client's simulation: PyNN's setup() ... end().
#ifndef SPIKESERVE_SERVER_SESSION_H_
#define SPIKESERVE_SERVER_SESSION_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/simulation.h"

namespace spikeserve::server {

class Session {
 public:
  Session(std::string id, std::string label, std::unique_ptr<engine::Simulation> simulation,
          uint64_t max_upload_bytes);
  ~Session();

  const std::string& id() const { return id_; }
  const std::string& label() const { return label_; }

  // Every call on the session holds this lock for its whole duration, which is
  // what serialises calls on one session.
  absl::Mutex& mutex() { return mutex_; }
  engine::Simulation& simulation() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return *simulation_; }

  // Uploaded arrays (Upload RPC), consumed by the request that refers to them.
  absl::StatusOr<uint64_t> AddUpload(std::string bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<std::string> TakeUpload(uint64_t upload_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // Asks a running simulation to stop at the next step boundary (session
  // closing, server shutting down). Safe without the lock.
  void RequestStop() { stop_requested_.store(true); }
  bool stop_requested() const { return stop_requested_.load(); }

  void Touch() { last_used_ns_.store(absl::GetCurrentTimeNanos()); }
  absl::Duration idle() const {
    return absl::Nanoseconds(absl::GetCurrentTimeNanos() - last_used_ns_.load());
  }

 private:
  const std::string id_;
  const std::string label_;
  absl::Mutex mutex_;
  std::unique_ptr<engine::Simulation> simulation_ ABSL_GUARDED_BY(mutex_);
  std::map<uint64_t, std::string> uploads_ ABSL_GUARDED_BY(mutex_);
  uint64_t upload_bytes_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t next_upload_id_ ABSL_GUARDED_BY(mutex_) = 1;
  const uint64_t max_upload_bytes_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<int64_t> last_used_ns_;
};

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_SESSION_H_
