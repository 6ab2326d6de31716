package protein

import (
	"fmt"
	"math"
	"os"

	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/tensor"
)

// Ideal carbonyl geometry (Engh & Huber): the C=O bond length in ångström
// and the CA-C-O angle in radians.
const BondCO = 1.231

// AngleCACO is the ideal CA-C-O bond angle in radians.
var AngleCACO = 120.5 * math.Pi / 180

// terminalPsi is the psi (radians) assumed when placing the carbonyl
// oxygen of a chain's last residue, which has no next N to fix it: that
// of an extended strand.
var terminalPsi = 120 * math.Pi / 180

// AddCarbonylOxygens places the O atom of every residue of c that has N,
// CA and C but no O, with ideal geometry: in the peptide plane, C=O
// BondCO, CA-C-O AngleCACO and trans to the next residue's N (dihedral
// N(i+1)-CA-C-O of 180°). The last residue, or one before a chain break,
// gets the O of psi = 120° (N-CA-C-O = psi + 180°).
func AddCarbonylOxygens(c *Chain) {
	for i := range c.Residues {
		r := &c.Residues[i]
		if !r.HasBackbone() || r.Mask[AtomO] {
			continue
		}
		CA, C := r.Positions[AtomCA], r.Positions[AtomC]
		var o Vec3
		if i+1 < len(c.Residues) && c.Residues[i+1].Mask[AtomN] && Distance(C, c.Residues[i+1].Positions[AtomN]) < PeptideBreak {
			o = placeAtom(c.Residues[i+1].Positions[AtomN], CA, C, BondCO, AngleCACO, math.Pi)
		} else {
			o = placeAtom(r.Positions[AtomN], CA, C, BondCO, AngleCACO, terminalPsi+math.Pi)
		}
		r.Positions[AtomO], r.Mask[AtomO] = o, true
		if r.Occupancy[AtomO] == 0 {
			r.Occupancy[AtomO] = 1
		}
	}
}

// BackboneStructure returns a structure of one chain A of glycines
// numbered from 1 made from a sampled backbone: N, CA, C per residue,
// with the carbonyl oxygens added (AddCarbonylOxygens), or with caOnly
// a CA trace. It is what a viewer needs to draw a sample.
func BackboneStructure(pts []Vec3, caOnly bool) *Structure {
	if caOnly {
		return &Structure{Chains: []*Chain{ChainFromCA("A", pts)}}
	}
	c := ChainFromBackbone("A", pts, nil)
	AddCarbonylOxygens(c)
	return &Structure{Chains: []*Chain{c}}
}

// SampleStructures draws n structures from the wrapped model as
// SampleBackbonesWith does and returns them as BackboneStructure makes
// them: full backbones (N, CA, C, O) for angle and backbone models, CA
// traces for CA models.
func (a *Adapted) SampleStructures(n int, opts diffusion.SampleOptions, rngs *tensor.Rngs) ([]*Structure, error) {
	if n <= 0 {
		return nil, fmt.Errorf("protein: number of structures must be > 0, got %d", n)
	}
	bbs, err := a.SampleBackbonesWith(n, opts, rngs)
	if err != nil {
		return nil, err
	}
	out := make([]*Structure, len(bbs))
	for i, b := range bbs {
		out[i] = BackboneStructure(b, a.rep == RepCA)
	}
	return out, nil
}

// Diffusion returns the wrapped DDPM, nil when the wrapped model is not
// one.
func (a *Adapted) Diffusion() *diffusion.DDPM { return a.ddpm }

// SampleFile implements models.FileSampler: the trainer writes one sampled
// structure, samples.pdb, at the end of a run (a Sequences writes
// samples.fasta).
func (a *Adapted) SampleFile() string { return "samples.pdb" }

// WriteSample draws one structure with the wrapped model's own sampling
// settings and writes it to path as PDB.
func (a *Adapted) WriteSample(path string, rngs *tensor.Rngs) error {
	s, err := a.SampleStructures(1, diffusion.SampleOptions{Eta: -1}, rngs)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WritePDB(f, s[0]); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
