#!/usr/bin/env python3
"""PyTorch reference fixtures for GRUKit's training code.

    python3 scripts/make_training_fixtures.py

writes two files under Tests/GRUKitTests/Fixtures/:

pytorch_optimizers.safetensors
    optimizer cases: torch.optim.{SGD, Adam, AdamW, RMSprop} with every option, run for six
    steps on two tensors shaped as a Linear(4 -> 3) layer's weight (3, 4) and bias (3), with
    given gradients (p.grad set by hand) and the learning rate changed before step four, as a
    scheduler would. Stored per case k under "opt<k>/": the initial tensors, each step's
    gradients "grad<s>.<name>", the tensors after each step "after<s>.<name>" and the final
    optimizer state "state.<buffer>.<name>". In float64 from float32-representable inputs.
    clipping cases "clip<k>/": clip_grad_norm_ (norm above and below the limit) and
    clip_grad_value_, the tensors before and after and the total norm.
    orthogonal initialisation "orth<k>/": a Gaussian matrix and the Q that
    torch.nn.init.orthogonal_ makes of it (QR, Q's columns times the signs of R's diagonal).
    The metadata entry "cases" lists the optimizer settings, "clipping" the clipping cases and
    "schedules" the learning rate of each of 12 epochs under torch.optim.lr_scheduler classes.

pytorch_training.safetensors
    the interop contract of `gru train`: a module with `gru` (torch.nn.GRU, batch_first) and
    `head` (torch.nn.Linear), trained by the plain loop: batches of B consecutive samples in
    order, mean-reduced MSE, clip_grad_norm_ over all parameters before each step, E epochs.
    Per case k under "case<k>/": the initial state_dict "init.gru.*", "init.head.*", the data
    "input" (N, T, I) and "target" ((N, T, O): the head reads every step; (N, O): it reads
    out[:, -1, :]), the trained state_dict "final.*" and the per-batch losses "losses", all in
    float32 as PyTorch trains by default. Metadata "cases" lists the settings.

Needs: torch, safetensors, numpy. Never run by `swift test`.
"""
import json
import os

import numpy as np
import torch
from safetensors.numpy import save_file

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "Tests", "GRUKitTests", "Fixtures")


def f32(rng_array):
    """float32-representable values, as float64."""
    return torch.from_numpy(np.asarray(rng_array, dtype=np.float32).astype(np.float64))


def contiguous(tensors):
    return {k: np.ascontiguousarray(v.detach().numpy()) for k, v in tensors.items()}


# ---------------------------------------------------------------- optimizers

OPTIMIZER_CASES = [
    dict(kind="sgd", lr=0.1),
    dict(kind="sgd", lr=0.1, weight_decay=0.05),
    dict(kind="sgd", lr=0.05, momentum=0.9),
    dict(kind="sgd", lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01),
    dict(kind="sgd", lr=0.05, momentum=0.9, nesterov=True),
    dict(kind="sgd", lr=0.05, momentum=0.7, nesterov=True, weight_decay=0.02),
    dict(kind="adam", lr=0.01),
    dict(kind="adam", lr=0.02, weight_decay=0.1),
    dict(kind="adam", lr=0.01, amsgrad=True),
    dict(kind="adam", lr=0.01, beta1=0.3, beta2=0.9, eps=1e-3),
    dict(kind="adamw", lr=0.01),
    dict(kind="adamw", lr=0.02, weight_decay=0.2, amsgrad=True),
    dict(kind="adamw", lr=0.01, weight_decay=0.0),
    dict(kind="rmsprop", lr=0.01),
    dict(kind="rmsprop", lr=0.01, alpha=0.9, eps=1e-4, weight_decay=0.05),
    dict(kind="rmsprop", lr=0.01, centered=True),
    dict(kind="rmsprop", lr=0.005, momentum=0.9),
    dict(kind="rmsprop", lr=0.005, momentum=0.5, centered=True, weight_decay=0.01),
]
STEPS, LR_CHANGE_STEP, LR_FACTOR = 6, 3, 0.5


def make_optimizer(params, c):
    if c["kind"] == "sgd":
        return torch.optim.SGD(params, lr=c["lr"], momentum=c.get("momentum", 0), dampening=c.get("dampening", 0),
                               nesterov=c.get("nesterov", False), weight_decay=c.get("weight_decay", 0))
    if c["kind"] in ("adam", "adamw"):
        cls = torch.optim.Adam if c["kind"] == "adam" else torch.optim.AdamW
        wd = c.get("weight_decay", 0 if c["kind"] == "adam" else 0.01)
        return cls(params, lr=c["lr"], betas=(c.get("beta1", 0.9), c.get("beta2", 0.999)), eps=c.get("eps", 1e-8),
                   weight_decay=wd, amsgrad=c.get("amsgrad", False))
    return torch.optim.RMSprop(params, lr=c["lr"], alpha=c.get("alpha", 0.99), eps=c.get("eps", 1e-8),
                               weight_decay=c.get("weight_decay", 0), momentum=c.get("momentum", 0),
                               centered=c.get("centered", False))


