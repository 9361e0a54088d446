// The `loop` object of a for loop (index, first, last, cycle(), changed() ...).
#pragma once

#include <optional>
#include <vector>

#include "chat/jinja_value.h"

namespace frugal::jinja {

class LoopObject : public Object {
 public:
  explicit LoopObject(std::vector<Value> all) : items(std::move(all)) {}
  const char* type_name() const override { return "LoopContext"; }
  Value attr(std::string_view name, const std::shared_ptr<Object>& self) override;

  std::vector<Value> items;
  size_t index = 0;
  std::optional<std::vector<Value>> last_changed;  // arguments of the previous loop.changed()
};

}  // namespace frugal::jinja
