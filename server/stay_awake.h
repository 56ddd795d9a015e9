// Keeps a core awake for a short window after each call, so that the next
// call in a row does not wait for a halted core to wake.
//
// Why: on a virtual machine an idle vCPU halts, and waking it for the next
// request took tens of microseconds here, most of a small call's time
// (bench/RESULTS.md, session 15). Scripts send small calls in a row, each a
// few microseconds after the previous answer. While the window is open one
// thread spins at SCHED_IDLE priority: any other runnable thread, of this
// process or another, takes its core at once, so it only uses time in which
// the core would have halted. Windows longer than the gap between a
// script's calls buy nothing; after the last call the thread sleeps. Where
// the thread cannot lower its priority, it says so and never spins.
#ifndef SPIKESERVE_SERVER_STAY_AWAKE_H_
#define SPIKESERVE_SERVER_STAY_AWAKE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/server_interceptor.h"

namespace spikeserve::server {

class StayAwake {
 public:
  // A window of 0 or less starts no thread and never spins.
  explicit StayAwake(absl::Duration window);
  ~StayAwake();
  StayAwake(const StayAwake&) = delete;
  StayAwake& operator=(const StayAwake&) = delete;

  // Opens the window anew: a call is about to send its answer.
  void CallEnding();

  // How often the thread has gone to sleep: once at the start, then once
  // after each window that closed. For tests.
  int64_t Sleeps() const;

  // An interceptor factory for grpc::ServerBuilder that calls CallEnding
  // for every call to any service; this object must outlive the server.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();

 private:
  void Spin();
  bool WindowOpenOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t window_ns_;
  mutable absl::Mutex mu_;
  // Both read without the lock while spinning, and written under it, so
  // that a sleeping thread's condition is checked on every change.
  std::atomic<int64_t> awake_until_ns_{0};  // steady clock
  std::atomic<bool> stopping_{false};
  int64_t sleeps_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_STAY_AWAKE_H_
