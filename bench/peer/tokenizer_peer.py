# Peer for bench_tokenizer: encode throughput of Debian's python3-sentencepiece on the same text.
# Not used by laser at run time. Reads a .model and a GSM8K-style jsonl (the "question" fields),
# encodes every question (BOS added, as laser's Llama-2 encode does) and prints one JSON line:
# {"mb_per_s": best of N passes, "tokens": total ids of one pass, "bytes": UTF-8 bytes of one pass}.
import json
import sys
import time

import sentencepiece as spm


def main():
    model, data = sys.argv[1], sys.argv[2]
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    sp = spm.SentencePieceProcessor(model_file=model)
    questions = [json.loads(line)["question"] for line in open(data, encoding="utf-8") if line.strip()]
    nbytes = sum(len(q.encode("utf-8")) for q in questions)
    best, tokens = float("inf"), 0
    for _ in range(passes):
        t0 = time.perf_counter()
        tokens = sum(len(sp.encode(q, add_bos=True)) for q in questions)
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"mb_per_s": nbytes / best / 1e6, "tokens": tokens, "bytes": nbytes}))


if __name__ == "__main__":
    main()
