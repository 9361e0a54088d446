// Unicode normalization for tokenizers whose Hugging Face definition has an NFC normalizer (Qwen2/3).
#pragma once

#include <string>
#include <string_view>

namespace frugal::tok {

// NFC of `text`. Ill-formed UTF-8 bytes are kept as they are; only well-formed runs are normalized.
std::string nfc(std::string_view text);

}  // namespace frugal::tok
