package text

import "fmt"

// Padded is a batch of token sequences padded to one length: IDs and Mask
// are [Batch×Length] row-major, Mask is 1 at real tokens and 0 at padding.
type Padded struct {
	IDs    []int
	Mask   []float32
	Batch  int
	Length int
}

// Pad pads seqs at the end with pad to length tokens (length 0: the
// longest sequence's length). A sequence longer than length is an error,
// as is a negative length or an empty batch.
func Pad(seqs [][]int, length, pad int) (Padded, error) {
	if len(seqs) == 0 {
		return Padded{}, fmt.Errorf("text: Pad: no sequences")
	}
	if length < 0 {
		return Padded{}, fmt.Errorf("text: Pad: length must be >= 0 (0: longest sequence), got %d", length)
	}
	if length == 0 {
		for _, s := range seqs {
			length = max(length, len(s))
		}
	}
	p := Padded{IDs: make([]int, len(seqs)*length), Mask: make([]float32, len(seqs)*length), Batch: len(seqs), Length: length}
	for i, s := range seqs {
		if len(s) > length {
			return Padded{}, fmt.Errorf("text: Pad: sequence %d has %d tokens, more than the length %d", i, len(s), length)
		}
		row := p.IDs[i*length : (i+1)*length]
		copy(row, s)
		for j := len(s); j < length; j++ {
			row[j] = pad
		}
		for j := range s {
			p.Mask[i*length+j] = 1
		}
	}
	return p, nil
}

// Row returns the ids of sequence i, padding included.
func (p Padded) Row(i int) []int { return p.IDs[i*p.Length : (i+1)*p.Length] }

// Batches cuts seqs, in order, into batches of at most size sequences,
// each padded with pad to its longest sequence (or to length when length >
// 0).
func Batches(seqs [][]int, size, length, pad int) ([]Padded, error) {
	if size <= 0 {
		return nil, fmt.Errorf("text: Batches: batch size must be > 0, got %d", size)
	}
	var out []Padded
	for i := 0; i < len(seqs); i += size {
		p, err := Pad(seqs[i:min(i+size, len(seqs))], length, pad)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Windows cuts a token stream into rows of length tokens, each starting
// stride tokens after the previous (stride length-1 makes every token
// but the first a prediction target exactly once); a short tail is left
// out.
func Windows(tokens []int, length, stride int) ([][]int, error) {
	if length <= 0 || stride <= 0 {
		return nil, fmt.Errorf("text: Windows: length and stride must be > 0, got %d and %d", length, stride)
	}
	var rows [][]int
	for s := 0; s+length <= len(tokens); s += stride {
		rows = append(rows, tokens[s:s+length:s+length])
	}
	return rows, nil
}
