#!/usr/bin/env python3
"""GRUKit and PyTorch exchange GRU weights both ways.

    python3 scripts/check_pytorch_interop.py

1. PyTorch -> GRUKit: random torch.nn.GRU modules (inside a bigger module, with lengths, h0,
   batch_first, bidirectional, several layers) are saved with safetensors.torch.save_file;
   `gru forward` runs them; its output file loads in PyTorch and equals torch's result.
2. GRUKit -> PyTorch: a Swift test (run with GRUKIT_INTEROP_DIR) saves GRUs with
   savePyTorchWeights; torch.nn.GRU.load_state_dict(load_file(...)) accepts them (strict) and
   computes what GRUKit computed.
Needs: torch, safetensors, a Swift toolchain. Exits non-zero on any mismatch.
"""
import os
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
failures = 0


def check(what, a, b, tol=1e-5):
    global failures
    d = (a - b).abs().max().item() if a.shape == b.shape else float("inf")
    ok = d <= tol
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {what}: max |difference| {d:.2e}")


def pytorch_to_grukit(tmp):
    subprocess.run(["swift", "build", "-c", "release", "--product", "gru"], cwd=ROOT, check=True, capture_output=True)
    gru_bin = os.path.join(ROOT, ".build", "release", "gru")
    torch.manual_seed(11)
    for layers, bidirectional, batch_first, bias in ((1, False, False, True), (2, True, True, True), (3, True, False, False)):
        module = torch.nn.Module()
        module.encoder = torch.nn.GRU(4, 6, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
        module.head = torch.nn.Linear(6, 1)
        D = 2 if bidirectional else 1
        N, T = 3, 7
        x = torch.randn((N, T, 4) if batch_first else (T, N, 4))
        h0 = torch.randn(layers * D, N, 6) * 0.3
        lengths = torch.tensor([5, 7, 2])
        with torch.no_grad():
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
            out, h_n = module.encoder(packed, h0)
            out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first)
        w, i, o = (os.path.join(tmp, f"{layers}_{n}.safetensors") for n in ("weights", "input", "output"))
        save_file(module.state_dict(), w)
        save_file({"input": x, "h0": h0, "lengths": lengths}, i)
        args = [gru_bin, "forward", "--weights", w, "--input", i, "--output", o] + (["--batch-first"] if batch_first else [])
        subprocess.run(args, check=True)
        ours = load_file(o)
        name = f"gru forward, {layers} layer(s){' bidirectional' if bidirectional else ''}{' batch-first' if batch_first else ''}"
        check(name + ": output", ours["output"], out)
        check(name + ": h_n", ours["h_n"], h_n)


def grukit_to_pytorch(tmp):
    env = dict(os.environ, GRUKIT_INTEROP_DIR=tmp)
    subprocess.run(["swift", "test", "--filter", "PyTorchInteropTests"], cwd=ROOT, env=env, check=True, capture_output=True)
    for name in ("bare", "deep", "nobias"):
        batch = load_file(os.path.join(tmp, f"{name}_batch.safetensors"))
        from safetensors import safe_open
        with safe_open(os.path.join(tmp, f"{name}_batch.safetensors"), "pt") as f:
            meta = f.metadata()
        gru = torch.nn.GRU(3, 5, num_layers=int(meta["layers"]), bidirectional=meta["bidirectional"] == "true",
                           bias=meta["bias"] == "true", batch_first=meta["batch_first"] == "true")
        gru.load_state_dict(load_file(os.path.join(tmp, f"{name}_weights.safetensors")), strict=True)
        with torch.no_grad():
            out, h_n = gru(batch["input"])
        check(f"GRUKit weights '{name}' in torch.nn.GRU: output", out, batch["output"])
        check(f"GRUKit weights '{name}' in torch.nn.GRU: h_n", h_n, batch["h_n"])


with tempfile.TemporaryDirectory() as tmp:
    pytorch_to_grukit(tmp)
    grukit_to_pytorch(tmp)
print("all checks passed" if failures == 0 else f"{failures} check(s) failed")
sys.exit(1 if failures else 0)
