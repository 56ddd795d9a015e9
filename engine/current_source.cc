#include "engine/current_source.h"

#include <algorithm>
#include <cstdint>

namespace spikeserve::engine {

CurrentSource::CurrentSource(const CurrentSourceInfo& info) : info_(info) {
  for (const auto& p : info.parameters) parameters_[p.name] = p.default_value;
}

void CurrentSource::Prepare(const TimeGrid& grid) {
  // Times beyond ~1e17 steps mean "never"; clamping keeps the conversion defined.
  auto steps = [&](double t) {
    return t / grid.dt() > 1e17 ? INT64_MAX / 2 : std::max<int64_t>(grid.Steps(t), INT64_MIN / 2);
  };
  amplitude_ = parameters_["amplitude"];
  start_step_ = steps(parameters_["start"]);
  stop_step_ = steps(parameters_["stop"]);
}

}  // namespace spikeserve::engine
