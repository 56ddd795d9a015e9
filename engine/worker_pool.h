// A fixed team of threads that run one function together, several times per
// simulated time step. The calling thread is member 0 and works too.
//
// Waiting is bounded spinning, then sleeping on a condition variable: a
// handoff between steps is usually a few microseconds away, so a short spin
// saves the cost of a sleep and a wake-up; but on a shared machine the member
// being waited for may not be running at all, and spinning on would only take
// its core away (NEST's spinning barriers were measured 12-30x slower than
// one thread on this kind of machine).
#ifndef SPIKESERVE_ENGINE_WORKER_POOL_H_
#define SPIKESERVE_ENGINE_WORKER_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace spikeserve::engine {

class WorkerPool {
 public:
  // `size` members: size - 1 threads are started.
  explicit WorkerPool(int size);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int size() const { return static_cast<int>(threads_.size()) + 1; }

  // Calls task(member) for every member, member 0 on the calling thread, and
  // returns when all calls have returned. Not reentrant.
  void Run(const std::function<void(int member)>& task);

 private:
  void Work(int member);

  std::vector<std::thread> threads_;
  const std::function<void(int)>* task_ = nullptr;
  std::atomic<uint64_t> generation_{0};  // one more per Run
  std::atomic<int> running_{0};          // workers still in this generation's task
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable start_, finished_;
};

// Calls work(begin, end, member) for shares of the items [0, n), as equal as
// whole items allow and in index order: one per member of `pool`, or with
// no pool one share, member 0, on the calling thread.
template <class Work>
void ForEachShare(WorkerPool* pool, uint64_t n, const Work& work) {
  const uint64_t members = pool != nullptr ? pool->size() : 1;
  if (members == 1) {
    work(uint64_t{0}, n, 0);
    return;
  }
  pool->Run([&](int m) { work(n * m / members, n * (m + 1) / members, m); });
}

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_WORKER_POOL_H_
