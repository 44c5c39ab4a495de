#!/usr/bin/env python3
"""Reference fixtures for GRUKit's character language model, from PyTorch.

    python3 scripts/make_charlm_fixtures.py    # writes Tests/GRUKitTests/Fixtures/pytorch_charlm.json

Each case is the module below with random weights (rounded to float32, then computed in
float64): torch.nn.Embedding(V, E) -- or F.one_hot(x, V) for one-hot input --,
torch.nn.GRU(E or V, H, L, batch_first=True), torch.nn.Linear(H, V), and F.cross_entropy over
every step's logits against class-index targets (the mean over N*T). It records every weight,
the (N, T) input and target classes, the logits, the loss and the gradient of every weight.
Swift compares its Float path (1e-5) and its Double path (1e-12) tensor by tensor.

Needs: torch, numpy. Never run by `swift test`.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GRUKitTests", "Fixtures", "pytorch_charlm.json")


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def tensor_json(a, exact32=False):
    a = np.asarray(a, dtype=np.float64)
    data = [float(np.float32(x)) for x in a.ravel()] if exact32 else [float("%.17g" % x) for x in a.ravel()]
    return {"shape": list(a.shape), "data": data}


class CharModel(torch.nn.Module):
    def __init__(self, V, E, H, L):
        super().__init__()
        self.V = V
        if E is not None:
            self.embedding = torch.nn.Embedding(V, E)
        self.gru = torch.nn.GRU(E if E is not None else V, H, L, batch_first=True)
        self.head = torch.nn.Linear(H, V)

    def forward(self, x):
        inputs = self.embedding(x) if hasattr(self, "embedding") else F.one_hot(x, self.V).double()
        out, _ = self.gru(inputs)
        return self.head(out)


def case(rng, V, E, H, L, N, T):
    model = CharModel(V, E, H, L).double()
    with torch.no_grad():
        for name, p in model.named_parameters():
            scale = 1.0 if name.startswith("embedding") else 0.7
            p.copy_(torch.from_numpy(f32(rng.uniform(-scale, scale, size=tuple(p.shape)))))
    x = rng.integers(0, V, size=(N, T))
    y = rng.integers(0, V, size=(N, T))
    x[0, :2] = x[0, 0]  # a repeated character, so embedding rows accumulate
    logits = model(torch.from_numpy(x))
    loss = F.cross_entropy(logits.reshape(-1, V), torch.from_numpy(y).reshape(-1))
    params = list(model.named_parameters())
    grads = torch.autograd.grad(loss, [p for _, p in params])
    tensors = {"logits": tensor_json(logits.detach())}
    for (name, p), g in zip(params, grads):
        tensors[name] = tensor_json(p.detach(), exact32=True)
        tensors["grad." + name] = tensor_json(g)
    return {
        "name": f"V{V} {'E' + str(E) if E is not None else 'one-hot'} H{H} L{L} N{N} T{T}",
        "vocabulary_size": V, "embedding_size": E, "hidden_size": H, "layers": L, "batch": N, "steps": T,
        "inputs": [int(c) for c in x.ravel()], "targets": [int(c) for c in y.ravel()],
        "loss": float(loss.detach()), "tensors": tensors,
    }


def main():
    rng = np.random.default_rng(20261205)
    cases = [
        case(rng, 7, 3, 5, 1, 2, 6),    # E != H != V
        case(rng, 6, 4, 3, 2, 3, 4),    # two layers
        case(rng, 5, None, 4, 1, 2, 5),  # one-hot input
        case(rng, 9, 2, 6, 3, 1, 7),    # three layers, one window
        case(rng, 4, 5, 3, 1, 4, 1),    # one step
    ]
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/make_charlm_fixtures.py", "torch": torch.__version__, "cases": cases}, f)
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
