#!/usr/bin/env python3
"""laser against transformers, PEFT and a direct PyTorch DPO loss; laser's speed against Python's.

Run by scripts/gpu-check.sh (parts c and d of issue 16); prints one JSON object of results.
  parity: random tiny Llama, Qwen2 and Mistral models that transformers creates and saves here:
          max |logit difference| in f32 and bf16, greedy ids over 64 tokens; a LoRA adapter that
          laser trains and writes, loaded with PeftModel.from_pretrained, against laser's
          log-probs with it; the DPO+NLL loss and the gradients of one step (laser dpo-grad)
          against the same loss computed here with autograd.
  speed:  a random Llama of about 1B parameters in bf16: laser's DPO step (full fine-tuning, f32
          master weights under autocast) and batched generation (32 x 128 new tokens) against the
          same work in Python (HF model + the DPO loss written here; HF generate), with MFU.
Without transformers (the CPU dry run of `make test`) the reference is a plain-PyTorch Llama
written below, for the llama architecture only; PEFT and the Python speed peer are skipped.
Not a test framework: gpu-check.sh turns the numbers into its summary.
"""
import argparse
import copy
import json
import math
import os
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

try:
    import transformers
except ImportError:
    transformers = None
try:
    import peft
except ImportError:
    peft = None

ST_DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    """name -> tensor, without the safetensors package (not installed everywhere)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, v in header.items():
        if name == "__metadata__":
            continue
        s, e = v["data_offsets"]
        t = torch.frombuffer(bytearray(data[s:e]), dtype=ST_DTYPES[v["dtype"]]) if e > s else torch.empty(0, dtype=ST_DTYPES[v["dtype"]])
        out[name] = t.reshape(v["shape"])
    return out


def run_laser(args, *cmd):
    """Runs `laser cmd...`, returns its last stdout line as JSON; raises with its output on failure."""
    p = subprocess.run([args.laser, *cmd], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("laser " + " ".join(cmd) + " failed (" + str(p.returncode) + "):\n" + p.stdout[-2000:] + p.stderr[-2000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- a plain-PyTorch Llama (no transformers)
class TorchLlama(torch.nn.Module):
    """The Llama forward pass on an HF state dict: RMSNorm, rotate-half RoPE, grouped-query
    attention, SwiGLU (and Qwen2's q/k/v biases). For when transformers is absent."""

    def __init__(self, cfg, sd):
        super().__init__()
        self.cfg = cfg
        self.w = torch.nn.ParameterDict({k.replace(".", "__"): torch.nn.Parameter(v.float().clone()) for k, v in sd.items()})

    def p(self, name):
        return self.w[name.replace(".", "__")] if name.replace(".", "__") in self.w else None

    def lin(self, x, name):
        y = x @ self.p(name + ".weight").t()
        b = self.p(name + ".bias")
        return y + b if b is not None else y

    def norm(self, x, name):
        h = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.cfg["rms_norm_eps"])
        return self.p(name + ".weight") * h

    def forward(self, ids):
        c = self.cfg
        B, T = ids.shape
        H, KV = c["num_attention_heads"], c["num_key_value_heads"]
        D = c.get("head_dim") or c["hidden_size"] // H
        inv = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
        fr = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
        emb = torch.cat([fr, fr], -1).float()
        cos, sin = emb.cos(), emb.sin()

        def rope(x):
            h = x.shape[-1] // 2
            return x * cos + torch.cat([-x[..., h:], x[..., :h]], -1) * sin

        x = self.p("model.embed_tokens.weight")[ids]
        mask = torch.full((T, T), float("-inf")).triu(1)
        for i in range(c["num_hidden_layers"]):
            pre = "model.layers.%d." % i
            h = self.norm(x, pre + "input_layernorm")
            q = rope(self.lin(h, pre + "self_attn.q_proj").view(B, T, H, D).transpose(1, 2))
            k = rope(self.lin(h, pre + "self_attn.k_proj").view(B, T, KV, D).transpose(1, 2))
            v = self.lin(h, pre + "self_attn.v_proj").view(B, T, KV, D).transpose(1, 2)
            k = k.repeat_interleave(H // KV, 1)
            v = v.repeat_interleave(H // KV, 1)
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D) + mask, -1) @ v
            x = x + self.lin(a.transpose(1, 2).reshape(B, T, H * D), pre + "self_attn.o_proj")
            h = self.norm(x, pre + "post_attention_layernorm")
            x = x + self.lin(F.silu(self.lin(h, pre + "mlp.gate_proj")) * self.lin(h, pre + "mlp.up_proj"), pre + "mlp.down_proj")
        x = self.norm(x, "model.norm")
        head = self.p("lm_head.weight")
        return x @ (head if head is not None else self.p("model.embed_tokens.weight")).t()

    def named_hf_parameters(self):
        return {k.replace("__", "."): v for k, v in self.w.items()}


