#!/usr/bin/python3
# Python peer of bench_reward: LM-likelihood reward scoring (mean response-token log-prob) with a
# plain-torch Llama forward (RMSNorm, RoPE, GQA, SwiGLU, tied head) and random weights of the
# same config. Not laser code and never a runtime dependency; run with /usr/bin/python3.
import argparse, json, math, time
import torch
import torch.nn.functional as F


def rms(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rot_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class Llama:
    def __init__(self, c, seed):
        g = torch.Generator().manual_seed(seed)
        n = lambda *s: torch.randn(*s, generator=g) * 0.02
        d, f, h, kv = c["hidden"], c["inter"], c["heads"], c["kv_heads"]
        self.c, self.hd = c, d // h
        self.emb = n(c["vocab"], d)
        self.layers = []
        for _ in range(c["layers"]):
            self.layers.append(dict(q=n(h * self.hd, d), k=n(kv * self.hd, d), v=n(kv * self.hd, d), o=n(d, h * self.hd),
                                    gate=n(f, d), up=n(f, d), down=n(d, f), ln1=torch.ones(d), ln2=torch.ones(d)))
        self.norm = torch.ones(d)
        self.inv = 1.0 / (c["theta"] ** (torch.arange(0, self.hd, 2).float() / self.hd))

    def forward(self, ids, mask):  # ids (B,T), mask (B,T) -> logits (B,T,V)
        c, hd = self.c, self.hd
        B, T = ids.shape
        h, kv = c["heads"], c["kv_heads"]
        pos = (mask.cumsum(1) - 1).clamp(min=0).float()
        fr = pos[..., None] * self.inv[None, None, :]
        emb = torch.cat((fr, fr), -1)[:, None]
        cos, sin = emb.cos(), emb.sin()
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
        allowed = (causal[None, None] & mask.bool()[:, None, None, :]) | torch.eye(T, dtype=torch.bool)[None, None]
        bias = torch.zeros(B, 1, T, T).masked_fill(~allowed, float("-inf"))
        x = self.emb[ids]
        for L in self.layers:
            y = rms(x, L["ln1"], c["eps"])
            q = (y @ L["q"].t()).view(B, T, h, hd).transpose(1, 2)
            k = (y @ L["k"].t()).view(B, T, kv, hd).transpose(1, 2)
            v = (y @ L["v"].t()).view(B, T, kv, hd).transpose(1, 2)
            q, k = q * cos + rot_half(q) * sin, k * cos + rot_half(k) * sin
            k, v = k.repeat_interleave(h // kv, 1), v.repeat_interleave(h // kv, 1)
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + bias, -1) @ v
            x = x + a.transpose(1, 2).reshape(B, T, h * hd) @ L["o"].t()
            y = rms(x, L["ln2"], c["eps"])
            x = x + (F.silu(y @ L["gate"].t()) * (y @ L["up"].t())) @ L["down"].t()
        return rms(x, self.norm, c["eps"]) @ self.emb.t()


def score(m, prompts, responses, bs):
    out = []
    with torch.no_grad():
        for s in range(0, len(prompts), bs):
            P, R = prompts[s:s + bs], responses[s:s + bs]
            T = max(len(p) + len(r) for p, r in zip(P, R))
            ids = torch.zeros(len(P), T, dtype=torch.long)
            mask = torch.zeros(len(P), T, dtype=torch.long)
            for b, (p, r) in enumerate(zip(P, R)):
                seq = p + r
                ids[b, T - len(seq):] = torch.tensor(seq)
                mask[b, T - len(seq):] = 1
            lp = torch.log_softmax(m.forward(ids, mask)[:, :-1], -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
            for b, r in enumerate(R):
                out.append(lp[b, T - 1 - len(r):].mean().item())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=64)
    ap.add_argument("--prompt-len", type=int, default=64)
    ap.add_argument("--resp-len", type=int, default=150)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    c = dict(vocab=32000, hidden=384, inter=1024, layers=6, heads=6, kv_heads=2, eps=1e-5, theta=10000.0)
    m = Llama(c, 0)
    g = torch.Generator().manual_seed(1)
    prompts = [torch.randint(0, c["vocab"], (a.prompt_len,), generator=g).tolist() for _ in range(a.items)]
    responses = [torch.randint(0, c["vocab"], (a.resp_len,), generator=g).tolist() for _ in range(a.items)]
    score(m, prompts[:a.batch], responses[:a.batch], a.batch)  # warm-up
    t = time.perf_counter()
    for _ in range(a.reps):
        s = score(m, prompts, responses, a.batch)
    dt = time.perf_counter() - t
    print(json.dumps({"items_per_s": a.items * a.reps / dt, "seconds": dt, "mean_score": sum(s) / len(s), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
