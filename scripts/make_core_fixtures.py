#!/usr/bin/env python3
"""Reference fixtures for GRUKit's core tests, from PyTorch and ONNX's reference runtime.

    python3 scripts/make_core_fixtures.py        # writes Tests/GRUKitTests/Fixtures/*.json

pytorch_core.json: torch.nn.GRU + torch.nn.Linear + a loss (BCEWithLogits, CrossEntropy with
class indices or probabilities, MSE), head at every step or at the last, with and without
bias and h0, for several (T, N). Every weight, input and target is rounded to float32, then
PyTorch computes in float64: the forward (output, h_n, logits, loss) and every gradient
(each weight and bias, the input, h0). Swift compares its Float path (1e-5) and its Double
path (1e-9) against these numbers.

onnx_reset_before.json: the ONNX GRU operator run by onnx.reference (numpy), with
linear_before_reset=0 -- the reset-before variant PyTorch cannot express -- with and without
bias and initial_h. Cases with "z takes the new state" polarity are produced by negating the
z rows of W, R and B, which is that polarity's definition. Weights are stored in GRUKit's
canonical layout (gates r, z, n); the script converts them to ONNX's z, r, h itself.

Needs: torch, onnx, numpy. Never run by `swift test`.
"""
import json
import os

import numpy as np
import onnx
import torch
from onnx import helper, TensorProto
from onnx.reference import ReferenceEvaluator

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GRUKitTests", "Fixtures")
I, H, O = 3, 4, 2  # input size != hidden size on purpose


