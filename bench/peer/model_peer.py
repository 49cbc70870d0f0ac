#!/usr/bin/python3
# Python peer of bench/bench_model.cpp: a plain-torch Llama (RMSNorm, RoPE, grouped-query attention
# with repeat_kv, SwiGLU, tied embeddings, KV cache grown with torch.cat as HF's DynamicCache does)
# with random weights and the same config, timed on the same prefill and generation work.
# Not a reference implementation for correctness; run with /usr/bin/python3 (Debian python3-torch).
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(x.dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h, self.kv, self.d = c["heads"], c["kv_heads"], c["hidden"] // c["heads"]
        self.q_proj = nn.Linear(c["hidden"], self.h * self.d, bias=False)
        self.k_proj = nn.Linear(c["hidden"], self.kv * self.d, bias=False)
        self.v_proj = nn.Linear(c["hidden"], self.kv * self.d, bias=False)
        self.o_proj = nn.Linear(self.h * self.d, c["hidden"], bias=False)

    def forward(self, x, cos, sin, mask, cache, layer):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.h, self.d).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.kv, self.d).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.kv, self.d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            if layer < len(cache):
                k = torch.cat([cache[layer][0], k], dim=2)
                v = torch.cat([cache[layer][1], v], dim=2)
                cache[layer] = (k, v)
            else:
                cache.append((k, v))
        rep = self.h // self.kv
        if rep > 1:  # HF repeat_kv
            S = k.shape[2]
            k = k[:, :, None].expand(B, self.kv, rep, S, self.d).reshape(B, self.h, S, self.d)
            v = v[:, :, None].expand(B, self.kv, rep, S, self.d).reshape(B, self.h, S, self.d)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d)
        if mask is not None:
            scores = scores + mask
        p = torch.softmax(scores.float(), dim=-1).to(q.dtype)
        out = torch.matmul(p, v).transpose(1, 2).reshape(B, T, self.h * self.d)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c["hidden"], c["inter"], bias=False)
        self.up_proj = nn.Linear(c["hidden"], c["inter"], bias=False)
        self.down_proj = nn.Linear(c["inter"], c["hidden"], bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c["hidden"], c["eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden"], c["eps"])

    def forward(self, x, cos, sin, mask, cache, i):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache, i)
        return h + self.mlp(self.post_attention_layernorm(h))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab"], c["hidden"])
        self.layers = nn.ModuleList([Layer(c) for _ in range(c["layers"])])
        self.norm = RMSNorm(c["hidden"], c["eps"])
        d = c["hidden"] // c["heads"]
        self.inv_freq = 1.0 / (c["theta"] ** (torch.arange(0, d, 2).float() / d))
        for n, p in self.named_parameters():
            if "norm" not in n:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, cache, past):
        """ids (B,T) -> last-position logits (B,V); appends to cache."""
        B, T = ids.shape
        pos = torch.arange(past, past + T, dtype=torch.float32)
        freqs = pos[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = None
        if T > 1:
            mask = torch.full((T, past + T), float("-inf")).triu(past + 1)[None, None]
        x = self.embed_tokens(ids)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, mask, cache, i)
        h = self.norm(x[:, -1])
        return (h @ self.embed_tokens.weight.t()).float()


def generate(model, prompts, new_tokens, temperature, gen):
    """prompts (B,L) -> sampled ids (B,new_tokens) and their log-probs."""
    cache = []
    logits = model(prompts, cache, 0)
    past = prompts.shape[1]
    out, lps = [], []
    for step in range(new_tokens):
        probs = torch.softmax(logits / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=gen)
        lps.append(torch.log_softmax(logits, -1).gather(1, nxt))
        out.append(nxt)
        if step + 1 == new_tokens:
            break
        logits = model(nxt, cache, past)
        past += 1
    return torch.cat(out, 1), torch.cat(lps, 1)


def best_of(fn, reps, clock):
    fn()  # warm-up
    best = float("inf")
    for _ in range(reps):
        t = clock()
        fn()
        best = min(best, clock() - t)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="JSON: vocab hidden inter layers heads kv_heads eps theta")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--prefill", default="1x128,32x32", help="BxL list")
    ap.add_argument("--gen", default="1x16x64,32x16x64", help="BxLxN list")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cpu-time", action="store_true", help="process CPU seconds instead of wall seconds")
    a = ap.parse_args()
    clock = time.process_time if a.cpu_time else time.perf_counter
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Llama(json.loads(a.config)).eval()
    res = {"torch": torch.__version__, "threads": torch.get_num_threads(),
           "params": sum(p.numel() for p in model.parameters()), "prefill": {}, "gen": {}}
    g = torch.Generator().manual_seed(0)
    V = model.c["vocab"]
    with torch.inference_mode():
        for spec in filter(None, a.prefill.split(",")):
            B, L = map(int, spec.split("x"))
            ids = torch.randint(0, V, (B, L), generator=g)
            s = best_of(lambda: model(ids, [], 0), a.reps, clock)
            res["prefill"][spec] = B * L / s
        for spec in filter(None, a.gen.split(",")):
            B, L, N = map(int, spec.split("x"))
            ids = torch.randint(0, V, (B, L), generator=g)
            s = best_of(lambda: generate(model, ids, N, 1.0, g), a.reps, clock)
            res["gen"][spec] = B * N / s
    print(json.dumps(res))


if __name__ == "__main__":
    main()
