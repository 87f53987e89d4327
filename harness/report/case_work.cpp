#include "case_work.h"

namespace fa::report {

double attention_flops(const CaseKey& key, bool causal) {
  const double flops =
      4.0 * key.batch * key.heads * static_cast<double>(key.seqlen) * key.seqlen * key.head_dim;
  return causal ? flops / 2 : flops;
}

double attention_bytes(const CaseKey& key) {
  const double element_bytes = 2.0;  // fp16 and bf16
  const double tensor = static_cast<double>(key.batch) * key.seqlen * key.heads * key.head_dim;
  return 4.0 * tensor * element_bytes;  // q, k, v read; out written
}

double throughput_tflops(double flops, double kernel_us) {
  return flops / (kernel_us * 1e-6) / 1e12;
}

double throughput_gbps(double bytes, double kernel_us) {
  return bytes / (kernel_us * 1e-6) / 1e9;
}

}  // namespace fa::report
