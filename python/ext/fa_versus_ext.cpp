// fa_versus_ext: the Python bindings of fa_kernels, shaped like flash-attn's `flash_attn_2_cuda`
// module, so python/fa_versus can call the same core the way flash-attn 2.6.3 and 2.7.0 called
// theirs. No kernel code here: everything links from fa_kernels (one copy of the core).
//
//   fwd            2.6.3's C++ entry (fa263::mha_fwd: checks, padding, slicing; 8 tensors out)
//   fwd_op_kernel  2.7.0's C++ entry (the backend kernel of flash_attn::_flash_attn_forward:
//                  checks, rejects head_dim % 8 != 0; 4 tensors out)
//
// Both take flash-attn's 13 positional arguments
//   (q, k, v, out, alibi_slopes, dropout_p, softmax_scale, causal, window_size_left,
//    window_size_right, softcap, return_softmax, gen)
// with its C types (float scale, int windows), as both releases' Python layers passed them: the
// argument conversion pybind11 does is the same in both paths, as it was in flash-attn.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/extension.h>

#include <string>
#include <tuple>
#include <vector>

#include "core/attention_params.h"
#include "report_bindings.h"
#include "v2_6_3/mha_fwd.h"
#include "v2_7_0/flash_attn_op.h"
#include "variants.h"

namespace {

// The options the core does not implement, rejected with the messages the registered op uses
// (kernels/v2_7_0/flash_attn_op.cpp), so both bindings fail alike.
void check_supported_options(const c10::optional<at::Tensor>& alibi_slopes, float dropout_p,
                             int window_size_left, int window_size_right, float softcap,
                             bool return_softmax, const c10::optional<at::Generator>& gen) {
  TORCH_CHECK(dropout_p == 0.0f, "dropout_p: only 0 is supported, got ", dropout_p);
  TORCH_CHECK(window_size_left < 0 && window_size_right < 0,
              "window_size_left/right: only -1 (no local window) is supported, got ",
              window_size_left, ", ", window_size_right);
  TORCH_CHECK(softcap == 0.0f, "softcap: only 0 is supported, got ", softcap);
  TORCH_CHECK(!alibi_slopes.has_value(), "alibi_slopes: not supported, expected None");
  TORCH_CHECK(!return_softmax, "return_softmax: only false is supported");
  TORCH_CHECK(!gen.has_value(), "gen: no generator is used (no dropout), expected None");
}

// flash-attn 2.6.3's `flash_attn_cuda.fwd`: the checks, the padding and the slicing all inside
// fa263::mha_fwd; the Python caller reaches it directly (no dispatcher).
std::vector<at::Tensor> fwd_v263(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                 c10::optional<at::Tensor>& out_,
                                 const c10::optional<at::Tensor>& alibi_slopes, float dropout_p,
                                 float softmax_scale, bool is_causal, int window_size_left,
                                 int window_size_right, float softcap, bool return_softmax,
                                 const c10::optional<at::Generator>& gen) {
  check_supported_options(alibi_slopes, dropout_p, window_size_left, window_size_right, softcap,
                          return_softmax, gen);
  return fa263::mha_fwd(q, k, v, out_, softmax_scale, is_causal);
}

const c10::TypedOperatorHandle<fa270::FlashAttnForwardSignature>& flash_attn_forward_op() {
  static const auto handle = c10::Dispatcher::singleton()
                                 .findSchemaOrThrow(fa270::kOpName, "")
                                 .typed<fa270::FlashAttnForwardSignature>();
  return handle;
}

// flash-attn 2.7.0's `flash_attn_cuda.fwd`: the C++ entry that lost padding and slicing. In
// fa_kernels it is the CPU/CUDA kernel of the registered op; it is reached here with a redispatch
// straight to the backend key: a table lookup, no dispatch-key computation, no autograd layer
// and no RecordFunction, i.e. as close to the direct call pybind11 made in 2.7.0 as fa_kernels'
// public headers allow. The Python layer's custom op (python/fa_versus/v2_7_0.py) adds the
// dispatcher hop 2.7.0 had, once, in front of this.
std::vector<at::Tensor> fwd_v270(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                 const c10::optional<at::Tensor>& out_,
                                 const c10::optional<at::Tensor>& alibi_slopes, float dropout_p,
                                 float softmax_scale, bool is_causal, int window_size_left,
                                 int window_size_right, float softcap, bool return_softmax,
                                 const c10::optional<at::Generator>& gen) {
  TORCH_CHECK(
      !out_.has_value(),
      "out: the 2.7.0 op allocates its output (flash_attn_func passes None), expected None");
  TORCH_CHECK(!gen.has_value(), "gen: no generator is used (no dropout), expected None");
  TORCH_CHECK(q.is_cpu() || q.is_cuda(), "q: device must be CPU or CUDA, got ", q.device());
  const c10::DispatchKeySet backend(q.is_cuda() ? c10::DispatchKey::CUDA : c10::DispatchKey::CPU);
  at::Tensor out, softmax_lse, p, rng_state;
  std::tie(out, softmax_lse, p, rng_state) = flash_attn_forward_op().redispatch(
      backend, q, k, v, static_cast<double>(dropout_p), static_cast<double>(softmax_scale),
      is_causal, static_cast<int64_t>(window_size_left), static_cast<int64_t>(window_size_right),
      static_cast<double>(softcap), alibi_slopes, return_softmax);
  return {out, softmax_lse, p, rng_state};
}

// The C++ stand-ins of the registry (kernels/variants.h), for tests that compare the Python
// layers with the C++ paths on the same inputs.
std::tuple<at::Tensor, at::Tensor> cpp_variant_forward(const std::string& name, const at::Tensor& q,
                                                       const at::Tensor& k, const at::Tensor& v,
                                                       double softmax_scale, bool causal) {
  const fa::Variant* variant = fa::find_variant(name);
  TORCH_CHECK(variant != nullptr, "variant: unknown name '", name, "', expected one of ",
              fa::variant_names());
  if (variant->unavailable_reason != nullptr) {
    const std::string reason = variant->unavailable_reason(q.device());
    TORCH_CHECK(reason.empty(), "variant ", name, ": not available on ", q.device(), ": ", reason);
  }
  fa::AttentionOutputs outputs =
      variant->forward(q, k, v, fa::AttentionOptions{softmax_scale, causal});
  return {std::move(outputs.out), std::move(outputs.softmax_lse)};
}

std::vector<std::string> cpp_variant_names() {
  std::vector<std::string> names;
  for (const fa::Variant& variant : fa::all_variants()) names.emplace_back(variant.name);
  return names;
}

}  // namespace

