// Does this machine run two threads at once? Times two independent
// floating-point loops one after the other, then in two threads. On a
// machine with two free cores the second figure is about half the first; on
// the development VM of bench/RESULTS.md it was the same, which is why a
// second simulation thread could not pay there.
//
//   bazel run -c opt //bench:parallel_probe
#include <chrono>
#include <cstdio>
#include <thread>

namespace {

volatile double sink;

void Spin(long iterations) {
  double x = 1.0;
  for (long i = 0; i < iterations; ++i) x = x * 1.0000001 + 1e-9;
  sink = x;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main() {
  constexpr long kIterations = 400'000'000;
  const auto serial_start = std::chrono::steady_clock::now();
  Spin(kIterations);
  Spin(kIterations);
  const double serial = Seconds(serial_start);
  const auto parallel_start = std::chrono::steady_clock::now();
  std::thread a(Spin, kIterations), b(Spin, kIterations);
  a.join();
  b.join();
  const double parallel = Seconds(parallel_start);
  std::printf("two loops one after the other %.2f s, in two threads %.2f s: speed-up %.2f\n",
              serial, parallel, serial / parallel);
  return 0;
}