# ---------------------------------------------------------------- models
def tiny_config(arch):
    common = dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-5, rope_theta=10000.0,
                  initializer_range=0.1, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    if arch == "llama":
        return transformers.LlamaConfig(head_dim=16, **common)
    if arch == "qwen2":
        return transformers.Qwen2Config(use_sliding_window=False, **common)
    return transformers.MistralConfig(head_dim=16, sliding_window=None, **common)


def make_model(arch, d, device):
    """Returns (reference model on `device` in f32, its kind). Saves an HF directory at d."""
    if transformers is not None:
        torch.manual_seed(0)
        m = transformers.AutoModelForCausalLM.from_config(tiny_config(arch)).float().eval()
        m.save_pretrained(d, safe_serialization=True)
        return m.to(device), "transformers " + transformers.__version__
    # laser writes the directory; the plain-PyTorch Llama reads it.
    subprocess.run([ARGS.laser, "init-model", "--preset", "tiny", "--out", d, "--seed", "3"], check=True, capture_output=True)
    cfg = json.load(open(os.path.join(d, "config.json")))
    return TorchLlama(cfg, read_safetensors(os.path.join(d, "model.safetensors"))).to(device).eval(), "plain PyTorch"


def logits_of(m, ids):
    out = m(ids)
    return (out.logits if hasattr(out, "logits") else out).float()


def greedy_of(m, ids, n):
    """n argmax steps over the full sequence (no cache, no stop token): exactly what laser forward
    --greedy does without a stop id. HF generate is not used: min_new_tokens would mask EOS, and an
    argmax that lands on EOS would then differ."""
    out = ids
    for _ in range(n):
        out = torch.cat([out, logits_of(m, out)[:, -1].argmax(-1, keepdim=True)], 1)
    return out[:, ids.shape[1]:]


def seq_logps(m, prompt, resp, device):
    ids = torch.tensor([prompt + resp], device=device)
    lp = torch.log_softmax(logits_of(m, ids)[0, :-1], -1)
    tgt = ids[0, 1:]
    tok = lp.gather(-1, tgt[:, None])[:, 0]
    return tok[len(prompt) - 1:].sum()


def dpo_nll_loss(m, pairs, beta, nll_w, device):
    """TRL's sigmoid DPO with the policy as its own reference (a run's first step) plus the chosen
    response's per-token mean NLL, averaged over pairs: laser's default loss."""
    total_dpo, total_nll = 0.0, 0.0
    for p in pairs:
        pc = seq_logps(m, p["prompt"], p["chosen"], device)
        pr = seq_logps(m, p["prompt"], p["rejected"], device)
        logits = (pc - pc.detach()) - (pr - pr.detach())
        total_dpo = total_dpo - F.logsigmoid(beta * logits)
        total_nll = total_nll - pc / len(p["chosen"])
    n = len(pairs)
    return total_dpo / n + nll_w * total_nll / n, (total_dpo / n).item(), (total_nll / n).item()


def make_pairs(V, n, lp, lc, lr, seed):
    g = torch.Generator().manual_seed(seed)
    r = lambda k: torch.randint(3, V, (k,), generator=g).tolist()
    return [{"prompt": r(lp), "chosen": r(lc), "rejected": r(lr)} for _ in range(n)]


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