def f32(a):
    """Rounds to float32 and back, so Float and Double start from identical values."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def tensor_json(a, exact32=False):
    a = np.asarray(a, dtype=np.float64)
    if exact32:
        # the exact value of each float32, so Float and Double read the same number
        data = [float(np.float32(x)) for x in a.ravel()]
    else:
        data = [float("%.15g" % x) for x in a.ravel()]
    return {"shape": list(a.shape), "data": data}


def pytorch_case(rng, steps, batch, bias, with_h0, readout, loss, target_kind):
    gru = torch.nn.GRU(I, H, bias=bias).double()
    head = torch.nn.Linear(H, O).double()
    with torch.no_grad():
        for p in list(gru.parameters()) + list(head.parameters()):
            p.copy_(torch.from_numpy(f32(rng.uniform(-0.8, 0.8, size=tuple(p.shape)))))
    x = torch.from_numpy(f32(rng.normal(size=(steps, batch, I)))).requires_grad_()
    h0 = torch.from_numpy(f32(rng.uniform(-0.6, 0.6, size=(1, batch, H)))) if with_h0 else torch.zeros(1, batch, H, dtype=torch.float64)
    h0.requires_grad_()
    out, h_n = gru(x, h0 if with_h0 else None)
    if not with_h0:  # the gradient at the absent (zero) state comes from an explicit zero state
        out_z, _ = gru(x, h0)
        assert torch.equal(out, out_z)
    states = out if readout == "every-step" else out[-1]
    logits = head(states if with_h0 else (out_z if readout == "every-step" else out_z[-1]))
    rows = logits.reshape(-1, O)
    tensors = {}
    if loss == "bce":
        target = torch.from_numpy(rng.integers(0, 2, size=tuple(logits.shape)).astype(np.float64))
        value = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
        tensors["target"] = tensor_json(target, exact32=True)
    elif loss == "mse":
        target = torch.from_numpy(f32(rng.normal(size=tuple(logits.shape))))
        value = torch.nn.functional.mse_loss(logits, target)
        tensors["target"] = tensor_json(target, exact32=True)
    elif target_kind == "classes":
        classes = rng.integers(0, O, size=rows.shape[0])
        value = torch.nn.functional.cross_entropy(rows, torch.from_numpy(classes))
        target_classes = [int(c) for c in classes]
    else:
        p = rng.uniform(0.05, 1, size=tuple(logits.shape))
        p = f32(p / p.sum(axis=-1, keepdims=True))
        value = torch.nn.functional.cross_entropy(rows, torch.from_numpy(p).reshape(-1, O))
        tensors["target"] = tensor_json(p, exact32=True)
    params = list(gru.named_parameters()) + list(head.named_parameters())
    grads = torch.autograd.grad(value, [p for _, p in params] + [x, h0])

    for (name, p), g in zip(params, grads):
        name = ("head." if name in ("weight", "bias") else "gru.") + name  # PyTorch's names in a module
        tensors[name] = tensor_json(p.detach(), exact32=True)
        tensors["grad." + name] = tensor_json(g)
    tensors["input"] = tensor_json(x.detach(), exact32=True)
    if with_h0:
        tensors["h0"] = tensor_json(h0.detach()[0], exact32=True)
    tensors["grad.input"] = tensor_json(grads[-2])
    tensors["grad.h0"] = tensor_json(grads[-1][0])
    tensors["output"] = tensor_json(out.detach())
    tensors["h_n"] = tensor_json(h_n.detach()[0])
    tensors["logits"] = tensor_json(logits.detach())
    case = {
        "name": f"T{steps} N{batch} {'bias' if bias else 'no-bias'} {'h0' if with_h0 else 'no-h0'} {readout} {loss}"
                + (f" {target_kind}" if loss == "cross-entropy" else ""),
        "bias": bias, "readout": readout, "loss": loss, "reduction": "mean",
        "loss_value": float(value.detach()), "tensors": tensors,
    }
    if loss == "cross-entropy" and target_kind == "classes":
        case["target_classes"] = target_classes
    return case


def pytorch_fixtures():
    rng = np.random.default_rng(20261122)
    cases = []
    for bias in (True, False):
        for with_h0 in (True, False):
            for readout in ("every-step", "last-step"):
                for loss, kind in (("bce", "values"), ("cross-entropy", "classes"), ("cross-entropy", "probabilities"), ("mse", "values")):
                    cases.append(pytorch_case(rng, 5, 3, bias, with_h0, readout, loss, kind))
    for steps, batch in ((1, 1), (1, 3), (7, 1), (2, 3)):
        cases.append(pytorch_case(rng, steps, batch, True, True, "every-step", "cross-entropy", "classes"))
    # The bug a major runtime shipped: reset-after without bias at batch >= 3.
    cases.append(pytorch_case(rng, 6, 4, False, True, "every-step", "mse", "values"))
    return {"generator": "scripts/make_core_fixtures.py", "torch": torch.__version__,
            "convention": "pytorch (reset after the matmul, z keeps the old state)",
            "sizes": {"input": I, "hidden": H, "output": O}, "cases": cases}


def onnx_gru(x, W, R, B, h0, linear_before_reset):
    """Runs one ONNX GRU node with onnx.reference; W, R, B in ONNX layout (z, r, h)."""
    inputs = ["X", "W", "R", "B" if B is not None else "", "", "initial_h" if h0 is not None else ""]
    while inputs and inputs[-1] == "":
        inputs.pop()
    node = helper.make_node("GRU", inputs, ["Y", "Y_h"], hidden_size=H, linear_before_reset=linear_before_reset)
    feeds = {"X": x, "W": W, "R": R}
    if B is not None:
        feeds["B"] = B
    if h0 is not None:
        feeds["initial_h"] = h0
    graph_inputs = [helper.make_tensor_value_info(k, TensorProto.DOUBLE, list(v.shape)) for k, v in feeds.items()]
    graph = helper.make_graph([node], "gru", graph_inputs,
                              [helper.make_tensor_value_info("Y", TensorProto.DOUBLE, None),
                               helper.make_tensor_value_info("Y_h", TensorProto.DOUBLE, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    return ReferenceEvaluator(model).run(None, feeds)


def to_onnx_order(a):
    """Canonical r, z, n blocks along axis 0 -> ONNX z, r, h."""
    r, z, n = np.split(a, 3, axis=0)
    return np.concatenate([z, r, n], axis=0)


def onnx_fixtures():
    rng = np.random.default_rng(7)
    cases = []
    for update in ("keeps-old", "takes-new"):
        for bias in (True, False):
            for with_h0 in (True, False):
                for steps, batch in ((5, 3), (1, 1)):
                    w_ih = f32(rng.uniform(-0.8, 0.8, size=(3 * H, I)))
                    w_hh = f32(rng.uniform(-0.8, 0.8, size=(3 * H, H)))
                    b_ih = f32(rng.uniform(-0.8, 0.8, size=3 * H)) if bias else None
                    b_hh = f32(rng.uniform(-0.8, 0.8, size=3 * H)) if bias else None
                    x = f32(rng.normal(size=(steps, batch, I)))
                    h0 = f32(rng.uniform(-0.6, 0.6, size=(batch, H))) if with_h0 else None
                    sign = np.ones(3 * H)
                    if update == "takes-new":  # σ(−a) = 1 − σ(a): negate the z rows
                        sign[H:2 * H] = -1
                    W = to_onnx_order(w_ih * sign[:, None])[None]
                    R = to_onnx_order(w_hh * sign[:, None])[None]
                    B = np.concatenate([to_onnx_order(b_ih * sign), to_onnx_order(b_hh * sign)])[None] if bias else None
                    y, y_h = onnx_gru(x, W, R, B, None if h0 is None else h0[None], 0)
                    tensors = {"weight_ih": tensor_json(w_ih, True), "weight_hh": tensor_json(w_hh, True),
                               "input": tensor_json(x, True), "output": tensor_json(y[:, 0]), "h_n": tensor_json(y_h[0])}
                    if bias:
                        tensors["bias_ih"] = tensor_json(b_ih, True)
                        tensors["bias_hh"] = tensor_json(b_hh, True)
                    if with_h0:
                        tensors["h0"] = tensor_json(h0, True)
                    cases.append({"name": f"T{steps} N{batch} z {update} {'bias' if bias else 'no-bias'} {'h0' if with_h0 else 'no-h0'}",
                                  "update": update, "bias": bias, "tensors": tensors})
    return {"generator": "scripts/make_core_fixtures.py", "onnx": onnx.__version__,
            "convention": "reset before the matmul (linear_before_reset=0)",
            "sizes": {"input": I, "hidden": H}, "cases": cases}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in (("pytorch_core.json", pytorch_fixtures()), ("onnx_reset_before.json", onnx_fixtures())):
        path = os.path.join(OUT, name)
        with open(path, "w") as f:
            json.dump(data, f, separators=(",", ":"))
            f.write("\n")
        print(f"wrote {path}: {len(data['cases'])} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
