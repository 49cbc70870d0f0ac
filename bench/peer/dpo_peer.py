# Python peer for bench_dpo: one DPO(+NLL) training step with python3-torch, computed the way TRL's
# DPOTrainer does it (chosen and rejected concatenated into one padded batch, logits at every
# position, labels masked to the response, reference forward with the LoRA adapters disabled).
# Not part of laser; never a runtime dependency. Same Llama architecture and shapes as laser's model.
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {  # mirrors laser::model::preset_config
    "tiny": dict(d=64, ff=176, L=2, H=4, KV=2),
    "20m": dict(d=384, ff=1024, L=6, H=6, KV=2),
    "100m": dict(d=768, ff=2048, L=12, H=12, KV=4),
}

class LoraLinear(nn.Module):
    def __init__(self, i, o, r=0, alpha=32.0, dropout=0.1):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(o, i) * 0.02)
        self.r = r
        self.enabled = True
        if r:
            self.lora_A = nn.Parameter(torch.empty(r, i).uniform_(-1 / math.sqrt(i), 1 / math.sqrt(i)))
            self.lora_B = nn.Parameter(torch.zeros(o, r))
            self.scaling = alpha / r
            self.drop = nn.Dropout(dropout)
    def forward(self, x):
        y = F.linear(x, self.weight)
        if self.r and self.enabled:
            y = y + F.linear(F.linear(self.drop(x), self.lora_A), self.lora_B) * self.scaling
        return y

class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__(); self.weight = nn.Parameter(torch.ones(d)); self.eps = eps
    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)

class Layer(nn.Module):
    def __init__(self, c, r):
        super().__init__()
        d, H, KV = c["d"], c["H"], c["KV"]; D = d // H
        self.H, self.KV, self.D = H, KV, D
        self.q_proj = LoraLinear(d, H * D, r); self.k_proj = LoraLinear(d, KV * D)
        self.v_proj = LoraLinear(d, KV * D, r); self.o_proj = LoraLinear(H * D, d)
        self.gate_proj = LoraLinear(d, c["ff"]); self.up_proj = LoraLinear(d, c["ff"]); self.down_proj = LoraLinear(c["ff"], d)
        self.n1 = RMSNorm(d); self.n2 = RMSNorm(d)
    def forward(self, x, cos, sin, allowed):
        B, T, _ = x.shape
        h = self.n1(x)
        q = self.q_proj(h).view(B, T, self.H, self.D).transpose(1, 2)
        k = self.k_proj(h).view(B, T, self.KV, self.D).transpose(1, 2)
        v = self.v_proj(h).view(B, T, self.KV, self.D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin; k = k * cos + rotate_half(k) * sin
        rep = self.H // self.KV
        k = k.repeat_interleave(rep, 1); v = v.repeat_interleave(rep, 1)
        s = (q @ k.transpose(-2, -1)) / math.sqrt(self.D)
        s = s.masked_fill(~allowed, -1e30)
        o = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(B, T, -1)
        x = x + self.o_proj(o)
        h = self.n2(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))

class Model(nn.Module):
    def __init__(self, c, V, r):
        super().__init__()
        self.embed = nn.Embedding(V, c["d"]); nn.init.normal_(self.embed.weight, std=0.02)
        self.layers = nn.ModuleList([Layer(c, r) for _ in range(c["L"])])
        self.norm = RMSNorm(c["d"]); D = c["d"] // c["H"]
        self.inv = 1.0 / (10000.0 ** (torch.arange(0, D, 2).double() / D)).float()
    def set_lora(self, on):
        for m in self.modules():
            if isinstance(m, LoraLinear): m.enabled = on
    def forward(self, ids, mask):
        B, T = ids.shape
        pos = (mask.cumsum(1) - 1).clamp_min(0).float()
        f = pos[..., None] * self.inv[None, None]
        emb = torch.cat([f, f], -1)[:, None]
        cos, sin = emb.cos(), emb.sin()
        ar = torch.arange(T)
        allowed = ((ar[None, :] <= ar[:, None])[None, None] & mask.bool()[:, None, None, :]) | (ar[None, :] == ar[:, None])[None, None]
        x = self.embed(ids)
        for l in self.layers: x = l(x, cos, sin, allowed)
        return F.linear(self.norm(x), self.embed.weight)  # tied head, every position

def concatenated_batch(pairs):
    # TRL: rows = [prompt+chosen for each pair] + [prompt+rejected for each pair], right-padded,
    # labels = -100 on the prompt and padding.
    seqs, labels = [], []
    for key in ("chosen", "rejected"):
        for p in pairs:
            s = p["prompt"] + p[key]
            seqs.append(s); labels.append([-100] * len(p["prompt"]) + p[key])
    T = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), T, dtype=torch.long); mask = torch.zeros_like(ids)
    lab = torch.full((len(seqs), T), -100, dtype=torch.long)
    for i, (s, l) in enumerate(zip(seqs, labels)):
        ids[i, :len(s)] = torch.tensor(s); mask[i, :len(s)] = 1; lab[i, :len(l)] = torch.tensor(l)
    return ids, mask, lab

def batch_logps(logits, labels):
    # TRL get_batch_logps: shift, mask -100, sum per row.
    labels = labels[:, 1:].clone(); logits = logits[:, :-1]
    m = labels != -100
    labels[~m] = 0
    lp = torch.gather(logits.log_softmax(-1), 2, labels.unsqueeze(2)).squeeze(2)
    return (lp * m).sum(-1), m.sum(-1)

def main():
    spec = json.load(open(sys.argv[1]))
    torch.manual_seed(0)
    torch.set_num_threads(spec["threads"])
    c = PRESETS[spec["preset"]]
    model = Model(c, spec["vocab"], spec["lora_r"])
    for n, p in model.named_parameters(): p.requires_grad_("lora_" in n)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=5e-6, weight_decay=0.0)
    pairs, beta, P = spec["pairs"], 0.1, len(spec["pairs"])
    def step():
        ids, mask, lab = concatenated_batch(pairs)
        model.train()
        logps, ntok = batch_logps(model(ids, mask), lab)
        with torch.no_grad():
            model.set_lora(False)
            ref, _ = batch_logps(model(ids, mask), lab)
            model.set_lora(True)
        pc, pr, rc, rr = logps[:P], logps[P:], ref[:P], ref[P:]
        dpo = -F.logsigmoid(beta * ((pc - rc) - (pr - rr))).mean()
        nll = (-pc / ntok[:P]).mean()
        loss = dpo + nll
        opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step()
        return loss.item()
    for _ in range(spec["warmup"]): step()
    times = []
    for _ in range(spec["iters"]):
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
    times.sort()
    print(json.dumps({"seconds_median": times[len(times) // 2], "seconds_min": times[0]}))

if __name__ == "__main__":
    main()