# ---------------------------------------------------------------- parity
def parity(args, device):
    res = {}
    archs = ["llama", "qwen2", "mistral"] if transformers is not None else ["llama"]
    for arch in archs:
        d = os.path.join(args.work, "tiny-" + arch)
        m, kind = make_model(arch, d, device)
        V = 512 if transformers is not None else json.load(open(os.path.join(d, "config.json")))["vocab_size"]
        g = torch.Generator().manual_seed(1)
        ids = torch.randint(3, V, (2, 24), generator=g)
        json.dump(ids.tolist(), open(os.path.join(args.work, "ids.json"), "w"))
        r = {"reference": kind}
        with torch.no_grad():
            ref_logits = logits_of(m, ids.to(device)).cpu()
            ref_greedy = greedy_of(m, ids.to(device), 64).cpu()
            for dt in ["f32", "bf16"]:
                out = os.path.join(args.work, "%s-%s.safetensors" % (arch, dt))
                run_laser(args, "forward", "--model", d, "--ids", os.path.join(args.work, "ids.json"), "--out", out, "--greedy", "64",
                          "--device", args.device, "--dtype", dt)
                got = read_safetensors(out)
                if dt == "f32":
                    want, want_greedy = ref_logits, ref_greedy
                else:  # the reference in bf16 too
                    mb = m.to(torch.bfloat16) if hasattr(m, "generate") else m
                    want = logits_of(mb, ids.to(device)).cpu()
                    want_greedy = greedy_of(mb, ids.to(device), 64).cpu()
                    m = m.float()
                diff = (got["logits"].float() - want).abs().max().item()
                same = (got["greedy"] == want_greedy)
                prefix = [int(row.long().cumprod(0).sum()) for row in same]
                r[dt] = {"reference_dtype": dt if hasattr(m, "generate") else "f32", "max_abs_logit_diff": diff, "logit_scale": want.abs().max().item(),
                         "greedy_equal_prefix": prefix, "greedy_tokens": 64}
        res[arch] = r
    # DPO+NLL loss and gradients of one step (llama, full fine-tuning, f32).
    d = os.path.join(args.work, "tiny-llama")
    m, kind = make_model("llama", d, device)
    V = json.load(open(os.path.join(d, "config.json")))["vocab_size"]
    pairs = make_pairs(V, 4, 12, 8, 6, 2)
    write_jsonl(os.path.join(args.work, "pairs.jsonl"), pairs)
    gout = os.path.join(args.work, "grads.safetensors")
    rep = run_laser(args, "dpo-grad", "--model", d, "--pairs", os.path.join(args.work, "pairs.jsonl"), "--out", gout,
                    "--device", args.device, "--beta", "0.1", "--nll", "1.0")
    m.train()
    for p in m.parameters():
        p.grad = None
    loss, dpo, nll = dpo_nll_loss(m, pairs, 0.1, 1.0, device)
    loss.backward()
    params = dict(m.named_parameters()) if hasattr(m, "generate") else m.named_hf_parameters()
    got = read_safetensors(gout)
    worst, worst_name, missing = 0.0, "", []
    for name, g in got.items():
        p = params.get(name)
        if p is None or p.grad is None:
            missing.append(name)
            continue
        want = p.grad.detach().float().cpu()
        rel = (g.float() - want).abs().max().item() / max(want.abs().max().item(), 1e-30)
        if rel > worst:
            worst, worst_name = rel, name
    res["dpo_grad"] = {"reference": kind, "laser_loss": rep["loss"], "torch_loss": loss.item(), "laser_dpo": rep["dpo"], "torch_dpo": dpo,
                       "laser_nll": rep["nll"], "torch_nll": nll, "tensors": len(got), "missing": missing,
                       "worst_rel_grad_diff": worst, "worst_tensor": worst_name}
    # A LoRA adapter trained and written by laser, loaded by PEFT.
    if transformers is not None and peft is not None:
        ad = os.path.join(args.work, "adapter")
        run_laser(args, "dpo-grad", "--model", d, "--pairs", os.path.join(args.work, "pairs.jsonl"), "--lora", "--steps", "6",
                  "--lr", "1e-2", "--save-adapter", ad, "--device", args.device)
        out = os.path.join(args.work, "lora.safetensors")
        run_laser(args, "forward", "--model", d, "--adapter", ad, "--ids", os.path.join(args.work, "ids.json"), "--out", out,
                  "--device", args.device)
        base = transformers.AutoModelForCausalLM.from_pretrained(d).float()
        pm = peft.PeftModel.from_pretrained(base, ad).to(device).eval()
        ids = torch.tensor(json.load(open(os.path.join(args.work, "ids.json"))), device=device)
        with torch.no_grad():
            want = torch.log_softmax(pm(ids).logits.float(), -1).cpu()
            with pm.disable_adapter():
                nolora = torch.log_softmax(pm(ids).logits.float(), -1).cpu()
        got = torch.log_softmax(read_safetensors(out)["logits"].float(), -1)
        res["peft"] = {"peft": peft.__version__, "max_abs_logprob_diff": (got - want).abs().max().item(),
                       "adapter_effect": (want - nolora).abs().max().item()}
    else:
        res["peft"] = {"skipped": "peft or transformers absent"}
    return res


