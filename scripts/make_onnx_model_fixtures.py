#!/usr/bin/env python3
"""ONNX model files for GRUKit's ONNX reader, graph runner and `gru onnx run` / `gru onnx test`.

    python3 scripts/make_onnx_model_fixtures.py   # writes Tests/GRUKitTests/Fixtures/onnx/

Every case is a directory in ONNX's backend-test layout: model.onnx, and test_data_set_0/ with
input_<k>.pb and output_<k>.pb (TensorProtos named after the graph's inputs and outputs, in
their order). The outputs come from an independent source:

node/     ONNX's six GRU node tests, regenerated from the onnx package's generators
          (onnx.backend.test.case.node.collect_testcases("GRU")) and written as
          `onnx.backend.test.cmd_tools generate-data` writes them; outputs are ONNX's own.
runtime/  one GRU node run by ONNX Runtime, weights as initializers, for what the node tests
          leave out: linear_before_reset=1, initial_h, sequence_lens (with a zero length),
          clip, activations with alpha/beta, reverse; one model stores its initializers in the
          typed fields (float_data, int64_data) instead of raw_data.
pytorch/  GRU + Linear modules exported by torch.onnx.export with the TorchScript exporter
          (dynamo=False) and the dynamo exporter (dynamo=True), dynamic T and N, run by ONNX
          Runtime on a batch of another size than the export's (and checked against PyTorch
          to 1e-5); each also has inputs.safetensors and outputs.safetensors (ONNX Runtime's
          outputs) for `gru onnx run`.
reading/  for the reader alone: summary.json (what the onnx package reads from every model
          above: nodes, attributes, initializers, inputs, outputs), and external_data.onnx,
          whose initializer lives in external_data.bin.

Needs: torch, onnx, onnxruntime, onnxscript, safetensors, numpy. Never run by `swift test`.
"""
import json
import os
import shutil
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GRUKitTests", "Fixtures", "onnx")


def fresh(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)


def write_case(directory, model, inputs, outputs):
    """model.onnx and test_data_set_0 with the graph's inputs and outputs, in order."""
    fresh(directory)
    onnx.save_model(model, os.path.join(directory, "model.onnx"))
    data = os.path.join(directory, "test_data_set_0")
    os.makedirs(data)
    names_in = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    for k, (name, value) in enumerate(zip(names_in, inputs, strict=True)):
        with open(os.path.join(data, f"input_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(value), name).SerializeToString())
    for k, (out, value) in enumerate(zip(model.graph.output, outputs, strict=True)):
        with open(os.path.join(data, f"output_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(value), out.name).SerializeToString())


def node_tests():
    warnings.filterwarnings("ignore")
    from onnx.backend.test.case.node import collect_testcases
    names = []
    for case in collect_testcases("GRU"):
        (inputs, outputs), = case.data_sets
        write_case(os.path.join(OUT, "node", case.name), case.model, inputs, outputs)
        names.append(case.name)
    return sorted(names)


def ort_run(model, feeds):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def runtime_case(name, rng, T, N, I, H, direction="forward", lbr=0, bias=True, lens=None, h0=False, clip=None,
                 activations=None, alpha=None, beta=None, scale=0.7, typed=False):
    D = 2 if direction == "bidirectional" else 1
    weights = {"W": rng.uniform(-scale, scale, (D, 3 * H, I)).astype(np.float32),
               "R": rng.uniform(-scale, scale, (D, 3 * H, H)).astype(np.float32)}
    if bias:
        weights["B"] = rng.uniform(-scale, scale, (D, 6 * H)).astype(np.float32)
    feeds = {"X": rng.normal(size=(T, N, I)).astype(np.float32)}
    if lens is not None:
        feeds["sequence_lens"] = np.array(lens, dtype=np.int32)
    if h0:
        feeds["initial_h"] = rng.uniform(-0.6, 0.6, (D, N, H)).astype(np.float32)
    inputs = ["X", "W", "R", "B" if bias else "", "sequence_lens" if lens is not None else "", "initial_h" if h0 else ""]
    while inputs[-1] == "":
        inputs.pop()
    attrs = {"hidden_size": H, "direction": direction, "linear_before_reset": lbr}
    for key, value in (("clip", clip), ("activations", activations), ("activation_alpha", alpha), ("activation_beta", beta)):
        if value is not None:
            attrs[key] = value
    node = helper.make_node("GRU", inputs, ["Y", "Y_h"], name="gru", **attrs)
    dtype = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int32): TensorProto.INT32}
    initializers = [helper.make_tensor(k, TensorProto.FLOAT, v.shape, v.ravel().tolist(), raw=False) if typed
                    else numpy_helper.from_array(v, k) for k, v in weights.items()]
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info(k, dtype[v.dtype], list(v.shape)) for k, v in feeds.items()],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [T, D, N, H]),
         helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [D, N, H])], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8, producer_name="make_onnx_model_fixtures")
    onnx.checker.check_model(model, full_check=True)
    outputs = ort_run(model, feeds)
    write_case(os.path.join(OUT, "runtime", name), model, list(feeds.values()), outputs)
    return name


