#include "engine/worker_pool.h"

#include <chrono>

namespace spikeserve::engine {
namespace {

// How long a member polls before it sleeps: long enough to catch a partner
// that is a few microseconds behind, short enough that a member waiting for
// one that is not running at all (a shared or oversubscribed machine) soon
// gives the core back. On the 2-vCPU VM of bench/RESULTS.md, where two
// threads get no more CPU than one, 500 us made two threads 2.5x slower than
// one; 50 us, 1.4x.
constexpr auto kSpinTime = std::chrono::microseconds(50);

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Polls `done` for up to kSpinTime; true if it became true.
template <class Done>
bool SpinUntil(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      CpuRelax();
    }
    if (std::chrono::steady_clock::now() > deadline) return done();
  }
}

}  // namespace

WorkerPool::WorkerPool(int size) {
  for (int member = 1; member < size; ++member)
    threads_.emplace_back([this, member] { Work(member); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  start_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::Run(const std::function<void(int)>& task) {
  if (threads_.empty()) {
    task(0);
    return;
  }
  task_ = &task;
  running_.store(static_cast<int>(threads_.size()), std::memory_order_relaxed);
  {
    // Under the mutex, so that a worker between its check and its wait
    // cannot miss the new generation.
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  start_.notify_all();
  task(0);
  auto all_done = [this] { return running_.load(std::memory_order_acquire) == 0; };
  if (!SpinUntil(all_done)) {
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, all_done);
  }
}

void WorkerPool::Work(int member) {
  uint64_t seen = 0;
  for (;;) {
    auto started = [&] { return generation_.load(std::memory_order_acquire) != seen; };
    if (!SpinUntil(started)) {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, started);
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load(std::memory_order_relaxed)) return;
    (*task_)(member);
    if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // The last one out wakes the caller if it went to sleep.
      std::lock_guard<std::mutex> lock(mutex_);
      finished_.notify_one();
    }
  }
}

}  // namespace spikeserve::engine
