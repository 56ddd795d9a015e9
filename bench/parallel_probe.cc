// Does this machine run two threads at once? Times two independent pieces
// of work one after the other, then in two threads, for two kinds of work:
//
//  - a floating-point loop in registers: about 2x on a machine with two free
//    cores; on the development VM of bench/RESULTS.md it was once 1x, which
//    is why a second simulation thread could not pay there;
//  - sweeps over 8 MiB of doubles per thread, about the cell state and ring
//    buffers of Vogels-Abbott at 100,000 cells: this one also shows the
//    caches and memory bandwidth the two cores share. In session 10 it gave
//    0.94-0.95 and, minutes later, 1.89, while the loop gave 1.83-2.01; two
//    single-thread simulations run at once had each taken 1.6 times as long
//    as alone in such a moment.
//
// Two simulation threads cannot beat one by much more than the second figure.
//
//   bazel run -c opt //bench:parallel_probe
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

namespace {

volatile double sink;

void Spin() {
  double x = 1.0;
  for (long i = 0; i < 400'000'000; ++i) x = x * 1.0000001 + 1e-9;
  sink = x;
}

void Sweep() {
  std::vector<double> state(1 << 20, 1.0);  // 8 MiB
  for (int pass = 0; pass < 1500; ++pass)
    for (double& s : state) s = s * 0.999 + 1e-3;
  sink = state[12345];
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void Compare(const char* name, const std::function<void()>& work) {
  const auto serial_start = std::chrono::steady_clock::now();
  work();
  work();
  const double serial = Seconds(serial_start);
  const auto parallel_start = std::chrono::steady_clock::now();
  std::thread a(work), b(work);
  a.join();
  b.join();
  const double parallel = Seconds(parallel_start);
  std::printf("%s: two one after the other %.2f s, in two threads %.2f s: speed-up %.2f\n", name,
              serial, parallel, serial / parallel);
}

}  // namespace

int main() {
  Compare("floating-point loop", Spin);
  Compare("8 MiB sweeps", Sweep);
  return 0;
}