def runtime_cases():
    rng = np.random.default_rng(61)
    return [
        runtime_case("gru_lbr1_bias_initial_h", rng, 5, 3, 3, 4, lbr=1, h0=True),
        runtime_case("gru_lbr1_no_bias_batch4", rng, 6, 4, 3, 5, lbr=1, bias=False),
        runtime_case("gru_lbr1_typed_initializers", rng, 4, 2, 3, 4, lbr=1, h0=True, typed=True),
        runtime_case("gru_bidirectional_lbr1_sequence_lens_initial_h", rng, 5, 4, 3, 4, direction="bidirectional", lbr=1,
                     lens=[5, 0, 2, 4], h0=True),
        runtime_case("gru_reverse_lbr0_sequence_lens", rng, 5, 3, 2, 3, direction="reverse", lens=[2, 5, 3], h0=True),
        runtime_case("gru_clip_lbr1_bidirectional", rng, 5, 3, 3, 4, direction="bidirectional", lbr=1, clip=0.8, scale=1.5),
        runtime_case("gru_clip_lbr0", rng, 5, 3, 3, 4, clip=0.5, h0=True, scale=1.5),
        runtime_case("gru_activations_bidirectional_lbr1", rng, 4, 2, 3, 4, direction="bidirectional", lbr=1,
                     activations=["HardSigmoid", "LeakyRelu", "Sigmoid", "ScaledTanh"], alpha=[0.25, 0.05, 1.2], beta=[0.55, 0.8], h0=True),
        runtime_case("gru_activations_lbr0", rng, 4, 3, 3, 4, activations=["Softsign", "Elu"], alpha=[0.8], h0=True),
    ]