def optimizer_case(rng, k, c):
    weight = f32(rng.uniform(-1, 1, size=(3, 4))).requires_grad_()
    bias = f32(rng.uniform(-1, 1, size=(3,))).requires_grad_()
    out = {"weight": weight.detach().clone(), "bias": bias.detach().clone()}
    opt = make_optimizer([weight, bias], c)
    for s in range(STEPS):
        if s == LR_CHANGE_STEP:
            for group in opt.param_groups:
                group["lr"] = c["lr"] * LR_FACTOR
        # Gradients of mixed scale, one element exactly zero, as real gradients have.
        gw = f32(rng.normal(size=(3, 4)) * (10.0 ** rng.integers(-3, 1)))
        gb = f32(rng.normal(size=(3,)))
        gw[0, 0] = 0
        weight.grad, bias.grad = gw.clone(), gb.clone()
        opt.step()
        out[f"grad{s}.weight"], out[f"grad{s}.bias"] = gw, gb
        out[f"after{s}.weight"], out[f"after{s}.bias"] = weight.detach().clone(), bias.detach().clone()
    for name, p in (("weight", weight), ("bias", bias)):
        for buffer, value in opt.state[p].items():
            if buffer != "step":
                out[f"state.{buffer}.{name}"] = value.detach().clone()
    return {f"opt{k}/{name}": t for name, t in out.items()}


CLIP_CASES = [
    dict(kind="norm", limit=1.0, scale=3.0),
    dict(kind="norm", limit=10.0, scale=0.5),
    dict(kind="norm", limit=0.25, scale=1.0),
    dict(kind="value", limit=0.3, scale=1.0),
]


def clip_case(rng, k, c):
    tensors = [f32(rng.normal(size=(3, 4)) * c["scale"]), f32(rng.normal(size=(3,)) * c["scale"])]
    params = [torch.zeros_like(t, requires_grad=True) for t in tensors]
    for p, t in zip(params, tensors):
        p.grad = t.clone()
    out = {"in.weight": tensors[0], "in.bias": tensors[1]}
    if c["kind"] == "norm":
        total = torch.nn.utils.clip_grad_norm_(params, c["limit"])
        out["total_norm"] = total.reshape(1)
    else:
        torch.nn.utils.clip_grad_value_(params, c["limit"])
    out["out.weight"], out["out.bias"] = params[0].grad, params[1].grad
    return {f"clip{k}/{name}": t for name, t in out.items()}


def orthogonal_case(rng, k, n):
    a = f32(rng.normal(size=(n, n)))
    q, r = torch.linalg.qr(a)
    q = q * torch.diag(r).sign()  # what torch.nn.init.orthogonal_ does for a square matrix
    assert torch.allclose(q @ q.T, torch.eye(n, dtype=torch.float64), atol=1e-12)
    return {f"orth{k}/gaussian": a, f"orth{k}/q": q}


def schedule_lrs(make, epochs=12, base=0.1):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base)
    scheduler = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        p.grad = torch.zeros(1)
        opt.step()
        scheduler.step()
    return lrs


def schedules():
    S = torch.optim.lr_scheduler
    cases = [
        (dict(kind="step", every=3, gamma=0.5), lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
        (dict(kind="step", every=1, gamma=0.9), lambda o: S.StepLR(o, step_size=1, gamma=0.9)),
        (dict(kind="cosine", epochs=5, minimum=0.001), lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.001)),
        (dict(kind="cosine", epochs=12, minimum=0.0), lambda o: S.CosineAnnealingLR(o, T_max=12)),
        (dict(kind="warmup", epochs=3, start_factor=0.1, then=dict(kind="constant")),
         lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=3)),
        (dict(kind="warmup", epochs=2, start_factor=0.25, then=dict(kind="cosine", epochs=6, minimum=0.01)),
         lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.25, total_iters=2),
                                      S.CosineAnnealingLR(o, T_max=6, eta_min=0.01)], milestones=[2])),
        (dict(kind="warmup", epochs=4, start_factor=0.5, then=dict(kind="step", every=2, gamma=0.1)),
         lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.5, total_iters=4),
                                      S.StepLR(o, step_size=2, gamma=0.1)], milestones=[4])),
    ]
    return [dict(schedule=c, base=0.1, lrs=schedule_lrs(make)) for c, make in cases]


