#include "server/session_manager.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/errors.h"
#include "server/spill_file.h"

namespace spikeserve::server {

std::string NewSessionId() {
  // /dev/urandom is the OS's CSPRNG; the id is the session's only credential.
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  unsigned char bytes[16];
  urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes);
  if (!urandom) {
    std::fprintf(stderr, "fatal: cannot read /dev/urandom for session ids\n");
    std::abort();
  }
  std::string id;
  for (unsigned char b : bytes) absl::StrAppendFormat(&id, "%02x", b);
  return id;
}

SessionManager::SessionManager(Options options)
    : options_(std::move(options)), expiry_thread_([this] { ExpiryLoop(); }) {}

SessionManager::~SessionManager() {
  BeginShutdown();
  stop_expiry_.Notify();
  expiry_thread_.join();
}

absl::StatusOr<std::shared_ptr<Session>> SessionManager::Create(
    const engine::SimulationConfig& config, std::string label) {
  {
    absl::MutexLock lock(&mutex_);
    if (shutting_down_) {
      return absl::UnavailableError("the server is shutting down; no new sessions");
    }
    if (static_cast<int>(sessions_.size()) >= options_.max_sessions) {
      return engine::ResourceExhausted(
          "session", engine::reason::kLimitExceeded,
          absl::StrCat("the server already hosts its maximum of ", options_.max_sessions,
                       " sessions; close one (or wait for idle ones to expire after ",
                       absl::FormatDuration(options_.idle_timeout), ")"));
    }
  }
  // Building the engine may take a while; do it outside the manager's lock.
  absl::StatusOr<std::unique_ptr<engine::Simulation>> simulation =
      engine::Simulation::Create(config);
  if (!simulation.ok()) return simulation.status();
  const std::string id = NewSessionId();
  absl::MutexLock lock(&mutex_);
  if (static_cast<int>(sessions_.size()) >= options_.max_sessions) {
    return engine::ResourceExhausted("session", engine::reason::kLimitExceeded,
                                     "the server reached its maximum number of sessions");
  }
  if (options_.recording_memory_budget_bytes > 0 && !options_.spill_dir.empty()) {
    // The id's first 8 digits (as in the log) for operators, the count for
    // uniqueness; the whole id is the session's credential and stays out.
    const std::string path = SpillFilePath(options_.spill_dir, id.substr(0, 8), ++spill_files_);
    (*simulation)
        ->SetSpillStore(std::make_shared<SpillFile>(path), options_.recording_memory_budget_bytes);
  }
  auto session = std::make_shared<Session>(id, std::move(label), *std::move(simulation),
                                           options_.max_upload_bytes_per_session);
  sessions_.emplace(session->id(), session);
  return session;
}

absl::StatusOr<std::shared_ptr<Session>> SessionManager::Find(const std::string& id) const {
  absl::MutexLock lock(&mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return engine::NotFound("session_id", engine::reason::kUnknownSession,
                            id.empty()
                                ? "session_id is empty; create a session first"
                                : "no session with this id (closed, expired or never created)");
  }
  it->second->Touch();
  return it->second;
}

absl::Status SessionManager::Close(const std::string& id) {
  std::shared_ptr<Session> session;
  {
    absl::MutexLock lock(&mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) {
      return engine::NotFound("session_id", engine::reason::kUnknownSession,
                              "no session with this id (closed, expired or never created)");
    }
    session = std::move(it->second);
    sessions_.erase(it);
  }
  // The engine is freed when the last call still holding the session returns;
  // a run in progress stops at its next step boundary.
  session->RequestStop();
  return absl::OkStatus();
}

std::vector<std::shared_ptr<Session>> SessionManager::List() const {
  absl::MutexLock lock(&mutex_);
  std::vector<std::shared_ptr<Session>> all;
  for (const auto& [id, session] : sessions_) all.push_back(session);
  return all;
}

void SessionManager::BeginShutdown() {
  absl::MutexLock lock(&mutex_);
  shutting_down_ = true;
  for (auto& [id, session] : sessions_) session->RequestStop();
}

void SessionManager::ExpireIdleSessions() {
  std::vector<std::shared_ptr<Session>> expired;
  {
    absl::MutexLock lock(&mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session& session = *it->second;
      // A session whose lock is held is in a call (perhaps a long run): it is
      // not idle, whatever its last-call time says.
      const bool in_use = !session.mutex().TryLock();
      if (!in_use) session.mutex().Unlock();
      if (!in_use && session.idle() > options_.idle_timeout) {
        expired.push_back(std::move(it->second));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& session : expired) {
    std::fprintf(stderr, "session=%s expired after %s idle\n", session->id().substr(0, 8).c_str(),
                 absl::FormatDuration(options_.idle_timeout).c_str());
  }
}

void SessionManager::ExpiryLoop() {
  while (!stop_expiry_.WaitForNotificationWithTimeout(options_.expiry_check_interval)) {
    ExpireIdleSessions();
  }
}

}  // namespace spikeserve::server
