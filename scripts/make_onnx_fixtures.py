#!/usr/bin/env python3
"""Reference fixtures for the ONNX GRU operator's semantics in GRUKit's engine.

    python3 scripts/make_onnx_fixtures.py     # writes Tests/GRUKitTests/Fixtures/onnx_gru.json

Two sources:
- ONNX's own six GRU node tests (test_gru_defaults, _with_initial_bias, _seq_length,
  _batchwise, _reverse, _bidirectional), regenerated from the onnx package's generators
  (onnx.backend.test.case.node.collect_testcases("GRU")), with their tolerances;
- ONNX Runtime (float32, CPU) on random weights, for what those tests leave out:
  linear_before_reset=1, initial_h, sequence_lens, clip, every activation with alpha/beta,
  reverse and bidirectional with lengths, layout 1 with lengths, reset-after without bias at
  batch >= 3.

Each case holds the node's attributes, its inputs (X, W, R, optional B, sequence_lens,
initial_h, all in ONNX's layouts and gate order z, r, h) and the outputs Y and Y_h.
Needs: onnx, onnxruntime, numpy. Never run by `swift test`.
"""
import json
import os
import warnings

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GRUKitTests", "Fixtures", "onnx_gru.json")


def t(a):
    a = np.asarray(a)
    if a.dtype.kind in "iu":
        return {"shape": list(a.shape), "data": [float(x) for x in a.ravel()]}
    return {"shape": list(a.shape), "data": [float(np.float32(x)) for x in a.ravel()]}


def attributes_of(node):
    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, list):
            v = [x.decode() if isinstance(x, bytes) else float(x) for x in v]
        elif isinstance(v, float):
            v = float(np.float32(v))
        out[a.name] = v
    return out


def node_tests():
    warnings.filterwarnings("ignore")
    from onnx.backend.test.case.node import collect_testcases
    cases = []
    for c in collect_testcases("GRU"):
        node = c.model.graph.node[0]
        (inputs, outputs), = c.data_sets
        names_in = [n for n in node.input if n]
        names_out = [o.name for o in c.model.graph.output]
        cases.append({
            "name": c.name, "source": "onnx node test", "rtol": c.rtol, "atol": c.atol,
            "attributes": attributes_of(node),
            "inputs": {n: t(v) for n, v in zip(names_in, inputs)},
            "outputs": {n: t(v) for n, v in zip(names_out, outputs)},
        })
    return cases


