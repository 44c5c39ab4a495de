#!/usr/bin/env python3
"""Checks `gru export --onnx` with the onnx checker and ONNX Runtime, for every convention.

    swift build && python3 scripts/check_onnx_export.py [--gru .build/debug/gru] [--write-fixtures]

For each of 4 conventions (reset after/before x z keeps-old/takes-new) x layers {1, 2} x
{forward, bidirectional} x readout {every-step, last-step} (32 models; batch-first, biases and
the optional inputs h0 and lengths vary across them), it writes a GRUKit model file with
random weights, exports it with `gru export`, and checks that:
- onnx.checker.check_model(full_check=True) accepts the file;
- ONNX Runtime runs it on two batches of different T and N (the axes are dynamic), and its
  logits and h_n equal, within 1e-5, an independent float64 numpy implementation of the GRU
  equations of GRU-CONVENTIONS.md (and, for the PyTorch convention, torch.nn.GRU + Linear
  loading the same file, on packed sequences when there are lengths; a last-step head reads each
  sequence's last valid step).

With --write-fixtures it also writes Tests/GRUKitTests/Fixtures/onnx/export/<case>/: the model
file, the exported .onnx, the inputs and ONNX Runtime's outputs, so `swift test` proves, without
Python, that what GRUKit exports today is that file and that GRUKit computes ONNX Runtime's
outputs. Needs: onnx, onnxruntime, torch, safetensors, numpy. Never run by `swift test`.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
import torch
from safetensors.numpy import load_file, save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURES = os.path.join(ROOT, "Tests", "GRUKitTests", "Fixtures", "onnx", "export")
CONVENTIONS = [("after", "keeps-old"), ("before", "keeps-old"), ("before", "takes-new"), ("after", "takes-new")]
I, H, O = 3, 4, 2


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def reference(tensors, meta, layers, directions, x, h0, lengths):
    """The GRU stack and head in float64, straight from the equations (canonical r, z, n)."""
    reset, update = meta["convention"]["reset"], meta["convention"]["update"]
    if meta["batch_first"]:
        x = x.transpose(1, 0, 2)
    T, N, _ = x.shape
    lengths = np.full(N, T) if lengths is None else lengths
    h0 = np.zeros((layers * directions, N, H)) if h0 is None else h0.astype(np.float64)
    layer_in, finals = x.astype(np.float64), []
    for k in range(layers):
        outs = []
        for d in range(directions):
            sfx = f"l{k}" + ("_reverse" if d == 1 else "")
            w_ih, w_hh = tensors[f"gru.weight_ih_{sfx}"].astype(np.float64), tensors[f"gru.weight_hh_{sfx}"].astype(np.float64)
            b_ih = tensors.get(f"gru.bias_ih_{sfx}", np.zeros(3 * H)).astype(np.float64)
            b_hh = tensors.get(f"gru.bias_hh_{sfx}", np.zeros(3 * H)).astype(np.float64)
            out, final = np.zeros((T, N, H)), np.zeros((N, H))
            for n in range(N):
                h = h0[k * directions + d, n].copy()
                steps = range(lengths[n])
                for t in (reversed(steps) if d == 1 else steps):
                    gi, gh = w_ih @ layer_in[t, n] + b_ih, w_hh @ h + b_hh
                    r, z = sigmoid(gi[:H] + gh[:H]), sigmoid(gi[H:2 * H] + gh[H:2 * H])
                    if reset == "after":
                        cand = np.tanh(gi[2 * H:] + r * gh[2 * H:])
                    else:
                        cand = np.tanh(gi[2 * H:] + w_hh[2 * H:] @ (r * h) + b_hh[2 * H:])
                    h = (1 - z) * cand + z * h if update == "keeps-old" else (1 - z) * h + z * cand
                    out[t, n] = h
                final[n] = h
            outs.append(out)
            finals.append(final)
        layer_in = np.concatenate(outs, axis=-1)
    # A last-step head reads each sequence's last valid step (step T - 1 without lengths).
    states = layer_in[lengths - 1, np.arange(N)] if meta["readout"] == "last-step" else layer_in
    logits = states @ tensors["head.weight"].astype(np.float64).T + tensors.get("head.bias", np.zeros(O))
    if meta["batch_first"] and meta["readout"] == "every-step":
        logits = logits.transpose(1, 0, 2)
    return logits, np.stack(finals)


def torch_reference(path, meta, layers, directions, x, h0, lengths):
    """torch.nn.GRU + Linear on the same file (PyTorch convention only); with lengths, a packed
    sequence, and a last-step head reads out[lengths - 1, arange(N)]."""
    class Model(torch.nn.Module):
        def __init__(self, bias):
            super().__init__()
            self.gru = torch.nn.GRU(I, H, num_layers=layers, bidirectional=directions == 2, batch_first=meta["batch_first"], bias=bias)
            self.head = torch.nn.Linear(directions * H, O)
    from safetensors.torch import load_file as load_torch
    state = {k: v for k, v in load_torch(path).items() if k.startswith(("gru.", "head."))}
    model = Model(bias="gru.bias_ih_l0" in state)
    model.load_state_dict(state)
    bf = meta["batch_first"]
    with torch.no_grad():
        inputs, state = torch.from_numpy(x), None if h0 is None else torch.from_numpy(h0)
        if lengths is None:
            y, h_n = model.gru(inputs, state)
        else:
            packed = torch.nn.utils.rnn.pack_padded_sequence(inputs, torch.from_numpy(lengths), batch_first=bf, enforce_sorted=False)
            y, h_n = model.gru(packed, state)
            y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=bf, total_length=x.shape[1 if bf else 0])
        if meta["readout"] == "last-step":
            last = torch.from_numpy(lengths - 1) if lengths is not None else torch.full((y.shape[0 if bf else 1],), y.shape[1 if bf else 0] - 1)
            y = y[torch.arange(len(last)), last] if bf else y[last, torch.arange(len(last))]
        return model.head(y).numpy(), h_n.numpy()


def cases():
    i = 0
    for reset, update in CONVENTIONS:
        for layers in (1, 2):
            for directions in (1, 2):
                for readout in ("every-step", "last-step"):
                    yield {"index": i, "reset": reset, "update": update, "layers": layers, "directions": directions,
                           "readout": readout, "batch_first": (i ^ (i >> 1)) & 1 == 1, "bias": i % 7 != 3,
                           "initial_state": (i ^ (i >> 2)) & 1 == 0, "lengths": ((i >> 1) ^ (i >> 3)) & 1 == 1}
                    i += 1


def name_of(c):
    return (f"{c['reset']}_{c['update']}_l{c['layers']}_{'bi' if c['directions'] == 2 else 'uni'}_{c['readout']}"
            + ("_batch_first" if c["batch_first"] else "") + ("" if c["bias"] else "_no_bias"))


def batch(c, rng, T, N):
    x = rng.normal(size=(N, T, I) if c["batch_first"] else (T, N, I)).astype(np.float32)
    feeds = {"input": x}
    if c["initial_state"]:
        feeds["h0"] = rng.uniform(-0.8, 0.8, (c["layers"] * c["directions"], N, H)).astype(np.float32)
    if c["lengths"]:
        feeds["lengths"] = np.array(([max(1, T - 3), T, max(1, T - 1)] * N)[:N], dtype=np.int64)
    return feeds


def check(c, gru, folder, rng):
    name = name_of(c)
    tensors = {}
    for k in range(c["layers"]):
        for d in range(c["directions"]):
            sfx = f"l{k}" + ("_reverse" if d == 1 else "")
            width = I if k == 0 else c["directions"] * H
            tensors[f"gru.weight_ih_{sfx}"] = rng.uniform(-0.6, 0.6, (3 * H, width)).astype(np.float32)
            tensors[f"gru.weight_hh_{sfx}"] = rng.uniform(-0.6, 0.6, (3 * H, H)).astype(np.float32)
            if c["bias"]:
                tensors[f"gru.bias_ih_{sfx}"] = rng.uniform(-0.6, 0.6, 3 * H).astype(np.float32)
                tensors[f"gru.bias_hh_{sfx}"] = rng.uniform(-0.6, 0.6, 3 * H).astype(np.float32)
    tensors["head.weight"] = rng.uniform(-0.5, 0.5, (O, c["directions"] * H)).astype(np.float32)
    tensors["head.bias"] = rng.uniform(-0.5, 0.5, O).astype(np.float32)
    tensors["optimizer.state.0"] = np.zeros(3, dtype=np.float32)  # a checkpoint's extra tensor: ignored
    meta = {"convention": {"reset": c["reset"], "update": c["update"]}, "readout": c["readout"], "batch_first": c["batch_first"]}
    model_path, onnx_path = os.path.join(folder, "model.safetensors"), os.path.join(folder, "exported.onnx")
    save_file(tensors, model_path, metadata={"grukit.model": json.dumps(meta), "format": "pt"})
    command = [gru, "export", "--onnx", onnx_path, "--model", model_path]
    command += ["--initial-state"] if c["initial_state"] else []
    command += ["--lengths"] if c["lengths"] else []
    subprocess.run(command, check=True, capture_output=True)
    model = onnx.load(onnx_path)
    onnx.checker.check_model(model, full_check=True)
    gru_nodes = [n for n in model.graph.node if n.op_type == "GRU"]
    lbr = {a.name: a.i for a in gru_nodes[0].attribute}["linear_before_reset"]
    assert len(gru_nodes) == c["layers"] and lbr == (1 if c["reset"] == "after" else 0), name
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    worst = 0.0
    for T, N in ((5, 3), (2, 1)):
        feeds = batch(c, rng, T, N)
        logits, h_n = session.run(["logits", "h_n"], feeds)
        ref_logits, ref_h_n = reference(tensors, meta, c["layers"], c["directions"], feeds["input"], feeds.get("h0"), feeds.get("lengths"))
        worst = max(worst, np.abs(logits - ref_logits).max(), np.abs(h_n - ref_h_n).max())
        if (c["reset"], c["update"]) == ("after", "keeps-old"):
            t_logits, t_h_n = torch_reference(model_path, meta, c["layers"], c["directions"], feeds["input"], feeds.get("h0"), feeds.get("lengths"))
            worst = max(worst, np.abs(logits - t_logits).max(), np.abs(h_n - t_h_n).max())
        if (T, N) == (5, 3):
            fixture = (feeds, {"logits": logits, "h_n": h_n})
    assert worst < 1e-5, f"{name}: max |difference| {worst}"
    return name, worst, fixture


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gru", default=os.path.join(ROOT, ".build", "debug", "gru"))
    parser.add_argument("--write-fixtures", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(2024)
    if args.write_fixtures and os.path.exists(FIXTURES):
        shutil.rmtree(FIXTURES)
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for c in cases():
            folder = os.path.join(FIXTURES, name_of(c)) if args.write_fixtures else os.path.join(tmp, name_of(c))
            os.makedirs(folder, exist_ok=True)
            name, difference, (feeds, outputs) = check(c, args.gru, folder, rng)
            worst = max(worst, difference)
            if args.write_fixtures:
                save_file(feeds, os.path.join(folder, "inputs.safetensors"))
                save_file(outputs, os.path.join(folder, "ort_outputs.safetensors"))
            print(f"ok  {name}: checker passed, ONNX Runtime = reference within {difference:.1e}")
    print(f"all {len(list(cases()))} exports pass (onnx {onnx.__version__}, onnxruntime {ort.__version__}); max |difference| {worst:.1e}")


if __name__ == "__main__":
    sys.exit(main())
