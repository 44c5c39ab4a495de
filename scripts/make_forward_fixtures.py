#!/usr/bin/env python3
"""Fixtures for `gru forward` end to end: PyTorch weights and batches, and what torch returns.

    python3 scripts/make_forward_fixtures.py   # writes Tests/GRUCLITests/Fixtures/forward/

module: a torch module with `gru` (2 layers, bidirectional, batch_first, I 3, H 5) and `head`
        (Linear), its state_dict saved whole (keys gru.*, head.*); the batch has h0 and lengths
        whose maximum (4) is below T (6), so the padded output has 4 steps.
bare:   a bare torch.nn.GRU (1 layer, time-major, no bias), no h0, no lengths.
Needs: torch, safetensors. Never run by `swift test`.
"""
import os

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GRUCLITests", "Fixtures", "forward")


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(3, 5, num_layers=2, bidirectional=True, batch_first=True)
        self.head = torch.nn.Linear(10, 2)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(7)
    model = Model()
    x = torch.randn(3, 6, 3)
    h0 = torch.randn(4, 3, 5) * 0.5
    lengths = torch.tensor([4, 2, 3], dtype=torch.int64)
    with torch.no_grad():
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, h_n = model.gru(packed, h0)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
    save_file(model.state_dict(), os.path.join(OUT, "module_weights.safetensors"))
    save_file({"input": x, "h0": h0, "lengths": lengths}, os.path.join(OUT, "module_input.safetensors"))
    save_file({"output": out.contiguous(), "h_n": h_n.contiguous()}, os.path.join(OUT, "module_expected.safetensors"))

    gru = torch.nn.GRU(4, 3, bias=False)
    x = torch.randn(5, 2, 4)
    with torch.no_grad():
        out, h_n = gru(x)
    save_file(gru.state_dict(), os.path.join(OUT, "bare_weights.safetensors"))
    save_file({"input": x}, os.path.join(OUT, "bare_input.safetensors"))
    save_file({"output": out.contiguous(), "h_n": h_n.contiguous()}, os.path.join(OUT, "bare_expected.safetensors"))
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
