"""A whole training step replayed from CUDA graphs (nkdlib.train's `graph` lever, CUDA only).

    step = GraphedStep(trainer_step)     # trainer_step(idx) -> its outputs (tensors or None)
    losses = step(idx, phase)            # idx: (B,) row indices on the device

A step is captured once per key (batch size, phase: what its Python code branches on,
nkdlib.methods.Method.phase), after WARMUP eager steps of that key on a side stream, as the
torch.cuda.graphs documentation asks; before each replay the batch's rows are copied into
the graph's own index buffer. Everything else the step reads must keep its storage between
steps: parameters, optimiser state and learning rate (0-d tensors), the training labels,
the method's device scalars and counters. Random draws inside the graph (augmentation,
dropout) come from the CUDA generator, which torch.cuda.graph registers so that every
replay draws anew. Only CUDA: CPU runs the same step without capture.
"""
import torch


class GraphedStep:
    """Captures step(idx) per (len(idx), phase) key and replays it; every call is one real step."""

    WARMUP = 3   # eager steps of a key before it is captured

    def __init__(self, step):
        self.step = step
        self.graphs = {}   # key -> (graph, its static idx, the outputs it rewrites on each replay)
        self.seen = {}     # key -> eager steps run so far
        self.stream = torch.cuda.Stream()

    def __call__(self, idx, phase=None):
        key = (len(idx), phase)
        if key in self.graphs:
            graph, static_idx, out = self.graphs[key]
            static_idx.copy_(idx)
            graph.replay()
            return out
        self.seen[key] = self.seen.get(key, 0) + 1
        self.stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(self.stream):
            if self.seen[key] <= self.WARMUP:
                out = self.step(idx)
            else:
                static_idx, graph = idx.clone(), torch.cuda.CUDAGraph()
                with torch.cuda.graph(graph, stream=self.stream):
                    out = self.step(static_idx)
                self.graphs[key] = (graph, static_idx, out)
                graph.replay()   # capture records the step without running it: this step runs now
        torch.cuda.current_stream().wait_stream(self.stream)
        return out
