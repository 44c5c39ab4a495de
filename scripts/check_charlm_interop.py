#!/usr/bin/env python3
"""A GRUKit character model file loads into PyTorch and generates the same text.

    python3 scripts/check_charlm_interop.py [MODEL.safetensors]

Without an argument it trains a small model first (`gru train --text` on the committed
fortunes-min text, two epochs). Then it reads the file with safetensors, builds the PyTorch
module it describes from the `grukit.model` metadata (nn.Embedding or one-hot, nn.GRU with
batch_first, nn.Linear), loads the tensors with load_state_dict(strict=True), decodes greedily
in float64 from a prompt, and compares that text with `gru generate --temperature 0`.
Needs: torch, safetensors, a Swift toolchain. Exits non-zero on a mismatch.
"""
import json
import os
import subprocess
import sys
import tempfile

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
GRU_BIN = os.path.join(ROOT, ".build", "release", "gru")


class CharModel(torch.nn.Module):
    def __init__(self, V, E, H, L):
        super().__init__()
        self.V = V
        if E is not None:
            self.embedding = torch.nn.Embedding(V, E)
        self.gru = torch.nn.GRU(E if E is not None else V, H, L, batch_first=True)
        self.head = torch.nn.Linear(H, V)

    def step(self, c, h):
        x = torch.tensor([[c]])
        inputs = self.embedding(x) if hasattr(self, "embedding") else F.one_hot(x, self.V).double()
        out, h = self.gru(inputs, h)
        return self.head(out[0, -1]), h


def main():
    subprocess.run(["swift", "build", "-c", "release", "--product", "gru"], cwd=ROOT, check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = sys.argv[1] if len(sys.argv) > 1 else None
        if path is None:
            subprocess.run([GRU_BIN, "train", "--text", os.path.join(ROOT, "examples", "char-lm", "fortunes-min.txt"),
                            "--save", os.path.join(tmp, "model.safetensors"), "--epochs", "2", "--hidden-size", "48", "--layers", "2",
                            "--lr", "0.002", "--progress", "none"],
                           check=True, capture_output=True)
            path = os.path.join(tmp, "model.safetensors")
        with safe_open(path, "pt") as f:
            meta = json.loads(f.metadata()["grukit.model"])
        assert meta["kind"] == "character-language-model", meta.get("kind")
        assert meta["convention"] == {"reset": "after", "update": "keeps-old"}, "PyTorch computes only reset-after, keeps-old"
        tensors = load_file(path)
        vocab = meta["vocabulary"]
        V = len(vocab)
        E = tensors["embedding.weight"].shape[1] if meta["input"] == "embedding" else None
        H = tensors["gru.weight_hh_l0"].shape[1]
        L = sum(1 for k in tensors if k.startswith("gru.weight_ih_l"))
        model = CharModel(V, E, H, L).double()
        model.load_state_dict({k: v.double() for k, v in tensors.items()}, strict=True)
        print(f"{os.path.basename(path)}: V {V}, {'E ' + str(E) if E else 'one-hot'}, H {H}, L {L}: load_state_dict(strict=True) ok")

        prompt, length = "The ", 300
        index = {c: i for i, c in enumerate(vocab)}
        h, logits, text = None, None, []
        with torch.no_grad():
            for ch in prompt:
                logits, h = model.step(index[ch], h)
            for _ in range(length):
                c = int(torch.argmax(logits))  # the first maximum, as GRUKit breaks ties
                text.append(vocab[c])
                logits, h = model.step(c, h)
        torch_text = prompt + "".join(text)
        swift = subprocess.run([GRU_BIN, "generate", "--model", path, "--prompt", prompt, "--length", str(length), "--temperature", "0"],
                               check=True, capture_output=True, text=True).stdout[:-1]  # print's newline
        same = next((i for i, (a, b) in enumerate(zip(torch_text, swift)) if a != b), None)
        if swift == torch_text:
            print(f"ok   greedy text of {length} characters identical in PyTorch (float64) and gru generate (float32)")
            return 0
        print(f"FAIL greedy texts differ from character {same}:\n--- torch\n{torch_text}\n--- gru\n{swift}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
