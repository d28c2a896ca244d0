"""PyTorch CPU peer for bench/run.ts: the same MPT config (d_model 256, 4 heads, 4 layers,
vocabulary 8192, ALiBi, no bias, exact GELU, tied embeddings) written directly in torch, and
  train    a full training step as the trainer runs it: forward, loss, backward, global-norm
           clipping at 1.0, a DecoupledLionW update (B x T tokens)
  forward  the forward pass without gradients (B x T tokens)
  decode   greedy decoding with a KV cache, batch 1, a 16-token prompt, --decode new tokens
on --threads threads (torch.set_num_threads). Prints one JSON line of tokens/s
{"train": ..., "forward": ..., "decode": ..., "cpu_train": ..., ...} (cpu_*: tokens per CPU second of
this process, every thread). Exits non-zero when torch is missing."""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

args = dict(a[2:].split("=") for a in sys.argv[1:] if a.startswith("--") and "=" in a)
B, T, RUNS = int(args.get("batch", 8)), int(args.get("seq", 256)), int(args.get("runs", 3))
THREADS, DECODE = int(args.get("threads", 1)), int(args.get("decode", 64))
D, H, L, V = 256, 4, 4, 8192
HD = D // H
torch.manual_seed(0)
torch.set_num_threads(THREADS)


def p(*shape, std=0.02):
    return (torch.randn(*shape) * std).requires_grad_()


params = {"wte": p(V, D)}
for i in range(L):
    params.update({f"{i}.n1": torch.ones(D, requires_grad=True), f"{i}.qkv": p(3 * D, D), f"{i}.out": p(D, D),
                   f"{i}.n2": torch.ones(D, requires_grad=True), f"{i}.up": p(4 * D, D), f"{i}.down": p(D, 4 * D)})
params["nf"] = torch.ones(D, requires_grad=True)
momenta = {k: torch.zeros_like(v) for k, v in params.items()}
slopes = torch.tensor([2 ** (-(h + 1) * 8 / H) for h in range(H)]).view(1, H, 1, 1)


def forward(ids, cache=None):
    b, t = ids.shape
    past = 0 if not cache else cache[0][0].shape[2]
    x = params["wte"][ids]
    for i in range(L):
        a = F.layer_norm(x, (D,), params[f"{i}.n1"])
        q, k, v = F.linear(a, params[f"{i}.qkv"]).split(D, dim=-1)
        q, k, v = (z.view(b, t, H, HD).transpose(1, 2) for z in (q, k, v))
        if cache is not None:
            if len(cache) > i:
                k = torch.cat([cache[i][0], k], 2)
                v = torch.cat([cache[i][1], v], 2)
                cache[i] = (k, v)
            else:
                cache.append((k, v))
        tk = k.shape[2]
        pos_q = torch.arange(past, past + t).view(1, 1, t, 1)
        pos_k = torch.arange(tk).view(1, 1, 1, tk)
        s = q @ k.transpose(-1, -2) / math.sqrt(HD) - slopes * (pos_q - pos_k).abs()
        s = s.masked_fill(pos_k > pos_q, torch.finfo(s.dtype).min)
        ctx = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, D)
        x = x + F.linear(ctx, params[f"{i}.out"])
        m = F.layer_norm(x, (D,), params[f"{i}.n2"])
        x = x + F.linear(F.gelu(F.linear(m, params[f"{i}.up"])), params[f"{i}.down"])
    return F.linear(F.layer_norm(x, (D,), params["nf"]), params["wte"])


ids = torch.tensor([[(b * 131 + t * 31) % V for t in range(T)] for b in range(B)])


def step(lr=1e-4, beta1=0.9, beta2=0.95):
    logits = forward(ids)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
    grads = torch.autograd.grad(loss, list(params.values()))
    norm = torch.sqrt(sum((g * g).sum() for g in grads))
    scale = min(1.0, 1.0 / (float(norm) + 1e-6))
    with torch.no_grad():
        for (name, w), g in zip(params.items(), grads):
            g = g * scale
            m = momenta[name]
            w.add_(torch.sign(m + (1 - beta1) * (g - m)), alpha=-lr)
            m.lerp_(g, 1 - beta2)
    return float(loss)


def fwd():
    with torch.no_grad():
        forward(ids)


def decode():
    with torch.no_grad():
        cache = []
        logits = forward(ids[:1, :16], cache)
        for _ in range(DECODE - 1):
            token = logits[:, -1].argmax(-1, keepdim=True)
            logits = forward(token, cache)


def median(fn):
    """Median wall and CPU (this process, every thread) seconds of RUNS calls after a warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return sorted(wall)[len(wall) // 2], sorted(cpu)[len(cpu) // 2]


figures = {}
for name, fn, tokens in (("train", step, B * T), ("forward", fwd, B * T), ("decode", decode, DECODE)):
    wall, cpu = median(fn)
    figures[name] = tokens / wall
    figures["cpu_" + name] = tokens / cpu
print(json.dumps(figures))