def ort_case(name, rng, T, N, I, H, direction="forward", lbr=0, bias=True, lens=None, h0=False, clip=None,
             activations=None, alpha=None, beta=None, layout=0, scale=0.7):
    """One GRU node run by ONNX Runtime. ORT rejects layout=1, so a layout-1 case is run as the
    layout-0 problem with X and initial_h transposed, and Y and Y_h transposed back: the
    spec defines layout 1 as exactly that arrangement."""
    if layout == 1:
        case = ort_case(name, rng, T, N, I, H, direction, lbr, bias, lens, h0, clip, activations, alpha, beta, 0, scale)
        def swap(tj, axes):
            a = np.array(tj["data"], dtype=np.float64).reshape(tj["shape"]).transpose(axes)
            return {"shape": list(a.shape), "data": [float(x) for x in a.ravel()]}
        case["attributes"]["layout"] = 1
        case["inputs"]["X"] = swap(case["inputs"]["X"], (1, 0, 2))
        if "initial_h" in case["inputs"]:
            case["inputs"]["initial_h"] = swap(case["inputs"]["initial_h"], (1, 0, 2))
        case["outputs"]["Y"] = swap(case["outputs"]["Y"], (2, 0, 1, 3))
        case["outputs"]["Y_h"] = swap(case["outputs"]["Y_h"], (1, 0, 2))
        case["source"] += " (layout 0, transposed)"
        return case
    D = 2 if direction == "bidirectional" else 1
    W = rng.uniform(-scale, scale, (D, 3 * H, I)).astype(np.float32)
    R = rng.uniform(-scale, scale, (D, 3 * H, H)).astype(np.float32)
    feeds = {"W": W, "R": R}
    inputs = ["X", "W", "R", "", "", ""]
    X = rng.normal(size=(T, N, I) if layout == 0 else (N, T, I)).astype(np.float32)
    feeds["X"] = X
    if bias:
        feeds["B"] = rng.uniform(-scale, scale, (D, 6 * H)).astype(np.float32)
        inputs[3] = "B"
    if lens is not None:
        feeds["sequence_lens"] = np.array(lens, dtype=np.int32)
        inputs[4] = "sequence_lens"
    if h0:
        feeds["initial_h"] = rng.uniform(-0.6, 0.6, (D, N, H) if layout == 0 else (N, D, H)).astype(np.float32)
        inputs[5] = "initial_h"
    while inputs[-1] == "":
        inputs.pop()
    attrs = {"hidden_size": H, "direction": direction, "linear_before_reset": lbr, "layout": layout}
    if clip is not None:
        attrs["clip"] = clip
    if activations is not None:
        attrs["activations"] = activations
    if alpha is not None:
        attrs["activation_alpha"] = alpha
    if beta is not None:
        attrs["activation_beta"] = beta
    node = helper.make_node("GRU", inputs, ["Y", "Y_h"], **attrs)
    dtype = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int32): TensorProto.INT32}
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info(k, dtype[v.dtype], list(v.shape)) for k, v in feeds.items()],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None] * 4), helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [None] * 3)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)], ir_version=10)
    onnx.checker.check_model(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    y, y_h = session.run(None, feeds)
    return {"name": name, "source": "onnxruntime " + ort.__version__, "rtol": 1e-5, "atol": 1e-5,
            "attributes": attributes_of(node), "inputs": {k: t(v) for k, v in feeds.items()},
            "outputs": {"Y": t(y), "Y_h": t(y_h)}}


def runtime_cases():
    rng = np.random.default_rng(31)
    cases = [
        ort_case("lbr1 bias initial_h", rng, 5, 3, 3, 4, lbr=1, h0=True),
        ort_case("lbr1 no bias batch 4 (reset-after without bias, batch >= 3)", rng, 6, 4, 3, 5, lbr=1, bias=False),
        ort_case("lbr0 initial_h", rng, 4, 2, 3, 4, h0=True),
        ort_case("lbr0 sequence_lens", rng, 6, 3, 3, 4, lens=[6, 2, 4], h0=True),
        ort_case("lbr1 sequence_lens", rng, 6, 3, 3, 4, lbr=1, lens=[3, 6, 1]),
        ort_case("reverse lbr0 sequence_lens", rng, 5, 3, 2, 3, direction="reverse", lens=[2, 5, 3], h0=True),
        ort_case("reverse lbr1 sequence_lens", rng, 5, 3, 2, 3, direction="reverse", lbr=1, lens=[5, 1, 4]),
        ort_case("bidirectional lbr0 sequence_lens initial_h", rng, 5, 4, 3, 4, direction="bidirectional", lens=[5, 3, 1, 4], h0=True),
        ort_case("bidirectional lbr1 sequence_lens initial_h", rng, 5, 3, 3, 4, direction="bidirectional", lbr=1, lens=[2, 5, 4], h0=True),
        ort_case("layout 1 bidirectional lbr1 sequence_lens initial_h", rng, 4, 3, 3, 2, direction="bidirectional", lbr=1,
                 lens=[4, 2, 3], h0=True, layout=1),
        ort_case("layout 1 lbr0", rng, 3, 2, 3, 4, layout=1, h0=True),
        ort_case("bidirectional sequence_lens with a zero length", rng, 4, 3, 2, 3, direction="bidirectional", lbr=1,
                 lens=[0, 4, 2], h0=True),
        ort_case("clip 0.5 lbr0", rng, 5, 3, 3, 4, clip=0.5, h0=True, scale=1.5),
        ort_case("clip 0.8 lbr1 bidirectional", rng, 5, 3, 3, 4, clip=0.8, lbr=1, direction="bidirectional", scale=1.5),
    ]
    one = {"Relu": [], "LeakyRelu": [0.15], "ThresholdedRelu": [0.25], "HardSigmoid": [0.3, 0.45],
           "ScaledTanh": [1.4, 0.6], "Affine": [0.7, 0.2], "Elu": [0.8], "Softsign": [], "Softplus": [],
           "Sigmoid": [], "Tanh": []}
    takes_beta = {"HardSigmoid", "ScaledTanh", "Affine"}
    for name, params in one.items():
        alpha = params[:1] or None
        beta = params[1:2] if name in takes_beta else None
        for role, acts in (("f", [name, "Tanh"]), ("g", ["Sigmoid", name])):
            for lbr in (0, 1):
                cases.append(ort_case(f"activation {name} as {role} lbr{lbr}", rng, 4, 3, 3, 4, lbr=lbr, h0=True,
                                      activations=acts, alpha=alpha, beta=beta))
    # Alphas and betas consumed across directions: f, g forward; f, g reverse.
    cases.append(ort_case("activations bidirectional alpha/beta order", rng, 4, 2, 3, 4, direction="bidirectional", lbr=1,
                          activations=["HardSigmoid", "LeakyRelu", "Sigmoid", "ScaledTanh"],
                          alpha=[0.25, 0.05, 1.2], beta=[0.55, 0.8], h0=True))
    cases.append(ort_case("activations defaults when alpha/beta are absent", rng, 4, 2, 3, 4,
                          activations=["HardSigmoid", "Elu"], h0=True))
    return cases


def main():
    cases = node_tests() + runtime_cases()
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/make_onnx_fixtures.py", "onnx": onnx.__version__,
                   "onnxruntime": ort.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