def write_optimizer_fixtures():
    rng = np.random.default_rng(515)
    tensors, cases = {}, []
    for k, c in enumerate(OPTIMIZER_CASES):
        tensors.update(optimizer_case(rng, k, c))
        cases.append(dict(c, key=f"opt{k}", steps=STEPS, lr_change_step=LR_CHANGE_STEP, lr_factor=LR_FACTOR))
    clips = []
    for k, c in enumerate(CLIP_CASES):
        tensors.update(clip_case(rng, k, c))
        clips.append(dict(c, key=f"clip{k}"))
    orthogonal = []
    for k, n in enumerate((1, 2, 5, 8)):
        tensors.update(orthogonal_case(rng, k, n))
        orthogonal.append(dict(key=f"orth{k}", n=n))
    path = os.path.join(FIXTURES, "pytorch_optimizers.safetensors")
    save_file(contiguous(tensors), path, metadata={
        "cases": json.dumps(cases), "clipping": json.dumps(clips), "orthogonal": json.dumps(orthogonal),
        "schedules": json.dumps(schedules()), "torch": torch.__version__,
        "generator": "scripts/make_training_fixtures.py"})
    print(f"wrote {path}: {len(cases)} optimizer cases, {len(clips)} clipping cases, {os.path.getsize(path)} bytes")


# ---------------------------------------------------------------- the training loop

class Model(torch.nn.Module):
    def __init__(self, i, h, o, layers, bidirectional):
        super().__init__()
        self.gru = torch.nn.GRU(i, h, num_layers=layers, bidirectional=bidirectional, batch_first=True)
        self.head = torch.nn.Linear(h * (2 if bidirectional else 1), o)

    def forward(self, x, every_step):
        out, _ = self.gru(x)
        return self.head(out if every_step else out[:, -1, :])


def train(model, x, y, c, every_step):
    params = list(model.parameters())
    opt = make_optimizer(params, c)
    losses, clipped = [], 0
    n, b = x.shape[0], c["batch_size"]
    for _ in range(c["epochs"]):
        for start in range(0, n, b):
            loss = torch.nn.functional.mse_loss(model(x[start:start + b], every_step), y[start:start + b])
            opt.zero_grad()
            loss.backward()
            if c.get("clip_norm") is not None:
                total = torch.nn.utils.clip_grad_norm_(params, c["clip_norm"])
                clipped += int(total > c["clip_norm"])
            opt.step()
            losses.append(loss.item())
    return losses, clipped


TRAINING_OPTIMIZERS = [
    dict(kind="sgd", lr=0.1),
    dict(kind="sgd", lr=0.05, momentum=0.9, clip_norm=0.5),
    dict(kind="adam", lr=0.01),
    dict(kind="adamw", lr=0.01, weight_decay=0.1),
]


def write_training_fixtures():
    I, H, O, N, T = 3, 5, 2, 10, 6
    rng = np.random.default_rng(2027)
    tensors, cases = {}, []
    k = 0
    worst32 = 0.0
    for opt in TRAINING_OPTIMIZERS:
        for layers in (1, 2):
            for bidirectional in (False, True):
                every_step = (k % 2 == 0)
                c = dict(opt, layers=layers, bidirectional=bidirectional, every_step=every_step,
                         batch_size=4, epochs=3, key=f"case{k}")
                torch.manual_seed(100 + k)
                model = Model(I, H, O, layers, bidirectional)
                init = {name: t.detach().clone() for name, t in model.state_dict().items()}
                x = torch.from_numpy(rng.normal(size=(N, T, I)).astype(np.float32))
                y = torch.from_numpy(rng.normal(size=(N, T, O) if every_step else (N, O)).astype(np.float32))
                losses, clipped = train(model, x, y, c, every_step)
                if c.get("clip_norm") is not None:
                    assert clipped > 0, "the clipping case must clip"
                    c["steps_clipped"] = clipped
                # The same loop in float64 from the same start: how far float32 rounding alone goes.
                model64 = Model(I, H, O, layers, bidirectional).double()
                model64.load_state_dict({name: t.double() for name, t in init.items()})
                train(model64, x.double(), y.double(), c, every_step)
                for name, t in model.state_dict().items():
                    worst32 = max(worst32, (t.double() - model64.state_dict()[name]).abs().max().item())
                p = f"case{k}/"
                tensors.update({p + "init." + name: t for name, t in init.items()})
                tensors.update({p + "final." + name: t.detach().clone() for name, t in model.state_dict().items()})
                tensors.update({p + "input": x, p + "target": y, p + "losses": torch.tensor(losses, dtype=torch.float32)})
                cases.append(c)
                k += 1
    path = os.path.join(FIXTURES, "pytorch_training.safetensors")
    save_file(contiguous(tensors), path, metadata={
        "cases": json.dumps(cases), "torch": torch.__version__,
        "sizes": json.dumps({"input": I, "hidden": H, "output": O, "samples": N, "steps": T}),
        "generator": "scripts/make_training_fixtures.py"})
    print(f"wrote {path}: {k} cases, {os.path.getsize(path)} bytes; "
          f"float32 vs float64 PyTorch, largest weight difference {worst32:.2e}")


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    write_optimizer_fixtures()
    write_training_fixtures()
