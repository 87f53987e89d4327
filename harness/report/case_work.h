#pragma once
// The work of one attention case, behind the tflops and gbps counters (metric.h): fa-sweep and
// py-sweep (through fa_versus_ext) compute them here, once.
#include "case_key.h"

namespace fa::report {

// 4 * B * H * Sq * Sk * D floating-point operations (two matrix products), halved when causal.
double attention_flops(const CaseKey& key, bool causal);
// q, k, v read and out written once, 2 bytes an element (fp16 and bf16).
double attention_bytes(const CaseKey& key);

// The "tflops" and "gbps" counters of work done in `kernel_us` microseconds.
double throughput_tflops(double flops, double kernel_us);
double throughput_gbps(double bytes, double kernel_us);

}  // namespace fa::report
