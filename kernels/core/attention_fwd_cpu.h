#pragma once
#include "attention_params.h"

namespace fa {

// The CPU backend: the same function as the CUDA core (fp16/bf16 in and out, fp32 math, the same
// masking and softmax_lse), parallel over (batch, head). Used where there is no GPU.
void run_attention_fwd_cpu(const AttentionParams& params);

}  // namespace fa
