#!/usr/bin/env python3
"""PyTorch parity fixtures for GRUKit's GRU stack, over the grid
layers {1, 2, 3} x bidirectional x batch_first x bias x h0 given or absent x lengths given or absent.

    python3 scripts/make_pytorch_stack_fixtures.py   # writes Tests/GRUKitTests/Fixtures/pytorch_stack.safetensors

For every case, torch.nn.GRU(I=3, H=4) with random weights runs on a random batch (T 5, N 3);
with lengths, through pack_padded_sequence(enforce_sorted=False) -> GRU -> pad_packed_sequence
(the first sequence keeps all T steps, so the padded output has T steps). The loss
L = sum(output * dY) + sum(h_n * dH) with random dY and dH gives every gradient: each weight and
bias, the input and h0 (for an absent h0, the gradient at the zero state it stands for).
Weights and inputs are rounded to float32; PyTorch computes in float64; everything is stored as
float32 (lengths as int64) under "case<k>/<name>" -- the state_dict under "case<k>/gru." -- with the
grid in the metadata entry "cases".

Needs: torch, safetensors, numpy. Never run by `swift test`.
"""
import json
import os

import numpy as np
import torch
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GRUKitTests", "Fixtures", "pytorch_stack.safetensors")
I, H, T, N = 3, 4, 5, 3


def f32(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float32).astype(np.float64))


def case(rng, layers, bidirectional, batch_first, bias, with_h0, with_lengths):
    D = 2 if bidirectional else 1
    gru = torch.nn.GRU(I, H, num_layers=layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional).double()
    with torch.no_grad():
        for p in gru.parameters():
            p.copy_(f32(rng.uniform(-0.7, 0.7, size=tuple(p.shape))))
    x = f32(rng.normal(size=(N, T, I) if batch_first else (T, N, I))).requires_grad_()
    h0 = (f32(rng.uniform(-0.6, 0.6, size=(layers * D, N, H))) if with_h0 else torch.zeros(layers * D, N, H, dtype=torch.float64))
    h0.requires_grad_()
    lengths = np.array([T] + list(rng.integers(1, T + 1, size=N - 1))) if with_lengths else None
    if with_lengths:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.from_numpy(lengths), batch_first=batch_first, enforce_sorted=False)
        out_packed, h_n = gru(packed, h0)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed, batch_first=batch_first)
    else:
        out, h_n = gru(x, h0)
    if not with_h0:  # h0 = None must give the same as the explicit zero state used above
        ref = gru(torch.nn.utils.rnn.pack_padded_sequence(x, torch.from_numpy(lengths), batch_first=batch_first, enforce_sorted=False)
                  if with_lengths else x)
        assert torch.equal(ref[1], h_n)
    d_out = f32(rng.normal(size=tuple(out.shape)))
    d_h = f32(rng.normal(size=tuple(h_n.shape)))
    loss = (out * d_out).sum() + (h_n * d_h).sum()
    params = list(gru.named_parameters())
    grads = torch.autograd.grad(loss, [p for _, p in params] + [x, h0])
    tensors = {"gru." + name: p.detach() for name, p in params}  # the GRU's state_dict, under "gru."
    tensors.update({"grad." + name: g for (name, _), g in zip(params, grads)})
    tensors.update({"input": x.detach(), "output": out.detach(), "h_n": h_n.detach(), "d_output": d_out, "d_h_n": d_h,
                    "grad.input": grads[-2], "grad.h0": grads[-1]})
    if with_h0:
        tensors["h0"] = h0.detach()
    # C order: a batch-first output is a transposed view, and astype keeps its strides
    arrays = {k: np.ascontiguousarray(v.numpy(), dtype=np.float32) for k, v in tensors.items()}
    if with_lengths:
        arrays["lengths"] = lengths.astype(np.int64)
    config = {"layers": layers, "bidirectional": bidirectional, "batch_first": batch_first, "bias": bias,
              "h0": with_h0, "lengths": with_lengths}
    return config, arrays


def main():
    rng = np.random.default_rng(2026)
    everything, configs = {}, []
    k = 0
    for layers in (1, 2, 3):
        for bidirectional in (False, True):
            for batch_first in (False, True):
                for bias in (True, False):
                    for with_h0 in (True, False):
                        for with_lengths in (False, True):
                            config, arrays = case(rng, layers, bidirectional, batch_first, bias, with_h0, with_lengths)
                            configs.append(dict(config, key=f"case{k}"))
                            everything.update({f"case{k}/{name}": a for name, a in arrays.items()})
                            k += 1
    save_file(everything, OUT, metadata={"cases": json.dumps(configs), "torch": torch.__version__,
                                          "sizes": json.dumps({"input": I, "hidden": H, "steps": T, "batch": N}),
                                          "generator": "scripts/make_pytorch_stack_fixtures.py"})
    print(f"wrote {OUT}: {k} cases, {len(everything)} tensors, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