namespace fa::python {
void add_phase_bindings(pybind11::module_& m);  // phase_bindings.cpp
}

PYBIND11_MODULE(fa_versus_ext, m) {
  namespace py = pybind11;
  m.doc() =
      "fa-versus: the attention core of fa_kernels behind flash-attn style entry points "
      "(fwd = 2.6.3's C++ entry, fwd_op_kernel = 2.7.0's)";
  m.def("fwd", &fwd_v263,
        "flash-attn 2.6.3's fwd: checks, head_dim padding and slicing in C++ (fa263::mha_fwd). "
        "Returns [out, q_padded, k_padded, v_padded, out_padded, softmax_lse, p (None), "
        "rng_state].",
        py::arg("q"), py::arg("k"), py::arg("v"), py::arg("out"), py::arg("alibi_slopes"),
        py::arg("dropout_p"), py::arg("softmax_scale"), py::arg("causal"),
        py::arg("window_size_left"), py::arg("window_size_right"), py::arg("softcap"),
        py::arg("return_softmax"), py::arg("gen"));
  m.def("fwd_op_kernel", &fwd_v270,
        "flash-attn 2.7.0's fwd: the registered op's backend kernel (checks; rejects head_dim % 8 "
        "!= 0; out must be None). Returns [out, softmax_lse, p (empty), rng_state].",
        py::arg("q"), py::arg("k"), py::arg("v"), py::arg("out"), py::arg("alibi_slopes"),
        py::arg("dropout_p"), py::arg("softmax_scale"), py::arg("causal"),
        py::arg("window_size_left"), py::arg("window_size_right"), py::arg("softcap"),
        py::arg("return_softmax"), py::arg("gen"));
  m.def("cpp_variant_forward", &cpp_variant_forward,
        "Runs a C++ variant of kernels/variants.h (e.g. 'v2.6.3', 'v2.7.0'); softmax_scale <= 0 "
        "means 1/sqrt(head_dim). Returns (out, softmax_lse).",
        py::arg("name"), py::arg("q"), py::arg("k"), py::arg("v"), py::arg("softmax_scale") = 0.0,
        py::arg("causal") = false);
  m.def("cpp_variant_names", &cpp_variant_names, "Names of the C++ variants, in registry order.");
  fa::python::add_phase_bindings(m);
  m.attr("core_kernel_name_tag") = fa::kCoreKernelNameTag;
  bind_report(m);  // config, case names, counters and the report writer for py-sweep
#ifdef FA_WITH_CUDA
  m.attr("with_cuda") = true;
#else
  m.attr("with_cuda") = false;
#endif
}
