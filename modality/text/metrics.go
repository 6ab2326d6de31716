package text

import (
	"fmt"
	"math"
	"strings"
)

// Perplexity returns exp(nll) for a mean negative log-likelihood per token
// in nats.
func Perplexity(nll float64) float64 { return math.Exp(nll) }

// BitsPer converts a total negative log-likelihood in nats into bits per
// unit (token, byte or character) over n units.
func BitsPer(totalNLL float64, n int) float64 { return totalNLL / float64(n) / math.Ln2 }

// ngrams returns the n-grams of seq joined by "\x00" as map keys.
func ngrams[T comparable](seq []T, n int) []string {
	if len(seq) < n {
		return nil
	}
	out := make([]string, 0, len(seq)-n+1)
	for i := 0; i+n <= len(seq); i++ {
		var b strings.Builder
		for j, t := range seq[i : i+n] {
			if j > 0 {
				b.WriteByte(0)
			}
			fmt.Fprint(&b, t)
		}
		out = append(out, b.String())
	}
	return out
}

// DistinctN is distinct-n (Li et al. 2016): the number of distinct
// n-grams over all sequences divided by the total number of n-grams.
// It is 0 when the sequences hold no n-gram.
func DistinctN[T comparable](seqs [][]T, n int) (float64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("text: distinct-n: n must be > 0, got %d", n)
	}
	seen := map[string]bool{}
	total := 0
	for _, s := range seqs {
		for _, g := range ngrams(s, n) {
			seen[g] = true
			total++
		}
	}
	if total == 0 {
		return 0, nil
	}
	return float64(len(seen)) / float64(total), nil
}

// RepetitionRate is the mean over sequences (with at least one n-gram) of
// the fraction of a sequence's n-grams that repeat an n-gram seen earlier
// in the same sequence: 0 for no repetition, approaching 1 for a loop.
func RepetitionRate[T comparable](seqs [][]T, n int) (float64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("text: repetition rate: n must be > 0, got %d", n)
	}
	sum, counted := 0.0, 0
	for _, s := range seqs {
		grams := ngrams(s, n)
		if len(grams) == 0 {
			continue
		}
		seen := map[string]bool{}
		rep := 0
		for _, g := range grams {
			if seen[g] {
				rep++
			}
			seen[g] = true
		}
		sum += float64(rep) / float64(len(grams))
		counted++
	}
	if counted == 0 {
		return 0, nil
	}
	return sum / float64(counted), nil
}

// BLEU is corpus BLEU (Papineni et al. 2002) with n-grams up to maxN
// (4 for BLEU-4) and uniform weights: the modified n-gram precisions are
// clipped counts summed over the corpus, divided by the candidates'
// n-gram counts; their geometric mean is multiplied by the brevity
// penalty exp(1 − r/c) when the total candidate length c is below r, the
// sum over candidates of the reference length closest to the candidate's
// (the shorter on a tie). Without smoothing, a precision of zero gives 0.
func BLEU[T comparable](candidates [][]T, references [][][]T, maxN int) (float64, error) {
	if maxN <= 0 {
		return 0, fmt.Errorf("text: BLEU: max n must be > 0, got %d", maxN)
	}
	if len(candidates) != len(references) {
		return 0, fmt.Errorf("text: BLEU: %d candidates but %d reference lists", len(candidates), len(references))
	}
	if len(candidates) == 0 {
		return 0, fmt.Errorf("text: BLEU: no candidates")
	}
	matched := make([]int, maxN)
	total := make([]int, maxN)
	c, r := 0, 0
	for i, cand := range candidates {
		refs := references[i]
		if len(refs) == 0 {
			return 0, fmt.Errorf("text: BLEU: candidate %d has no reference", i)
		}
		c += len(cand)
		best := len(refs[0])
		for _, ref := range refs[1:] {
			d, bd := abs(len(ref)-len(cand)), abs(best-len(cand))
			if d < bd || (d == bd && len(ref) < best) {
				best = len(ref)
			}
		}
		r += best
		for n := 1; n <= maxN; n++ {
			maxRef := map[string]int{}
			for _, ref := range refs {
				counts := map[string]int{}
				for _, g := range ngrams(ref, n) {
					counts[g]++
				}
				for g, k := range counts {
					maxRef[g] = max(maxRef[g], k)
				}
			}
			counts := map[string]int{}
			for _, g := range ngrams(cand, n) {
				counts[g]++
			}
			for g, k := range counts {
				matched[n-1] += min(k, maxRef[g])
				total[n-1] += k
			}
		}
	}
	logSum := 0.0
	for n := range maxN {
		if matched[n] == 0 {
			return 0, nil
		}
		logSum += math.Log(float64(matched[n]) / float64(total[n]))
	}
	bp := 1.0
	if c < r {
		bp = math.Exp(1 - float64(r)/float64(c))
	}
	return bp * math.Exp(logSum/float64(maxN)), nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
