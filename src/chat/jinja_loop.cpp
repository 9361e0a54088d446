// The `loop` object of a for loop.
#include "chat/jinja_loop.h"

#include "base/error.h"
#include "chat/jinja_interp.h"

namespace frugal::jinja {

Value LoopObject::attr(std::string_view name, const std::shared_ptr<Object>& self) {
  const auto n = static_cast<int64_t>(items.size());
  const auto i = static_cast<int64_t>(index);
  if (name == "index") return Value::integer(i + 1);
  if (name == "index0") return Value::integer(i);
  if (name == "revindex") return Value::integer(n - i);
  if (name == "revindex0") return Value::integer(n - i - 1);
  if (name == "first") return Value::boolean(i == 0);
  if (name == "last") return Value::boolean(i == n - 1);
  if (name == "length") return Value::integer(n);
  if (name == "depth") return Value::integer(1);
  if (name == "depth0") return Value::integer(0);
  if (name == "previtem") return i > 0 ? items[index - 1] : Value();
  if (name == "nextitem") return i + 1 < n ? items[index + 1] : Value();
  if (name == "cycle") {
    std::weak_ptr<Object> weak = self;  // weak: a stored callable must not keep the loop alive
    return Value::callable("loop.cycle", [weak](Interp&, CallArgs& args) {
      FRUGAL_CHECK(!args.pos.empty(), "loop.cycle() needs at least one item to cycle through");
      const auto strong = weak.lock();
      FRUGAL_CHECK(strong != nullptr, "loop.cycle() called after its loop ended");
      const auto& loop = static_cast<const LoopObject&>(*strong);
      return args.pos[loop.index % args.pos.size()];
    });
  }
  if (name == "changed") {
    std::weak_ptr<Object> weak = self;
    return Value::callable("loop.changed", [weak](Interp&, CallArgs& args) {
      const auto strong = weak.lock();
      FRUGAL_CHECK(strong != nullptr, "loop.changed() called after its loop ended");
      auto& loop = static_cast<LoopObject&>(*strong);
      bool changed = !loop.last_changed || loop.last_changed->size() != args.pos.size();
      for (size_t k = 0; !changed && k < args.pos.size(); ++k) changed = !equals((*loop.last_changed)[k], args.pos[k]);
      loop.last_changed = args.pos;
      return Value::boolean(changed);
    });
  }
  return Value();
}

}  // namespace frugal::jinja
