#!/usr/bin/env python3
"""Checks `gru train` against PyTorch live, on fresh random cases beyond the committed fixtures.

    swift build -c release && python3 scripts/check_training_interop.py [--gru .build/release/gru] [--cases 12]

Each case draws a module (torch.nn.GRU under `gru.`, batch_first, 1-3 layers, uni- or
bidirectional; torch.nn.Linear under `head.`), a dataset (every-step or last-step targets) and
an optimizer (SGD with momentum / Nesterov / weight decay, Adam, AdamW with AMSGrad, RMSprop
centred or with momentum) with clipping by norm or by value, trains it with PyTorch's plain loop
(batches of B consecutive samples, mean MSE, clipping before each step) and with
`gru train --init ... --no-shuffle`, loads gru's OUT back into the PyTorch module with
load_state_dict (strict) and reports the largest weight difference, beside how far PyTorch's own
float32 run is from the same run in float64 (the rounding noise of the case: optimizers that
normalise the step, RMSprop above all, amplify it). Exits 1 if a case exceeds 1e-5 and ten times
that noise.

Needs: torch, safetensors, numpy. Never run by `swift test`.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors.torch import load_file, save_file


class Model(torch.nn.Module):
    def __init__(self, i, h, o, layers, bidirectional):
        super().__init__()
        self.gru = torch.nn.GRU(i, h, num_layers=layers, bidirectional=bidirectional, batch_first=True)
        self.head = torch.nn.Linear(h * (2 if bidirectional else 1), o)

    def forward(self, x, every_step):
        out, _ = self.gru(x)
        return self.head(out if every_step else out[:, -1, :])


def optimizer_case(rng):
    kind = rng.choice(["sgd", "adam", "adamw", "rmsprop"])
    lr = float(rng.choice([0.003, 0.01, 0.03]))
    args, torch_args = ["--optimizer", kind, "--lr", str(lr)], {"lr": lr}
    if kind == "sgd":
        m = float(rng.choice([0, 0.5, 0.9]))
        nesterov = bool(m > 0 and rng.random() < 0.5)
        wd = float(rng.choice([0, 0.01]))
        args += ["--momentum", str(m), "--weight-decay", str(wd)] + (["--nesterov"] if nesterov else [])
        return kind, args, lambda p: torch.optim.SGD(p, lr=lr, momentum=m, nesterov=nesterov, weight_decay=wd)
    if kind in ("adam", "adamw"):
        amsgrad = bool(rng.random() < 0.5)
        wd = float(rng.choice([0, 0.05]))
        args += ["--weight-decay", str(wd)] + (["--amsgrad"] if amsgrad else [])
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        return kind, args, lambda p: cls(p, lr=lr, weight_decay=wd, amsgrad=amsgrad)
    centered = bool(rng.random() < 0.5)
    m = float(rng.choice([0, 0.5]))
    args += ["--momentum", str(m)] + (["--centered"] if centered else [])
    return kind, args, lambda p: torch.optim.RMSprop(p, lr=lr, momentum=m, centered=centered)


def run_case(gru, folder, k, rng):
    i, h, o = int(rng.integers(1, 5)), int(rng.integers(2, 9)), int(rng.integers(1, 4))
    layers, bidirectional, every_step = int(rng.integers(1, 4)), bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    n, t, b, epochs = int(rng.integers(5, 20)), int(rng.integers(2, 9)), int(rng.integers(1, 7)), 2
    kind, args, make = optimizer_case(rng)
    clip = rng.choice(["none", "norm", "value"])
    if clip == "norm":
        args += ["--clip-norm", "0.3"]
    elif clip == "value":
        args += ["--clip-value", "0.05"]
    torch.manual_seed(k)
    model = Model(i, h, o, layers, bidirectional)
    x = torch.from_numpy(rng.normal(size=(n, t, i)).astype(np.float32))
    y = torch.from_numpy(rng.normal(size=(n, t, o) if every_step else (n, o)).astype(np.float32))
    init, data, out = (os.path.join(folder, f"{k}-{name}.safetensors") for name in ("init", "data", "out"))
    save_file({name: v.contiguous() for name, v in model.state_dict().items()}, init)
    save_file({"input": x, "target": y}, data)
    command = [gru, "train", "--init", init, "--data", data, "--loss", "mse", "--batch-size", str(b), "--epochs", str(epochs),
               "--no-shuffle", "--save", out, "--progress", "none"] + args
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    model64 = Model(i, h, o, layers, bidirectional).double()
    model64.load_state_dict({name: v.double() for name, v in model.state_dict().items()})

    def train(m, x, y):
        params = list(m.parameters())
        opt = make(params)
        for _ in range(epochs):
            for s in range(0, n, b):
                loss = torch.nn.functional.mse_loss(m(x[s:s + b], every_step), y[s:s + b])
                opt.zero_grad()
                loss.backward()
                if clip == "norm":
                    torch.nn.utils.clip_grad_norm_(params, 0.3)
                elif clip == "value":
                    torch.nn.utils.clip_grad_value_(params, 0.05)
                opt.step()

    train(model, x, y)
    train(model64, x.double(), y.double())
    trained = Model(i, h, o, layers, bidirectional)
    trained.load_state_dict(load_file(out), strict=True)  # OUT loads back into the PyTorch module

    def difference(a, b_):
        return max((p - q.to(p.dtype)).abs().max().item() for p, q in zip(a.state_dict().values(), b_.state_dict().values()))

    diff, noise = difference(trained, model), difference(model64, model)
    print(f"case {k}: {kind:7s} {' '.join(args[2:]):42s} L{layers} {'bi ' if bidirectional else 'uni'} "
          f"{'every-step' if every_step else 'last-step '} I{i} H{h} O{o} N{n} T{t} B{b}: "
          f"gru vs torch {diff:.1e}; torch float32 vs float64 {noise:.1e}")
    return diff, noise


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gru", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "gru"))
    parser.add_argument("--cases", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    a = parser.parse_args()
    rng = np.random.default_rng(a.seed)
    with tempfile.TemporaryDirectory() as folder:
        results = [run_case(a.gru, folder, k, rng) for k in range(a.cases)]
    # float32 rounding alone moves a run by `noise`; a case passes within 1e-5 or within 10x that.
    failed = [k for k, (d, noise) in enumerate(results) if d > max(1e-5, 10 * noise)]
    worst = max(d for d, _ in results)
    print(f"largest difference over {a.cases} cases: {worst:.2e}; "
          + (f"FAIL: cases {failed} exceed max(1e-5, 10 x float32 noise)" if failed else "PASS (1e-5, or 10x PyTorch's own float32 noise)"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
