# Python peer for bench_grpo: one GRPO training step with python3-torch, computed the way TRL's
# GRPOTrainer does it (prompt left-padded + completion right-padded in one batch, LM head on the
# completion positions only (logits_to_keep), logits / temperature, selective log-softmax, reference
# with the LoRA adapters disabled, group-normalized advantages, clipped surrogate + beta * k3 KL,
# loss_type "dapo"). Not part of laser; never a runtime dependency. Model: dpo_peer.py's Llama.
import json, os, sys, time
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dpo_peer import PRESETS, Model  # noqa: E402

def hidden(model, ids, mask):
    # dpo_peer.Model.forward without the LM head.
    B, T = ids.shape
    pos = (mask.cumsum(1) - 1).clamp_min(0).float()
    f = pos[..., None] * model.inv[None, None]
    emb = torch.cat([f, f], -1)[:, None]
    cos, sin = emb.cos(), emb.sin()
    ar = torch.arange(T)
    allowed = ((ar[None, :] <= ar[:, None])[None, None] & mask.bool()[:, None, None, :]) | (ar[None, :] == ar[:, None])[None, None]
    x = model.embed(ids)
    for l in model.layers: x = l(x, cos, sin, allowed)
    return model.norm(x)

def batch(prompts, completions, n):
    # TRL: prompts left-padded, completions right-padded, prompt_completion_ids = cat.
    Tp = max(len(p) for p in prompts); Tc = max(len(c) for c in completions)
    B = len(completions)
    ids = torch.zeros(B, Tp + Tc, dtype=torch.long); mask = torch.zeros_like(ids)
    cmask = torch.zeros(B, Tc)
    for i, c in enumerate(completions):
        p = prompts[i // n]
        ids[i, Tp - len(p):Tp] = torch.tensor(p); mask[i, Tp - len(p):Tp] = 1
        ids[i, Tp:Tp + len(c)] = torch.tensor(c); mask[i, Tp:Tp + len(c)] = 1; cmask[i, :len(c)] = 1
    return ids, mask, cmask, Tc

def per_token_logps(model, ids, mask, Tc, temperature):
    # TRL _get_per_token_logps: logits_to_keep = Tc + 1, drop the last, divide by the temperature.
    h = hidden(model, ids, mask)[:, -Tc - 1:-1]
    logits = F.linear(h, model.embed.weight) / temperature
    return torch.gather(logits.log_softmax(-1), 2, ids[:, -Tc:].unsqueeze(2)).squeeze(2)

def main():
    spec = json.load(open(sys.argv[1]))
    torch.manual_seed(0)
    torch.set_num_threads(spec["threads"])
    model = Model(PRESETS[spec["preset"]], spec["vocab"], spec["lora_r"])
    for name, p in model.named_parameters(): p.requires_grad_("lora_" in name)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=5e-6, weight_decay=0.0)
    n, beta, temp, eps_lo, eps_hi = spec["n"], spec["beta"], spec["temperature"], 0.2, 0.2
    rewards = torch.tensor(spec["rewards"], dtype=torch.float32)
    def step():
        ids, mask, cmask, Tc = batch(spec["prompts"], spec["completions"], n)
        grouped = rewards.view(-1, n)
        adv = ((grouped - grouped.mean(1, keepdim=True)) / (grouped.std(1, keepdim=True) + 1e-4)).view(-1)
        model.train()
        logp = per_token_logps(model, ids, mask, Tc, temp)
        with torch.no_grad():
            model.set_lora(False)
            ref = per_token_logps(model, ids, mask, Tc, temp)
            model.set_lora(True)
        old = logp.detach()
        coef1 = torch.exp(logp - old)
        coef2 = torch.clamp(coef1, 1 - eps_lo, 1 + eps_hi)
        per_token = -torch.min(coef1 * adv[:, None], coef2 * adv[:, None])
        kl = torch.exp(ref - logp) - (ref - logp) - 1
        per_token = per_token + beta * kl
        loss = (per_token * cmask).sum() / cmask.sum().clamp(min=1.0)
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
