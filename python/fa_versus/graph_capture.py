"""py-sweep's graph mode: the Python analogue of fa-sweep's (harness/sweep/cuda_case_runner.cpp).

One call is captured into a torch.cuda.CUDAGraph on a side stream, after warm-up calls on that
stream, and the timed loop replays it. A replay re-runs only the captured device work: the host
code of the call (the Python layer, the custom op's wrappers, pybind11, the checks, the
allocations) ran once, at capture. The output lives in the graph's private pool and every replay
overwrites it; the inputs are read from the addresses captured, so callers refill those tensors
in place (py-sweep does, every repetition) instead of passing new ones.
"""

import torch

WARMUP_CALLS = 3  # as fa-sweep's kCaptureWarmupCalls


class CapturedCall:
    """call() captured once; replay() re-runs its device work. `output` is the captured call's
    output (overwritten by each replay)."""

    def __init__(self, call, warmup_calls=WARMUP_CALLS):
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(warmup_calls):
                call()
        side.synchronize()
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph, stream=side):
            self.output = call()
        torch.cuda.current_stream().wait_stream(side)
        # One replay on the stream the loop uses, to fail here rather than in the timed loop.
        self.graph.replay()
        torch.cuda.synchronize()

    def replay(self):
        self.graph.replay()

    def release(self):
        self.output = None
        self.graph.reset()
        self.graph = None
