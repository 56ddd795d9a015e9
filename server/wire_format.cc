#include "server/wire_format.h"

#include "absl/strings/str_cat.h"
#include "engine/errors.h"

namespace spikeserve::server {

absl::StatusOr<std::vector<double>> DecodeFloat64(const std::string& bytes,
                                                  const std::string& field) {
  if (bytes.size() % sizeof(double) != 0) {
    return engine::InvalidArgument(
        field, engine::reason::kWrongLength,
        absl::StrCat(field, " holds ", bytes.size(),
                     " bytes, which is not a whole number of little-endian float64 values"));
  }
  std::vector<double> values(bytes.size() / sizeof(double));
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

}  // namespace spikeserve::server
