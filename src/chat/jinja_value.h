// Runtime values of the Jinja interpreter: undefined, none, bool, int, float, string, list, dict,
// namespace, callable and opaque objects (loop, cycler, joiner). Containers are immutable once
// built (the sandbox forbids list.append and friends); only namespaces mutate.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace frugal::jinja {

class Value;
class Interp;
struct CallArgs;

enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Callable, Object };

// Deepest nesting of containers a value may have; bounds every recursive walk (print, JSON, ==).
inline constexpr uint32_t kMaxValueDepth = 256;

// Hashed positions of the keys of an insertion-ordered pair vector; built once it grows past 16
// entries, so lookups in large dicts, namespaces and scopes stay O(1).
class KeyIndex {
 public:
  template <typename Pairs>
  auto find(Pairs& items, std::string_view key) const -> decltype(&items[0].second) {
    if (map_.empty()) {
      for (auto& kv : items) {
        if (kv.first == key) return &kv.second;
      }
      return nullptr;
    }
    const auto it = map_.find(key);
    return it == map_.end() ? nullptr : &items[it->second].second;
  }
  // Call after appending items.back().
  template <typename Pairs>
  void added(const Pairs& items) {
    if (!map_.empty()) {
      map_.emplace(items.back().first, items.size() - 1);
    } else if (items.size() > 16) {
      for (size_t i = 0; i < items.size(); ++i) map_.emplace(items[i].first, i);
    }
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> map_;
};

struct ListData {
  std::vector<Value> items;
  bool tuple = false;   // printed with parentheses, like Python
  uint32_t depth = 1;   // containers nested inside, including this one
  bool has_ns = false;  // a namespace is reachable from here
};

struct DictData {
  std::vector<std::pair<std::string, Value>> items;  // insertion-ordered, unique keys
  uint32_t depth = 1;
  bool has_ns = false;
  KeyIndex index;
  const Value* find(std::string_view key) const;
};

struct NamespaceData {
  std::vector<std::pair<std::string, Value>> items;
  KeyIndex index;
  const Value* find(std::string_view key) const;
  void set(std::string_view key, Value v);
  uint32_t depth() const;
};

using CallFn = std::function<Value(Interp&, CallArgs&)>;
struct Callable {
  std::string name;
  CallFn fn;
};

// Objects with attributes computed on access (loop, cycler, joiner).
class Object {
 public:
  virtual ~Object() = default;
  virtual const char* type_name() const = 0;
  virtual Value attr(std::string_view name, const std::shared_ptr<Object>& self) = 0;
};

using StrPtr = std::shared_ptr<const std::string>;
using ListPtr = std::shared_ptr<const ListData>;
using DictPtr = std::shared_ptr<const DictData>;
using NsPtr = std::shared_ptr<NamespaceData>;
using FnPtr = std::shared_ptr<const Callable>;
using ObjPtr = std::shared_ptr<Object>;

class Value {
 public:
  Value() = default;  // undefined
  static Value none() { return Value(Storage(nullptr)); }
  static Value boolean(bool b) { return Value(Storage(b)); }
  static Value integer(int64_t i) { return Value(Storage(i)); }
  static Value number(double d) { return Value(Storage(d)); }
  static Value string(std::string s) { return Value(Storage(std::make_shared<const std::string>(std::move(s)))); }
  static Value string(StrPtr s) { return Value(Storage(std::move(s))); }
  static Value list(std::vector<Value> items, bool tuple = false);  // throws when nested too deep
  static Value dict(std::vector<std::pair<std::string, Value>> items);  // keys must be unique
  static Value ns(NsPtr n) { return Value(Storage(std::move(n))); }
  static Value callable(std::string name, CallFn fn);
  static Value object(ObjPtr o) { return Value(Storage(std::move(o))); }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is(Kind k) const { return kind() == k; }
  bool is_undefined() const { return kind() == Kind::Undefined; }
  bool is_none() const { return kind() == Kind::None; }
  bool is_string() const { return kind() == Kind::String; }
  bool is_number() const { return kind() == Kind::Int || kind() == Kind::Float || kind() == Kind::Bool; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  double as_double() const;  // Int, Float or Bool as a double
  const std::string& str() const { return *std::get<StrPtr>(v_); }
  const StrPtr& str_ptr() const { return std::get<StrPtr>(v_); }
  const std::vector<Value>& items() const { return std::get<ListPtr>(v_)->items; }
  const ListData& list_data() const { return *std::get<ListPtr>(v_); }
  const DictData& dict() const { return *std::get<DictPtr>(v_); }
  NamespaceData& ns() const { return *std::get<NsPtr>(v_); }
  const NsPtr& ns_ptr() const { return std::get<NsPtr>(v_); }
  const Callable& fn() const { return *std::get<FnPtr>(v_); }
  const ObjPtr& obj() const { return std::get<ObjPtr>(v_); }

  uint32_t depth() const;  // container nesting (0 for scalars)
  bool has_ns() const;     // is or contains a namespace

 private:
  using Storage = std::variant<std::monostate, std::nullptr_t, bool, int64_t, double, StrPtr, ListPtr, DictPtr,
                               NsPtr, FnPtr, ObjPtr>;
  explicit Value(Storage s) : v_(std::move(s)) {}
  Storage v_;
};

// Builds a dict keeping the first position of a key and the last value, like Python.
class DictBuilder {
 public:
  void set(std::string key, Value v);
  Value build() { return Value::dict(std::move(items_)); }
  size_t size() const { return items_.size(); }

 private:
  std::vector<std::pair<std::string, Value>> items_;
  KeyIndex index_;
};

// Python truthiness.
bool truthy(const Value& v);
// Python type name for messages ("str", "int", "list", "dict", "NoneType", "undefined" ...).
std::string type_name(const Value& v);
// Python str(): what `{{ v }}`, `~` and |string produce. Undefined is "".
// Containers stop with frugal::Error once `out` passes `limit` bytes.
std::string to_str(const Value& v, size_t limit = SIZE_MAX);
void append_str(std::string& out, const Value& v, size_t limit = SIZE_MAX);
// Python repr(), used for items inside printed lists and dicts.
void append_repr(std::string& out, const Value& v, size_t limit = SIZE_MAX);
// Python repr() of a float ("1.0", "0.1", "1e+20", "inf").
std::string float_repr(double d);
// Python ==, deep.
bool equals(const Value& a, const Value& b);
// Python <: -1, 0, 1; throws frugal::Error for unorderable types.
int compare(const Value& a, const Value& b);

// JSON interchange. from_json throws when nesting exceeds kMaxValueDepth.
Value from_json(const nlohmann::ordered_json& j);

// Python json.dumps as Hugging Face's tojson calls it (ensure_ascii=False, no key sorting by default).
struct JsonOptions {
  int indent = -1;               // <0: single line
  std::string indent_str;        // used instead of spaces when non-empty (indent given as a string)
  bool ensure_ascii = false;
  bool sort_keys = false;
  std::string item_sep = ", ";   // json.dumps defaults: ", " single line, "," when indenting
  std::string key_sep = ": ";
  size_t max_bytes = SIZE_MAX;   // frugal::Error once the output passes this
};
void append_json(std::string& out, const Value& v, const JsonOptions& opt, int level = 0);
void append_json_string(std::string& out, std::string_view s, bool ensure_ascii);

}  // namespace frugal::jinja
