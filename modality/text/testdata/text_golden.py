#!/usr/bin/env python3
"""Golden values for modality/text's metrics: corpus BLEU (Papineni et al.
2002; uniform weights, clipped counts summed over the corpus, brevity penalty
with the closest reference length, shorter on ties, no smoothing) and
distinct-n (Li et al. 2016), written from the formulas in plain Python.

    /usr/bin/python3 modality/text/testdata/text_golden.py
writes modality/text/testdata/text_golden.json.
"""
import json
import math
import os
from collections import Counter


def ngrams(seq, n):
    return [tuple(seq[i:i + n]) for i in range(len(seq) - n + 1)]


def corpus_bleu(cands, refs_list, max_n=4):
    num = [0] * max_n
    den = [0] * max_n
    c = r = 0
    for cand, refs in zip(cands, refs_list):
        c += len(cand)
        r += min((abs(len(ref) - len(cand)), len(ref)) for ref in refs)[1]
        for n in range(1, max_n + 1):
            counts = Counter(ngrams(cand, n))
            max_ref = Counter()
            for ref in refs:
                for g, k in Counter(ngrams(ref, n)).items():
                    max_ref[g] = max(max_ref[g], k)
            num[n - 1] += sum(min(k, max_ref[g]) for g, k in counts.items())
            den[n - 1] += sum(counts.values())
    if min(num) == 0:
        return 0.0
    log_p = sum(math.log(num[i] / den[i]) for i in range(max_n)) / max_n
    bp = 1.0 if c >= r else math.exp(1 - r / c)
    return bp * math.exp(log_p)


def distinct(seqs, n):
    grams = [g for s in seqs for g in ngrams(s, n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def words(s):
    return s.split()


CASES = {
    "papineni_example": (
        ["It is a guide to action which ensures that the military always obeys the commands of the party"],
        [["It is a guide to action that ensures that the military will forever heed Party commands",
          "It is the guiding principle which guarantees the military forces always being under the command of the Party",
          "It is the practical guide for the army always to heed the directions of the party"]],
    ),
    "two_sentences_brevity": (
        ["the cat sat on the mat", "there is a cat on the mat today"],
        [["the cat is sitting on the mat today", "a cat sat on the mat"],
         ["there is a cat on the mat today again and again"]],
    ),
    "clipping": (
        ["the the the the the the the"],
        [["the cat is on the mat", "there is a cat on the mat"]],
    ),
    "identical": (
        ["a b c d e f", "g h i j k"],
        [["a b c d e f"], ["g h i j k"]],
    ),
}


def main():
    out = {"bleu": {}, "distinct": {}}
    for name, (cands, refs) in CASES.items():
        c = [words(s) for s in cands]
        r = [[words(s) for s in rs] for rs in refs]
        out["bleu"][name] = {"candidates": cands, "references": refs, "bleu4": corpus_bleu(c, r, 4),
                             "bleu2": corpus_bleu(c, r, 2)}
    seqs = ["the cat sat on the mat", "the cat sat on the hat", "a dog a dog a dog"]
    out["distinct"] = {"sequences": seqs,
                       "distinct1": distinct([words(s) for s in seqs], 1),
                       "distinct2": distinct([words(s) for s in seqs], 2),
                       "distinct3": distinct([words(s) for s in seqs], 3)}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "text_golden.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
