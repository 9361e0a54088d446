// Open-addressing hash tables for the vocabulary: token text -> id and (left, right) id pair -> merge.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace frugal::tok {

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = mix64(h ^ w);
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = mix64(h ^ w ^ 0xFF51AFD7ED558CCDull);
  }
  return h;
}

inline size_t table_capacity(size_t n) { return std::bit_ceil(n * 2 + 16); }  // load factor <= 1/2

// string_view -> int32 id; the viewed strings must outlive the map. The first insert of a key wins.
// Keys of up to 12 bytes are also copied into the slot, so most lookups touch one cache line.
class StringIdMap {
 public:
  void reserve(size_t n) {
    slots_.assign(table_capacity(n), Slot{});
    mask_ = slots_.size() - 1;
  }
  bool insert(std::string_view key, int32_t id) {
    if (size_ * 2 + 2 > slots_.size()) grow();
    const uint64_t h = hash_bytes(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.id < 0) {
        s.set(static_cast<uint32_t>(h >> 32), key, id);
        ++size_;
        return true;
      }
      if (s.matches(static_cast<uint32_t>(h >> 32), key)) return false;
    }
  }
  int32_t find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const uint64_t h = hash_bytes(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.matches(static_cast<uint32_t>(h >> 32), key)) return s.id;
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint32_t hash = 0;
    int32_t id = -1;
    uint32_t len = 0;
    char small[12] = {};
    const char* ptr = nullptr;
    void set(uint32_t h, std::string_view k, int32_t i) {
      hash = h;
      id = i;
      len = static_cast<uint32_t>(k.size());
      ptr = k.data();
      if (k.size() <= sizeof small) std::memcpy(small, k.data(), k.size());
    }
    bool matches(uint32_t h, std::string_view k) const {
      if (hash != h || len != k.size()) return false;
      return std::memcmp(len <= sizeof small ? small : ptr, k.data(), len) == 0;
    }
    std::string_view key() const { return {ptr, len}; }
  };
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    reserve(old.size() + 8);
    size_ = 0;
    for (const Slot& s : old)
      if (s.id >= 0) insert(s.key(), s.id);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

struct MergeRule {
  int32_t rank;
  int32_t result;
};

// (left id, right id) -> merge rule. The first insert of a pair wins (the lowest rank).
class PairMap {
 public:
  void reserve(size_t n) {
    slots_.assign(table_capacity(n), Slot{});
    mask_ = slots_.size() - 1;
  }
  void insert(int32_t l, int32_t r, MergeRule m) {
    if (size_ * 2 + 2 > slots_.size()) grow();
    const uint64_t k = key(l, r);
    for (size_t i = mix64(k) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.rule.result < 0) {
        s = {k, m};
        ++size_;
        return;
      }
      if (s.key == k) return;
    }
  }
  const MergeRule* find(int32_t l, int32_t r) const {
    if (slots_.empty()) return nullptr;
    const uint64_t k = key(l, r);
    for (size_t i = mix64(k) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.rule.result < 0) return nullptr;
      if (s.key == k) return &s.rule;
    }
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  struct Slot {
    uint64_t key = 0;
    MergeRule rule{-1, -1};
  };
  static uint64_t key(int32_t l, int32_t r) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(l)) << 32) | static_cast<uint32_t>(r);
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    reserve(old.size() + 8);
    size_ = 0;
    for (const Slot& s : old)
      if (s.rule.result >= 0) insert(static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xFFFFFFFFu), s.rule);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace frugal::tok
