// Adaptive explicit Runge-Kutta integration with error control: the
// Dormand-Prince 5(4) pair (Dormand & Prince 1980; the method of MATLAB's
// ode45), advancing with the 5th-order solution (local extrapolation) and
// using the embedded 4th-order one to estimate the local error.
//
// A substep is accepted when, for every component k,
//   |err_k| <= abs + rel * max(|y_k|, |y_new_k|),
// i.e. the local error per substep is bounded by the mixed tolerance below
// (NEST's aeif models use GSL's rkf45 with abs 1e-6, rel 0). The substep size
// then adapts by the usual factor 0.9 err^{-1/5}, limited to [0.2, 5], and is
// carried over to the next time step, so quiet cells take one substep per
// step and cells near a spike take many.
//
// Events (threshold crossings) are located by step-size reduction: an
// accepted substep whose end state crosses is retried at half its length
// until it is at most kEventResolutionMs long, so a reset happens at most
// that long after the true crossing (instead of up to a whole substep).
#ifndef SPIKESERVE_ENGINE_EMBEDDED_RK_H_
#define SPIKESERVE_ENGINE_EMBEDDED_RK_H_

#include <algorithm>
#include <cmath>

namespace spikeserve::engine {

struct RkTolerance {
  double abs = 1e-6;  // in each component's units (mV, nA, uS, dimensionless)
  double rel = 1e-6;
};

// Below this substep (ms) a step is accepted whatever its error, so that a
// singular right-hand side cannot stall the simulation.
inline constexpr double kMinSubstepMs = 1e-9;
inline constexpr double kEventResolutionMs = 1e-4;

// Advances y (N components) over `span` ms with f(y, dydt) (autonomous over the
// span). `h` is the substep to try first and returns the one to try next.
// After every accepted substep `after(y)` may change y (spike and reset) and
// the right-hand side's own captured state (refractory clamp); `crosses(y)`
// says whether a state is past an event, to be located before `after` sees it.
template <int N, class Rhs, class Crosses, class After>
void IntegrateAdaptive(const Rhs& f, double* y, double span, double& h, const RkTolerance& tol,
                       const Crosses& crosses, After&& after) {
  // Dormand-Prince tableau.
  constexpr double a21 = 1.0 / 5;
  constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
  constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
  constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                   a54 = -212.0 / 729;
  constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                   a65 = -5103.0 / 18656;
  constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
                   b6 = 11.0 / 84;
  constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                   e6 = 22.0 / 525, e7 = -1.0 / 40;
  double k1[N], k2[N], k3[N], k4[N], k5[N], k6[N], k7[N], s[N], y_new[N];
  double t = 0.0;
  h = std::min(h > 0 ? h : span, span);
  while (t < span) {
    const bool last = h >= span - t;
    const double step = last ? span - t : h;
    f(y, k1);
    for (int k = 0; k < N; ++k) s[k] = y[k] + step * a21 * k1[k];
    f(s, k2);
    for (int k = 0; k < N; ++k) s[k] = y[k] + step * (a31 * k1[k] + a32 * k2[k]);
    f(s, k3);
    for (int k = 0; k < N; ++k) s[k] = y[k] + step * (a41 * k1[k] + a42 * k2[k] + a43 * k3[k]);
    f(s, k4);
    for (int k = 0; k < N; ++k)
      s[k] = y[k] + step * (a51 * k1[k] + a52 * k2[k] + a53 * k3[k] + a54 * k4[k]);
    f(s, k5);
    for (int k = 0; k < N; ++k)
      s[k] = y[k] + step * (a61 * k1[k] + a62 * k2[k] + a63 * k3[k] + a64 * k4[k] + a65 * k5[k]);
    f(s, k6);
    for (int k = 0; k < N; ++k)
      y_new[k] = y[k] + step * (b1 * k1[k] + b3 * k3[k] + b4 * k4[k] + b5 * k5[k] + b6 * k6[k]);
    f(y_new, k7);
    double err = 0.0;
    for (int k = 0; k < N; ++k) {
      const double e =
          step * (e1 * k1[k] + e3 * k3[k] + e4 * k4[k] + e5 * k5[k] + e6 * k6[k] + e7 * k7[k]);
      const double scale = tol.abs + tol.rel * std::max(std::fabs(y[k]), std::fabs(y_new[k]));
      err = std::max(err, std::fabs(e) / scale);
    }
    if (!(err <= 1.0) && step > kMinSubstepMs) {  // also rejects NaN
      h = std::max(step * std::max(0.2, 0.9 * std::pow(err, -0.2)), kMinSubstepMs);
      continue;
    }
    if (step > kEventResolutionMs && crosses(y_new)) {
      h = 0.5 * step;
      continue;
    }
    t = last ? span : t + step;
    for (int k = 0; k < N; ++k) y[k] = y_new[k];
    after(y);
    // A substep cut short by the end of the span says nothing about the next.
    if (!last) h = step * (err > 0 ? std::clamp(0.9 * std::pow(err, -0.2), 0.2, 5.0) : 5.0);
  }
}

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_EMBEDDED_RK_H_
