#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets (scripts/fuzz.sh): small hand-made inputs for every
target, plus small files derived from the shared test material (real tokenizers cut to a few
hundred tokens, the stories260K SentencePiece model and config) when that folder exists.
Usage: fuzz_seeds.py EXT_DIR OUT_DIR  (writes OUT_DIR/<target>/seed-*). Standard library only."""
import json
import os
import struct
import sys


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None):
    header, blobs, off = {}, b"", 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(data)]}
        blobs += data
        off += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (len(h) + 8) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + blobs


def byte_level_alphabet():
    # GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards.
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def tiny_bpe():
    alpha = byte_level_alphabet()
    vocab = {t: i for i, t in enumerate(alpha)}
    merges = []
    for a, b in [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), ("\u0120", "w"), ("o", "r"), ("\u0120w", "or")]:
        vocab.setdefault(a + b, len(vocab))
        merges.append(a + " " + b)
    return vocab, merges


def handmade(out):
    put(out, "safetensors", "small", safetensors([("a.bias", "BF16", [3], b"\x01\x02\x03\x04\x05\x06"),
                                                  ("b.weight", "F32", [2, 3], struct.pack("<6f", 1, 2, 3, 4, 5, 6)),
                                                  ("empty", "F32", [0, 4], b""), ("ids", "I64", [1], struct.pack("<q", 7))],
                                                 {"format": "pt"}))
    put(out, "safetensors", "one", safetensors([("w", "U8", [4], b"abcd")]))
    put(out, "jsonl", "rows", '{"prompt": "What is 2+2?", "answer": "4", "id": 1}\n\n'
                              '{"prompt": "x", "scores": [1.5, -2e3, null, true], "meta": {"a": {"b": [1, {"c": "\\u00e9"}]}}}\n')
    put(out, "jsonl", "config", json.dumps({"architectures": ["LlamaForCausalLM"], "hidden_size": 64}, indent=2))
    put(out, "csv", "mmlu", 'question,choice0,choice1,choice2,choice3,answer\r\n"What is ""2+2""?",3,4,"5,0",6,1\n"multi\nline",a,b,c,d,0\n')
    vocab, merges = tiny_bpe()
    tok = {"version": "1.0", "added_tokens": [{"id": len(vocab), "content": "<|endoftext|>", "special": True}],
           "normalizer": None, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
           "post_processor": {"type": "ByteLevel"}, "decoder": {"type": "ByteLevel"},
           "model": {"type": "BPE", "vocab": vocab, "merges": merges}}
    cfg = {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "add_bos_token": False,
           "added_tokens_decoder": {str(len(vocab)): {"content": "<|endoftext|>", "special": True}}}
    put(out, "tokenizer_json", "bytelevel", json.dumps(tok))
    put(out, "tokenizer_json", "bytelevel-config", json.dumps(tok) + "\n---config---\n" + json.dumps(cfg))
    sp_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "\u2581": 3, "a": 4, "b": 5, "\u2581a": 6, "ab": 7, "\u2581ab": 8}
    sp_vocab.update({"<0x%02X>" % i: 9 + i for i in range(256)})
    sp = {"version": "1.0", "added_tokens": [{"id": 0, "content": "<unk>", "special": True},
                                             {"id": 1, "content": "<s>", "special": True}, {"id": 2, "content": "</s>", "special": True}],
          "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                                             {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
          "pre_tokenizer": None,
          "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                                                      {"Sequence": {"id": "A", "type_id": 0}}],
                             "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
          "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                                                       {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
          "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": True, "fuse_unk": True,
                    "vocab": sp_vocab, "merges": ["\u2581 a", "a b", "\u2581a b"]}}
    put(out, "tokenizer_json", "sentencepiece", json.dumps(sp))
    put(out, "vocab_merges", "gpt2", json.dumps(vocab) + "\n---merges---\n#version: 0.2\n" + "\n".join(merges) + "\n")
    put(out, "vocab_merges", "gpt2-config", json.dumps(vocab) + "\n---merges---\n" + "\n".join(merges) + "\n---config---\n" + json.dumps(cfg))
    import base64
    lines = [base64.b64encode(bytes([b])).decode() + " " + str(b) for b in range(256)]
    lines += [base64.b64encode(w.encode()).decode() + " " + str(256 + i) for i, w in enumerate(["he", "ll", "hell", "hello", " w", " wor"])]
    put(out, "tiktoken", "small", "\n".join(lines) + "\n")
    put(out, "model_config", "tiny", json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 300,
                                                 "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                                                 "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 256,
                                                 "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "bos_token_id": 1, "eos_token_id": [2, 3],
                                                 "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}))
    for n in sorted(os.listdir("configs")) if os.path.isdir("configs") else []:
        if n.endswith(".toml"):
            with open(os.path.join("configs", n), "rb") as f:
                put(out, "config_toml", n, f.read())
    put(out, "config_toml", "small", '[run]\nname = "fuzz"\n\n[train]\nlr = 1e-5\n\n[[rm]]\nname = "a"\nkind = "rule"\n\nset train.lr=2e-5')
    body = json.dumps({"query": ["a", "b"], "prompts": ["p", "p"], "labels": ["x", None]})
    put(out, "http_request", "post", "POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    put(out, "http_request", "health", "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    put(out, "http_request", "chunked", "POST /score HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")


def from_ext(ext, out):
    def path(*p):
        return os.path.join(ext, *p)

    def read(*p):
        with open(path(*p), "rb") as f:
            return f.read()

    if os.path.isfile(path("models", "stories260K", "tokenizer.model")):
        put(out, "sentencepiece", "stories260K", read("models", "stories260K", "tokenizer.model"))
        put(out, "model_config", "stories260K", read("models", "stories260K", "config.json"))
    for d in ["mistral-7b-instruct-v0.3", "qwen2"]:
        if os.path.isfile(path("tokenizers", d, "config.json")):
            put(out, "model_config", d, read("tokenizers", d, "config.json"))
    if os.path.isfile(path("tokenizers", "llama-3", "tokenizer.model")):
        lines = read("tokenizers", "llama-3", "tokenizer.model").split(b"\n")[:400]
        put(out, "tiktoken", "llama3-cut", b"\n".join(lines) + b"\n")
    # Real tokenizer.json files cut to their first 400 vocabulary entries and the merges among them.
    for d in ["gpt2", "llama-2", "mistral-7b-instruct-v0.3"]:
        p = path("tokenizers", d, "tokenizer.json")
        if not os.path.isfile(p):
            continue
        with open(p, encoding="utf-8") as f:
            tok = json.load(f)
        keep = {t: i for t, i in tok["model"]["vocab"].items() if i < 400}
        merges = []
        for m in tok["model"]["merges"]:
            a, b = m.split(" ", 1) if isinstance(m, str) else m
            if a in keep and b in keep and a + b in keep:
                merges.append(m)
        tok["model"]["vocab"] = keep
        tok["model"]["merges"] = merges
        tok["added_tokens"] = [a for a in tok.get("added_tokens", []) if a["id"] < 400]
        put(out, "tokenizer_json", d + "-cut", json.dumps(tok, ensure_ascii=False))
        if d == "gpt2":
            put(out, "vocab_merges", "gpt2-cut", json.dumps(keep, ensure_ascii=False) + "\n---merges---\n" +
                "\n".join(m if isinstance(m, str) else " ".join(m) for m in merges) + "\n")
    for d in ["gpt2", "llama-2"]:
        if os.path.isfile(path("tokenizers", d, "tokenizer_config.json")):
            c = read("tokenizers", d, "tokenizer_config.json")
            if os.path.isfile(os.path.join(out, "tokenizer_json", "seed-" + d + "-cut")):
                with open(os.path.join(out, "tokenizer_json", "seed-" + d + "-cut"), "rb") as f:
                    put(out, "tokenizer_json", d + "-cut-config", f.read() + b"\n---config---\n" + c)
    csvs = path("datasets", "mmlu", "dev")
    if os.path.isdir(csvs):
        for n in sorted(os.listdir(csvs))[:3]:
            put(out, "csv", "mmlu-" + n, read("datasets", "mmlu", "dev", n)[:4096])
    gsm = path("datasets", "gsm8k")
    if os.path.isdir(gsm):
        for n in sorted(os.listdir(gsm)):
            if n.endswith(".jsonl"):
                put(out, "jsonl", "gsm8k-" + n, b"\n".join(read("datasets", "gsm8k", n).split(b"\n")[:3]))
                break


def main():
    ext, out = sys.argv[1], sys.argv[2]
    handmade(out)
    if os.path.isdir(ext):
        from_ext(ext, out)


if __name__ == "__main__":
    main()
