package protein

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// Padded is a batch of chains padded to one length L: atom positions
// [N, L, 37, 3], atom masks [N, L, 37], residue masks [N, L] (1 for a real
// residue, 0 for padding), vocabulary indices and residue numbers [N, L]
// (Unknown and 0 at padding).
type Padded struct {
	N, L         int
	Positions    []float32
	AtomMask     []float32
	ResidueMask  []float32
	AA           []int
	ResidueIndex []int
}

// Pad lays chains out in one padded batch of length maxLen. A chain longer
// than maxLen is an error: crop it first (Windows).
func Pad(chains []*Chain, maxLen int) (*Padded, error) {
	if maxLen <= 0 {
		return nil, fmt.Errorf("protein: Pad: max length must be positive, got %d", maxLen)
	}
	n := len(chains)
	p := &Padded{
		N: n, L: maxLen,
		Positions:    make([]float32, n*maxLen*NumAtoms*3),
		AtomMask:     make([]float32, n*maxLen*NumAtoms),
		ResidueMask:  make([]float32, n*maxLen),
		AA:           make([]int, n*maxLen),
		ResidueIndex: make([]int, n*maxLen),
	}
	for i := range p.AA {
		p.AA[i] = Unknown
	}
	for b, c := range chains {
		if c.Len() > maxLen {
			return nil, fmt.Errorf("protein: Pad: chain %q has %d residues, more than the max length %d (crop it with Windows)", c.ID, c.Len(), maxLen)
		}
		for i, r := range c.Residues {
			ri := b*maxLen + i
			p.ResidueMask[ri] = 1
			p.AA[ri] = r.AA
			p.ResidueIndex[ri] = r.Seq
			for k := range NumAtoms {
				if !r.Mask[k] {
					continue
				}
				p.AtomMask[ri*NumAtoms+k] = 1
				for d := range 3 {
					p.Positions[(ri*NumAtoms+k)*3+d] = float32(r.Positions[k][d])
				}
			}
		}
	}
	return p, nil
}

// PositionsTensor returns the positions as a [N, L, 37, 3] tensor.
func (p *Padded) PositionsTensor() *tensor.Tensor {
	return tensor.FromSlice(p.Positions, p.N, p.L, NumAtoms, 3)
}

// Backbone returns the N, CA, C positions [N, L, 3, 3] and their mask
// [N, L, 3].
func (p *Padded) Backbone() (pos, mask *tensor.Tensor) {
	pos = tensor.IndexSelect(p.PositionsTensor(), 2, []int{AtomN, AtomCA, AtomC})
	mask = tensor.IndexSelect(tensor.FromSlice(p.AtomMask, p.N, p.L, NumAtoms), 2, []int{AtomN, AtomCA, AtomC})
	return pos, mask
}

// Windows cuts c into runs of length residues, starting every stride
// residues; a chain no longer than length is returned whole. The windows
// share no memory with c.
func Windows(c *Chain, length, stride int) []*Chain {
	if length <= 0 || stride <= 0 {
		return nil
	}
	if c.Len() <= length {
		return []*Chain{{ID: c.ID, Residues: append([]Residue(nil), c.Residues...)}}
	}
	var out []*Chain
	for s := 0; s+length <= c.Len(); s += stride {
		out = append(out, &Chain{ID: c.ID, Residues: append([]Residue(nil), c.Residues[s:s+length]...)})
	}
	return out
}
