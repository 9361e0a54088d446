// NFC normalization through ICU (libicu), applied run by run around ill-formed bytes.
#include "tokenizer/normalize.h"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <vector>

#include "base/error.h"
#include "tokenizer/utf8.h"

namespace frugal::tok {
namespace {

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Normalizes one well-formed UTF-8 run and appends it to out.
void nfc_run(std::string_view run, std::string& out) {
  if (is_ascii(run)) {
    out.append(run);
    return;
  }
  FRUGAL_CHECK(run.size() < (1u << 28), "NFC: a text run of {} bytes is too large", run.size());
  UErrorCode st = U_ZERO_ERROR;
  const UNormalizer2* n = unorm2_getNFCInstance(&st);
  FRUGAL_CHECK(U_SUCCESS(st), "ICU: NFC normalizer unavailable: {}", u_errorName(st));
  const auto len = static_cast<int32_t>(run.size());
  std::vector<UChar> src(run.size() + 1);
  int32_t n16 = 0;
  u_strFromUTF8(src.data(), static_cast<int32_t>(src.size()), &n16, run.data(), len, &st);
  FRUGAL_CHECK(U_SUCCESS(st), "ICU: UTF-8 conversion failed: {}", u_errorName(st));
  if (unorm2_isNormalized(n, src.data(), n16, &st) && U_SUCCESS(st)) {
    out.append(run);
    return;
  }
  st = U_ZERO_ERROR;
  // NFC can expand (e.g. some compatibility ideographs); ICU reports the size needed.
  std::vector<UChar> dst(static_cast<size_t>(n16) * 3 + 16);
  int32_t m16 = unorm2_normalize(n, src.data(), n16, dst.data(), static_cast<int32_t>(dst.size()), &st);
  if (st == U_BUFFER_OVERFLOW_ERROR) {
    st = U_ZERO_ERROR;
    dst.resize(static_cast<size_t>(m16) + 1);
    m16 = unorm2_normalize(n, src.data(), n16, dst.data(), static_cast<int32_t>(dst.size()), &st);
  }
  FRUGAL_CHECK(U_SUCCESS(st), "ICU: NFC normalization failed: {}", u_errorName(st));
  std::string buf(static_cast<size_t>(m16) * 3 + 4, '\0');
  int32_t n8 = 0;
  u_strToUTF8(buf.data(), static_cast<int32_t>(buf.size()), &n8, dst.data(), m16, &st);
  FRUGAL_CHECK(U_SUCCESS(st), "ICU: UTF-8 conversion failed: {}", u_errorName(st));
  out.append(buf.data(), static_cast<size_t>(n8));
}

}  // namespace

std::string nfc(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size()) {
      const size_t len = utf8_valid_len(text, j);
      if (len == 0) break;
      j += len;
    }
    if (j > i) nfc_run(text.substr(i, j - i), out);
    if (j >= text.size()) break;
    const size_t bad = utf8_subpart_len(text, j);
    out.append(text.substr(j, bad));
    i = j + bad;
  }
  return out;
}

}  // namespace frugal::tok