class GRUHead(torch.nn.Module):
    """`gru` + `head`, as a GRUKit model file names them; readout every step or the last."""

    def __init__(self, layers, bidirectional, batch_first, last, extras=False):
        super().__init__()
        self.gru = torch.nn.GRU(3, 5, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
        self.head = torch.nn.Linear(10 if bidirectional else 5, 4)
        self.last, self.batch_first, self.extras = last, batch_first, extras

    def forward(self, x, h0=None):
        y, h_n = self.gru(x, h0)
        if self.extras:
            logits = self.head(torch.relu(torch.tanh(y)))
            return torch.softmax(logits, dim=-1), torch.sigmoid(logits) * 2 - logits, h_n
        if self.last:
            y = y[:, -1] if self.batch_first else y[-1]
        return self.head(y), h_n


def pytorch_case(name, module, dynamo, batch, export_batch):
    """Export `module` on `export_batch`, run ONNX Runtime on `batch` (other T and N)."""
    torch.manual_seed(0)
    input_names = ["x", "h0"][: len(batch)]
    output_names = ["probs", "mixed", "h_n"] if module.extras else ["logits", "h_n"]
    path = os.path.join(OUT, "pytorch", name + ".tmp.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    time_axis, batch_axis = (1, 0) if module.batch_first else (0, 1)
    if dynamo:
        T, N = torch.export.Dim("T"), torch.export.Dim("N")
        shapes = ({time_axis: T, batch_axis: N},) + (({1: N},) if len(batch) > 1 else ())
        torch.onnx.export(module, export_batch, path, dynamo=True, input_names=input_names, output_names=output_names,
                          dynamic_shapes=shapes, verbose=False)
    else:
        axes = {"x": {time_axis: "T", batch_axis: "N"}, "h0": {1: "N"}}
        torch.onnx.export(module, export_batch, path, dynamo=False, input_names=input_names, output_names=output_names,
                          dynamic_axes={k: v for k, v in axes.items() if k in input_names})
    model = onnx.load(path)
    os.remove(path)
    onnx.checker.check_model(model, full_check=True)
    feeds = {n: t.numpy() for n, t in zip(input_names, batch)}
    outputs = ort_run(model, feeds)
    with torch.no_grad():
        expected = module(*batch)
    for o, e in zip(outputs, expected):
        assert np.abs(o - e.numpy()).max() < 1e-5, name
    directory = os.path.join(OUT, "pytorch", name)
    write_case(directory, model, list(feeds.values()), outputs)
    save_file(feeds, os.path.join(directory, "inputs.safetensors"))
    save_file(dict(zip(output_names, outputs)), os.path.join(directory, "outputs.safetensors"))
    return name, sorted({n.op_type for n in model.graph.node})


def pytorch_cases():
    torch.manual_seed(5)
    every = GRUHead(2, True, False, False).eval()
    last = GRUHead(2, True, True, True).eval()
    extras = GRUHead(1, False, False, False, extras=True).eval()
    x_tm, h0 = torch.randn(7, 2, 3), torch.randn(4, 2, 5) * 0.5
    x_bf = torch.randn(2, 7, 3)
    small_tm, small_h0, small_bf = torch.randn(5, 3, 3), torch.randn(4, 3, 5), torch.randn(3, 5, 3)
    cases = []
    for dynamo in (False, True):
        tag = "dynamo" if dynamo else "torchscript"
        cases.append(pytorch_case(f"{tag}_gru2_bidirectional_every_step_h0", every, dynamo, (x_tm, h0), (small_tm, small_h0)))
        cases.append(pytorch_case(f"{tag}_gru2_bidirectional_batch_first_last_step", last, dynamo, (x_bf,), (small_bf,)))
        cases.append(pytorch_case(f"{tag}_gru1_softmax_sigmoid", extras, dynamo, (x_tm,), (small_tm,)))
    return cases


def summarize(path):
    """What the onnx package reads from a model, for the reader's tests."""
    model = onnx.load(path)

    def attribute(a):
        v = helper.get_attribute_value(a)
        if isinstance(v, TensorProto):
            return {"tensor": {"dims": list(v.dims), "data_type": v.data_type, "values": numpy_helper.to_array(v).ravel().tolist()}}
        if isinstance(v, bytes):
            return {"string": v.decode()}
        if isinstance(v, list):
            return {"strings": [x.decode() for x in v]} if v and isinstance(v[0], bytes) else \
                {"floats": [float(x) for x in v]} if a.type == onnx.AttributeProto.FLOATS else {"ints": [int(x) for x in v]}
        return {"float": float(v)} if isinstance(v, float) else {"int": int(v)}

    def value_info(v):
        t = v.type.tensor_type
        return {"name": v.name, "elem_type": t.elem_type,
                "shape": [d.dim_param if d.HasField("dim_param") else d.dim_value for d in t.shape.dim]}

    return {
        "ir_version": model.ir_version, "producer_name": model.producer_name,
        "opset_import": [{"domain": o.domain, "version": o.version} for o in model.opset_import],
        "graph_name": model.graph.name,
        "nodes": [{"op_type": n.op_type, "name": n.name, "inputs": list(n.input), "outputs": list(n.output),
                   "attributes": {a.name: attribute(a) for a in n.attribute}} for n in model.graph.node],
        "initializers": [{"name": t.name, "dims": list(t.dims), "data_type": t.data_type,
                          "values": numpy_helper.to_array(t).ravel().tolist()} for t in model.graph.initializer],
        "inputs": [value_info(v) for v in model.graph.input],
        "outputs": [value_info(v) for v in model.graph.output],
    }


def reading_fixtures(dirs):
    fresh(os.path.join(OUT, "reading"))
    summary = {d: summarize(os.path.join(OUT, d, "model.onnx")) for d in dirs}
    with open(os.path.join(OUT, "reading", "summary.json"), "w") as f:
        json.dump(summary, f, indent=None, separators=(",", ":"))
        f.write("\n")
    # A model whose initializer W is stored in a file beside it.
    model = onnx.load(os.path.join(OUT, "runtime", "gru_lbr1_bias_initial_h", "model.onnx"))
    onnx.save_model(model, os.path.join(OUT, "reading", "external_data.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="external_data.bin", size_threshold=0)


def main():
    fresh(OUT)
    node = node_tests()
    runtime = runtime_cases()
    pytorch = pytorch_cases()
    reading_fixtures([f"node/{n}" for n in node] + [f"runtime/{n}" for n in runtime] + [f"pytorch/{n}" for n, _ in pytorch])
    print("node tests:", node)
    print("runtime cases:", runtime)
    for name, ops in pytorch:
        print(f"pytorch {name}: {' '.join(ops)}")


if __name__ == "__main__":
    main()
