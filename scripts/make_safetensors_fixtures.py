#!/usr/bin/env python3
"""Safetensors fixtures for GRUKit's reader and writer tests, written by the Python package.

    python3 scripts/make_safetensors_fixtures.py   # writes Tests/GRUKitTests/Fixtures/safetensors/

torch_dtypes.safetensors     safetensors.torch.save_file: one tensor per dtype GRUKit reads
                             (F32, F64, F16, BF16, I64, I32, I16, I8, U8) with edge values
                             (negative, signed zero, subnormal, largest, inf, NaN, large
                             integers), a scalar, empty tensors, a 3-D tensor, a BOOL tensor
                             (recognised, not convertible) and metadata.
numpy_unsigned.safetensors   safetensors.numpy.save_file: U16, U32, U64 and F16 from numpy.
python_writer.safetensors    only what GRUKit writes (F32, F64, I64), one metadata key: the
                             Swift test reads it and writes it back, expecting the same bytes.
expected.json                for each file: its metadata and, per tensor, the dtype, shape
                             and every element as Python computed it -- floats converted to
                             float64 and written with repr ("nan", "-0.0", "5e-324"), integers
                             with str -- so the Swift test checks against an independent source.

Needs: torch, numpy, safetensors. Never run by `swift test`. Deterministic: no randomness.
"""
import json
import os

import numpy as np
import torch
from safetensors import safe_open
from safetensors.numpy import save_file as save_numpy
from safetensors.torch import save_file as save_torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "GRUKitTests", "Fixtures", "safetensors")
INF, NAN = float("inf"), float("nan")


def torch_tensors():
    f32 = torch.tensor(
        [[-1.5, 0.0, -0.0, 2.0**-149], [2.0**-126, 3.4028234663852886e38, INF, -INF], [NAN, 0.1, -7.0, 1e-40]],
        dtype=torch.float32)
    f64 = torch.tensor(
        [[-2.5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308], [INF, -INF, NAN, 0.1], [-0.0, 1e300, -1e-300, 3.0]],
        dtype=torch.float64)
    # float16: zero, -zero, smallest subnormal 2^-24, largest subnormal, smallest normal 2^-14,
    # largest 65504, its negative, inf, -inf, NaN, 1/3 rounded, 0.1 rounded.
    f16 = torch.tensor(
        [0.0, -0.0, 2.0**-24, 2.0**-14 - 2.0**-24, 2.0**-14, 65504.0, -65504.0, INF, -INF, NAN, 1 / 3, 0.1],
        dtype=torch.float16).reshape(3, 4)
    # bfloat16: smallest subnormal 2^-133, smallest normal 2^-126, largest, inf, NaN, rounded values.
    bf16 = torch.tensor(
        [0.0, -0.0, 2.0**-133, 2.0**-126, 3.3895313892515355e38, -1.5, INF, -INF, NAN, 1 / 3, 0.1, -1e-3],
        dtype=torch.bfloat16).reshape(2, 6)
    i64 = torch.tensor([[0, -1, 2**63 - 1], [-(2**63), 123456789012345, 2**53 + 1]], dtype=torch.int64)
    i32 = torch.tensor([0, -1, 2**31 - 1, -(2**31), 16777217], dtype=torch.int32)
    return {
        "f32": f32,
        "f64": f64,
        "f16": f16,
        "bf16": bf16,
        "i64": i64,
        "i32": i32,
        "i16": torch.tensor([-32768, 32767, -2], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, 0, -1], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 7], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True], dtype=torch.bool),
        "scalar_f32": torch.tensor(3.25, dtype=torch.float32),
        "scalar_i64": torch.tensor(-42, dtype=torch.int64),
        "empty_f32": torch.zeros((0, 3), dtype=torch.float32),
        "empty_i64": torch.zeros((2, 0), dtype=torch.int64),
        "f32_3d": (torch.arange(24, dtype=torch.float32) / 7 - 1.5).reshape(2, 3, 4),
    }


def numpy_tensors():
    return {
        "u16": np.array([0, 65535, 1234], dtype=np.uint16),
        "u32": np.array([[0, 4294967295], [16777217, 5]], dtype=np.uint32),
        "u64": np.array([0, 2**63, 2**64 - 1], dtype=np.uint64),
        "f16_numpy": np.array([[-0.0, 2.0**-24], [np.inf, 1000.5]], dtype=np.float16),
    }


def writer_tensors():
    return {
        "weight": torch.tensor([[0.5, -1.25, 3.0], [1e-45, -0.0, 2.0**100]], dtype=torch.float32),
        "bias": torch.tensor([0.1, -0.2], dtype=torch.float64),
        "lengths": torch.tensor([3, 1, 2**40], dtype=torch.int64),
        "scalar": torch.tensor(-2.0, dtype=torch.float32),
        "empty": torch.zeros((0,), dtype=torch.float64),
        "a.b/c": torch.tensor([[7]], dtype=torch.int64),
    }


def describe(path):
    """The expectation for one file, read back through safetensors and converted by Python."""
    with safe_open(path, framework="pt") as f:
        metadata = f.metadata() or {}
        tensors = {}
        for name in f.keys():
            t = f.get_tensor(name)
            dtype = f.get_slice(name).get_dtype()
            if t.dtype.is_floating_point:
                values = [repr(v) for v in t.to(torch.float64).flatten().tolist()]
            else:
                values = [str(int(v)) for v in t.flatten().tolist()]
            tensors[name] = {"dtype": dtype, "shape": list(t.shape), "values": values}
    return {"metadata": metadata, "tensors": tensors}


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {
        "torch_dtypes.safetensors": lambda p: save_torch(
            torch_tensors(), p, metadata={"format": "pt", "note": "GRUKit fixture ✓ \"quoted\"\nsecond line"}),
        "numpy_unsigned.safetensors": lambda p: save_numpy(numpy_tensors(), p, metadata={"source": "numpy"}),
        "python_writer.safetensors": lambda p: save_torch(writer_tensors(), p, metadata={"producer": "python"}),
    }
    expected = {}
    for name, write in files.items():
        path = os.path.join(OUT, name)
        write(path)
        expected[name] = describe(path)
        print(f"wrote {path} ({os.path.getsize(path)} bytes)")
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {os.path.join(OUT, 'expected.json')}")


if __name__ == "__main__":
    main()
