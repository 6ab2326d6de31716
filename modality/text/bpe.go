package text

import (
	"fmt"
	"slices"
	"strings"
)

// BPE is a byte-level byte-pair-encoding tokeniser (Sennrich et al. 2016,
// on bytes as in GPT-2): ids 0–255 are the bytes, 256–259 the special
// tokens (pad, unk, bos, eos, as for ByteTokenizer), and each merge learned
// by TrainBPE adds one id, from 260 on, for the concatenation of two
// existing tokens. Text is first cut into pieces (a run of whitespace and
// the run of other bytes after it) and merges never cross a piece, so
// Decode(Encode(s)) == s for every string s.
type BPE struct {
	merges [][2]int
	rank   map[[2]int]int // pair → merge index
	bytes  [][]byte       // id → the bytes it stands for (nil for specials)
}

// bpeBase is the first id a merge gets.
const bpeBase = 260

// TrainBPE learns merges on corpus until the vocabulary has vocabSize ids
// or no pair of adjacent tokens occurs twice in the corpus any more. At
// each step the most frequent pair is merged; ties go to the pair with the
// smaller ids (first id, then second), so training is deterministic.
func TrainBPE(corpus string, vocabSize int) (*BPE, error) {
	if vocabSize < bpeBase {
		return nil, fmt.Errorf("text: BPE vocabulary size must be at least %d (256 bytes and 4 special tokens), got %d", bpeBase, vocabSize)
	}
	counts := map[string]int{}
	for _, p := range pieces(corpus) {
		counts[p]++
	}
	type word struct {
		syms  []int
		count int
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	words := make([]word, len(keys))
	for i, k := range keys {
		syms := make([]int, len(k))
		for j := 0; j < len(k); j++ {
			syms[j] = int(k[j])
		}
		words[i] = word{syms, counts[k]}
	}
	var merges [][2]int
	for bpeBase+len(merges) < vocabSize {
		pairs := map[[2]int]int{}
		for _, w := range words {
			for j := 0; j+1 < len(w.syms); j++ {
				pairs[[2]int{w.syms[j], w.syms[j+1]}] += w.count
			}
		}
		best, bestN := [2]int{}, 1
		for p, n := range pairs {
			if n > bestN || (n == bestN && n > 1 && lessPair(p, best)) {
				best, bestN = p, n
			}
		}
		if bestN < 2 {
			break
		}
		id := bpeBase + len(merges)
		merges = append(merges, best)
		for i := range words {
			words[i].syms = mergePair(words[i].syms, best, id)
		}
	}
	return NewBPE(merges)
}

func lessPair(a, b [2]int) bool { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) }

// mergePair replaces, left to right, every occurrence of pair in syms by
// id (in place).
func mergePair(syms []int, pair [2]int, id int) []int {
	out := syms[:0]
	for j := 0; j < len(syms); j++ {
		if j+1 < len(syms) && syms[j] == pair[0] && syms[j+1] == pair[1] {
			out = append(out, id)
			j++
			continue
		}
		out = append(out, syms[j])
	}
	return out
}

// NewBPE returns the tokeniser of a list of merges: merge i joins the
// tokens merges[i][0] and merges[i][1] into id 260+i, so each may only
// name bytes (0–255) or earlier merges.
func NewBPE(merges [][2]int) (*BPE, error) {
	b := &BPE{merges: slices.Clone(merges), rank: make(map[[2]int]int, len(merges)), bytes: make([][]byte, bpeBase+len(merges))}
	for i := range 256 {
		b.bytes[i] = []byte{byte(i)}
	}
	for i, m := range merges {
		id := bpeBase + i
		for _, part := range m {
			if part < 0 || (part >= 256 && part < bpeBase) || part >= id {
				return nil, fmt.Errorf("text: BPE merge %d (%d, %d): id %d is not a byte or an earlier merge (allowed: 0–255, %d–%d)", i, m[0], m[1], part, bpeBase, id-1)
			}
		}
		if _, dup := b.rank[m]; dup {
			return nil, fmt.Errorf("text: BPE merge %d (%d, %d) repeats an earlier merge", i, m[0], m[1])
		}
		b.rank[m] = i
		b.bytes[id] = append(slices.Clone(b.bytes[m[0]]), b.bytes[m[1]]...)
	}
	return b, nil
}

// pieces cuts s into runs of whitespace followed by runs of other bytes;
// their concatenation is s.
func pieces(s string) []string {
	var out []string
	start := 0
	for i := 1; i < len(s); i++ {
		if isSpace(s[i]) && !isSpace(s[i-1]) {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// Encode returns the tokens of s: each piece starts as its bytes and the
// adjacent pair with the earliest merge is merged until none is left.
func (b *BPE) Encode(s string) []int {
	var ids []int
	for _, p := range pieces(s) {
		syms := make([]int, len(p))
		for j := 0; j < len(p); j++ {
			syms[j] = int(p[j])
		}
		for len(syms) > 1 {
			best, bestRank := [2]int{}, -1
			for j := 0; j+1 < len(syms); j++ {
				pair := [2]int{syms[j], syms[j+1]}
				if r, ok := b.rank[pair]; ok && (bestRank < 0 || r < bestRank) {
					best, bestRank = pair, r
				}
			}
			if bestRank < 0 {
				break
			}
			syms = mergePair(syms, best, bpeBase+bestRank)
		}
		ids = append(ids, syms...)
	}
	return ids
}

// Decode returns the bytes the ids stand for; special and out-of-range
// ids are left out.
func (b *BPE) Decode(ids []int) string {
	var sb strings.Builder
	for _, id := range ids {
		if id >= 0 && id < len(b.bytes) {
			sb.Write(b.bytes[id])
		}
	}
	return sb.String()
}

// VocabSize returns 260 plus the number of merges.
func (b *BPE) VocabSize() int { return bpeBase + len(b.merges) }

// Specials returns pad 256, unk 257, bos 258, eos 259.
func (b *BPE) Specials() Specials { return byteSpecials }

// Merges returns the learned merges in order.
func (b *BPE) Merges() [][2]int { return slices.Clone(b.merges) }

// Token returns the bytes token id stands for (nil for a special token or
// an id out of range).
func (b *BPE) Token(id int) []byte {
	if id < 0 || id >= len(b.bytes) {
		return nil
	}
	return slices.Clone(b.bytes[id])
}
