#include "server/stay_awake.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstring>

namespace spikeserve::server {
namespace {

// Tells the core that this is a spin-wait: it draws less power and leaves
// more to a hyperthread sibling.
void SpinPause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Opens its StayAwake's window when a call is about to send its status:
// the answer is then on its way, and the next call of a script in a row
// comes within microseconds of it.
class CallEndingInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit CallEndingInterceptor(StayAwake* stay_awake) : stay_awake_(stay_awake) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      stay_awake_->CallEnding();
    }
    methods->Proceed();
  }

 private:
  StayAwake* const stay_awake_;
};

class CallEndingInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallEndingInterceptorFactory(StayAwake* stay_awake) : stay_awake_(stay_awake) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    return new CallEndingInterceptor(stay_awake_);
  }

 private:
  StayAwake* const stay_awake_;
};

}  // namespace

StayAwake::StayAwake(absl::Duration window) : window_ns_(absl::ToInt64Nanoseconds(window)) {
  if (window_ns_ > 0) thread_ = std::thread([this] { Spin(); });
}

StayAwake::~StayAwake() {
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_.store(true, std::memory_order_relaxed);
  }
  thread_.join();
}

void StayAwake::CallEnding() {
  if (window_ns_ <= 0) return;
  const int64_t until = SteadyNowNs() + window_ns_;
  // While the thread spins the store alone would do; the lock is what
  // wakes a sleeping thread, and costs no more than an atomic exchange.
  absl::MutexLock lock(&mu_);
  awake_until_ns_.store(until, std::memory_order_relaxed);
}

int64_t StayAwake::Sleeps() const {
  absl::MutexLock lock(&mu_);
  return sleeps_;
}

bool StayAwake::WindowOpenOrStopping() const {
  return stopping_.load(std::memory_order_relaxed) ||
         awake_until_ns_.load(std::memory_order_relaxed) > SteadyNowNs();
}

void StayAwake::Spin() {
  // Only the time no other thread wants: SCHED_IDLE yields the core to any
  // runnable thread at once, and the scheduler counts its core as idle
  // when it places a woken thread.
  // At any other priority spinning would take time from simulations, so
  // without it (a sandbox that forbids the call) the thread ends.
  sched_param idle{};
  if (const int error = pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle); error != 0) {
    std::fprintf(stderr,
                 "spikeserve: cannot lower a thread to SCHED_IDLE (%s); "
                 "--stay_awake_after_call is off\n",
                 std::strerror(error));
    return;
  }
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      ++sleeps_;
      mu_.Await(absl::Condition(this, &StayAwake::WindowOpenOrStopping));
      if (stopping_.load(std::memory_order_relaxed)) return;
    }
    while (!stopping_.load(std::memory_order_relaxed) &&
           awake_until_ns_.load(std::memory_order_relaxed) > SteadyNowNs()) {
      SpinPause();
    }
  }
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
StayAwake::InterceptorFactory() {
  return std::make_unique<CallEndingInterceptorFactory>(this);
}

}  // namespace spikeserve::server
