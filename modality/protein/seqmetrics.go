package protein

import (
	"math"
	"strings"
)

// Composition returns the frequency of each of the NumAminoAcids amino
// acids (in Alphabet's order) among the residues of seqs; gap/unknown
// tokens are not residues. It is all zeros when seqs hold no residue.
func Composition(seqs []string) [NumAminoAcids]float64 {
	var out [NumAminoAcids]float64
	total := 0.0
	for _, s := range seqs {
		for i := range len(s) {
			if k := strings.IndexByte(Alphabet[:NumAminoAcids], s[i]); k >= 0 {
				out[k]++
				total++
			}
		}
	}
	if total > 0 {
		for k := range out {
			out[k] /= total
		}
	}
	return out
}

// CompositionTV returns the total variation distance ½·Σ|a−b| between two
// compositions, in [0, 1]; an empty composition (no residue) is at
// distance 1 from any other and 0 from another empty one.
func CompositionTV(a, b [NumAminoAcids]float64) float64 {
	var sa, sb, d float64
	for k := range a {
		sa += a[k]
		sb += b[k]
		d += math.Abs(a[k] - b[k])
	}
	switch {
	case sa == 0 && sb == 0:
		return 0
	case sa == 0 || sb == 0:
		return 1
	}
	return d / 2
}

// Identity returns the sequence identity of two sequences compared
// position by position (the windows a model sees are aligned that way;
// the shorter is read as padded with gaps): the share of identical
// residues among the positions where either holds a residue. It is 0
// when neither holds one.
func Identity(a, b string) float64 {
	at := func(s string, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return '-'
	}
	same, aligned := 0, 0
	for i := range max(len(a), len(b)) {
		ca, cb := at(a, i), at(b, i)
		if ca == '-' && cb == '-' {
			continue
		}
		aligned++
		if ca == cb {
			same++
		}
	}
	if aligned == 0 {
		return 0
	}
	return float64(same) / float64(aligned)
}

// NearestIdentity returns the mean, over seqs, of the identity to the
// most similar sequence of reference (NaN when either is empty): near 1
// for a model that copies its training sequences.
func NearestIdentity(seqs, reference []string) float64 {
	if len(seqs) == 0 || len(reference) == 0 {
		return math.NaN()
	}
	sum := 0.0
	for _, s := range seqs {
		best := 0.0
		for _, r := range reference {
			best = max(best, Identity(s, r))
		}
		sum += best
	}
	return sum / float64(len(seqs))
}

// PositionEntropy returns the entropy in bits of the tokens (gap
// included) at each position over seqs, averaged over the positions of
// the longest sequence: low where every sequence has the same residue
// (or a collapsed model repeats one), at most log2(min(len(seqs), 21)).
func PositionEntropy(seqs []string) float64 {
	length := 0
	for _, s := range seqs {
		length = max(length, len(s))
	}
	if length == 0 {
		return 0
	}
	sum := 0.0
	counts := make(map[byte]int, VocabSize)
	for i := range length {
		clear(counts)
		n := 0
		for _, s := range seqs {
			if i < len(s) {
				counts[s[i]]++
				n++
			}
		}
		for _, c := range counts {
			p := float64(c) / float64(n)
			sum -= p * math.Log2(p)
		}
	}
	return sum / float64(length)
}

// SequenceStats are the metrics of a set of sequences.
type SequenceStats struct {
	// CompositionTV is the total variation distance of the set's
	// amino-acid composition from a reference composition.
	CompositionTV float64
	// GapFraction is the share of gap/unknown tokens (padding after a
	// chain's end included).
	GapFraction float64
	// PositionEntropy is PositionEntropy of the set, bits.
	PositionEntropy float64
	// NearestIdentity is NearestIdentity to the training sequences, NaN
	// without them.
	NearestIdentity float64
}

// MeasureSequences returns the metrics of seqs against the reference
// composition ref and the training sequences train (nil: no identity).
func MeasureSequences(seqs []string, ref [NumAminoAcids]float64, train []string) SequenceStats {
	gaps, total := 0, 0
	for _, s := range seqs {
		gaps += strings.Count(s, "-")
		total += len(s)
	}
	return SequenceStats{
		CompositionTV:   CompositionTV(Composition(seqs), ref),
		GapFraction:     float64(gaps) / float64(max(total, 1)),
		PositionEntropy: PositionEntropy(seqs),
		NearestIdentity: NearestIdentity(seqs, train),
	}
}

// Metrics returns the stats as named values, aa_composition_tv,
// gap_fraction, position_entropy_bits and nearest_train_identity,
// leaving out those that are NaN (not measured).
func (s SequenceStats) Metrics() map[string]float64 {
	out := map[string]float64{}
	for k, v := range map[string]float64{
		"aa_composition_tv":      s.CompositionTV,
		"gap_fraction":           s.GapFraction,
		"position_entropy_bits":  s.PositionEntropy,
		"nearest_train_identity": s.NearestIdentity,
	} {
		if !math.IsNaN(v) {
			out[k] = v
		}
	}
	return out
}
