// Hyperparameter access with range checks.
#include "models/hparams.h"

#include "base/error.h"

namespace frugal {

int64_t HParams::count(const std::string& k, int64_t lo, int64_t hi) const {
  const std::string full = key(k);
  auto v = f_.get_int(full);
  FRUGAL_CHECK(v.has_value(), "{}: required metadata key '{}' is missing", f_.path(), full);
  FRUGAL_CHECK(*v >= lo && *v <= hi, "{}: {} = {} is out of range [{}, {}]", f_.path(), full, *v, lo, hi);
  return *v;
}

int64_t HParams::count_or(const std::string& k, int64_t def, int64_t lo, int64_t hi) const {
  if (!f_.find(key(k))) return def;
  return count(k, lo, hi);
}

double HParams::real_or(const std::string& k, double def) const {
  auto v = f_.get_float(key(k));
  return v ? *v : def;
}

bool HParams::flag_or(const std::string& k, bool def) const {
  auto v = f_.get_bool(key(k));
  return v ? *v : def;
}

std::optional<std::string> HParams::text(const std::string& k) const {
  auto v = f_.get_string(key(k));
  if (!v) return std::nullopt;
  return std::string(*v);
}

}  // namespace frugal
