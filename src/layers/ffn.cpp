// Gated (SwiGLU) feed-forward block.
#include "layers/ffn.h"

#include "base/error.h"
#include "kernels/ops.h"

namespace frugal {

SwigluFfn::SwigluFfn(Linear gate, Linear up, Linear down)
    : gate_(std::move(gate)), up_(std::move(up)), down_(std::move(down)) {
  FRUGAL_CHECK(gate_.out() == up_.out() && down_.in() == gate_.out() && down_.out() == gate_.in(),
               "feed-forward weights disagree in shape (gate {}x{}, up {}x{}, down {}x{})", gate_.out(), gate_.in(),
               up_.out(), up_.in(), down_.out(), down_.in());
}

std::unique_ptr<SwigluFfn> SwigluFfn::bind(WeightBinder& b, const std::string& prefix, int64_t n_embd, int64_t n_ff) {
  return std::make_unique<SwigluFfn>(Linear::bind(b, prefix + "ffn_gate", n_embd, n_ff),
                                     Linear::bind(b, prefix + "ffn_up", n_embd, n_ff),
                                     Linear::bind(b, prefix + "ffn_down", n_ff, n_embd));
}

void SwigluFfn::forward(const ForwardContext& ctx, const float* x, int64_t n_tok, float* out) const {
  const int64_t n_ff = gate_.out();
  auto g = alloc_floats(ctx, n_tok * n_ff);  // [n_tok, n_ff]
  auto u = alloc_floats(ctx, n_tok * n_ff);  // [n_tok, n_ff]
  const Linear* proj[] = {&gate_, &up_};
  float* outs[] = {g.get(), u.get()};
  forward_all(ctx, x, n_tok, proj, outs);
  ctx.pool.parallel_for(n_tok * n_ff, 16384, [&](int64_t b, int64_t e, int) {
    kernels::silu_mul(g.get() + b, u.get() + b, g.get() + b, e - b);
  });
  down_.forward(ctx, g.get(), n_tok, out);
}

}  // namespace frugal