# ---------------------------------------------------------------- speed
def speed(args, device):
    res = {}
    if args.quick or transformers is None:
        d = os.path.join(args.work, "speed-model")
        subprocess.run([args.laser, "init-model", "--preset", "tiny", "--out", d, "--seed", "4"], check=True, capture_output=True)
        B, NEW, PAIRS, LP, LR = 4, 8, 2, 8, 8
        peer = None
    else:
        d = os.path.join(args.work, "llama-1b")
        cfg = transformers.LlamaConfig(vocab_size=32000, hidden_size=2048, intermediate_size=5632, num_hidden_layers=22,
                                       num_attention_heads=32, num_key_value_heads=4, max_position_embeddings=2048,
                                       rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False, bos_token_id=1,
                                       eos_token_id=2, pad_token_id=0)
        torch.manual_seed(0)
        peer = transformers.AutoModelForCausalLM.from_config(cfg).to(torch.bfloat16)
        peer.save_pretrained(d, safe_serialization=True)
        B, NEW, PAIRS, LP, LR = 32, 128, 8, 128, 128
    cfg = json.load(open(os.path.join(d, "config.json")))
    V, hsz, L, I = cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["intermediate_size"]
    kv = cfg["num_key_value_heads"] * (hsz // cfg["num_attention_heads"])
    n_params = V * hsz * 2 + L * (hsz * hsz * 2 + hsz * kv * 2 + 3 * hsz * I)  # matrices: embeddings, head, layers
    res["params"] = n_params
    pairs = make_pairs(V, PAIRS, LP, LR, LR, 5)
    write_jsonl(os.path.join(args.work, "speed-pairs.jsonl"), pairs)
    tokens = sum(2 * len(p["prompt"]) + len(p["chosen"]) + len(p["rejected"]) for p in pairs)
    # Model FLOPs of one DPO step: policy forward + backward (6 N per token) and reference forward
    # (2 N per token) over prompt+chosen and prompt+rejected sequences.
    step_flops = 8 * n_params * tokens
    gen_flops = 2 * n_params * B * NEW
    peak = args.peak_tflops * 1e12
    lg = run_laser(args, "forward", "--model", d, "--device", args.device, "--dtype", "bf16", "--bench-batch", str(B),
                   "--bench-new", str(NEW), "--bench-prompt", "16", "--bench-repeat", "3")
    ls = run_laser(args, "dpo-grad", "--model", d, "--pairs", os.path.join(args.work, "speed-pairs.jsonl"), "--device", args.device,
                   "--dtype", "bf16", "--bench-steps", "3", "--lr", "1e-6")
    res["laser"] = {"generate_seconds": lg["generate_seconds"], "generate_tok_s": lg["generate_tokens_per_second"],
                    "dpo_step_seconds": ls["step_seconds"], "dpo_step_mfu": step_flops / ls["step_seconds"] / peak,
                    "generate_mfu": gen_flops / lg["generate_seconds"] / peak}
    res["work"] = {"generate": "%d x %d new tokens" % (B, NEW), "dpo_step": "%d pairs, %d tokens" % (PAIRS, tokens),
                   "peak_tflops": args.peak_tflops}
    if peer is None:
        res["python"] = {"skipped": "transformers absent" if transformers is None else "--quick"}
        return res
    # Python: HF generate (sampling at temperature 1, no stop) and an HF DPO step with the same
    # precision recipe (f32 master weights, bf16 autocast, frozen f32 reference under autocast).
    m = peer.to(device).eval()
    prompts = torch.randint(3, V, (B, 16), device=device)

    def timed(fn, n=3):
        fn()
        ts = []
        for _ in range(n):
            torch.cuda.synchronize() if device.type == "cuda" else None
            t = time.perf_counter()
            fn()
            torch.cuda.synchronize() if device.type == "cuda" else None
            ts.append(time.perf_counter() - t)
        return sorted(ts)[len(ts) // 2]

    with torch.no_grad():
        tg = timed(lambda: m.generate(prompts, attention_mask=torch.ones_like(prompts), max_new_tokens=NEW, min_new_tokens=NEW,
                                      do_sample=True, top_k=0, top_p=1.0, temperature=1.0, pad_token_id=0))
    pol = m.float().train()
    ref = copy.deepcopy(pol).eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW(pol.parameters(), lr=1e-6, weight_decay=0.0)

    def batch_logps(model, seqs, plen):
        L = max(len(s) for s in seqs)
        ids = torch.tensor([s + [0] * (L - len(s)) for s in seqs], device=device)
        with torch.autocast(device.type, dtype=torch.bfloat16):
            logits = model(ids).logits
        lp = torch.log_softmax(logits.float()[:, :-1], -1).gather(-1, ids[:, 1:, None])[..., 0]
        out = []
        for i, s in enumerate(seqs):
            out.append(lp[i, plen[i] - 1:len(s) - 1].sum())
        return torch.stack(out)

    seqs = [p["prompt"] + p["chosen"] for p in pairs] + [p["prompt"] + p["rejected"] for p in pairs]
    plen = [len(p["prompt"]) for p in pairs] * 2

    def dpo_step():
        with torch.no_grad():
            r = batch_logps(ref, seqs, plen)
        lp = batch_logps(pol, seqs, plen)
        n = len(pairs)
        pc, pr = lp[:n], lp[n:]
        loss = -F.logsigmoid(0.1 * ((pc - r[:n]) - (pr - r[n:]))).mean() + (-pc / LR).mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    ts = timed(dpo_step)
    res["python"] = {"generate_seconds": tg, "generate_tok_s": B * NEW / tg, "dpo_step_seconds": ts,
                     "dpo_step_mfu": step_flops / ts / peak, "generate_mfu": gen_flops / tg / peak}
    res["ratios"] = {"generate_python_over_laser_seconds": tg / lg["generate_seconds"],
                     "dpo_step_python_over_laser_seconds": ts / ls["step_seconds"]}
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--laser", required=True, help="the laser binary")
    ap.add_argument("--work", required=True, help="scratch folder")
    ap.add_argument("--device", default="cuda", help="cuda or cpu (laser's --device and torch's)")
    ap.add_argument("--quick", action="store_true", help="speed part on a tiny model (dry run)")
    ap.add_argument("--peak-tflops", type=float, default=989.0, help="the device's dense bf16 peak, for MFU (H200 SXM: 989)")
    ap.add_argument("--part", choices=["parity", "speed", "all"], default="all")
    global ARGS
    args = ARGS = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    device = torch.device("cuda" if args.device.startswith("cuda") else "cpu")
    out = {"torch": torch.__version__, "transformers": transformers.__version__ if transformers else None,
           "peft": peft.__version__ if peft else None, "device": args.device}
    for part, fn in [("parity", parity), ("speed", speed)]:
        if args.part in (part, "all"):
            try:
                out[part] = fn(args, device)
            except Exception as e:  # one part failing must not hide the other's numbers
                out[part] = {"error": "%s: %s" % (type(e).__name__, str(e)[-3000:])}
    print(json.dumps(out))


ARGS = None
if __name__ == "__main__":
    main()
