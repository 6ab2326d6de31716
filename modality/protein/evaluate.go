package protein

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/tensor"
)

// Groups of the metrics of Adapted.Evaluate and Sequences.Evaluate: the
// model's samples, the test examples, and baselines of the same length:
// random-walk backbones for structures, uniformly random residues for
// sequences.
const (
	GroupSamples    = "samples"
	GroupTest       = "test"
	GroupRandomWalk = "random_walk"
	GroupUniform    = "uniform"
)

// MaxEvalSamples caps the structures Adapted.Evaluate draws (and the
// random walks it makes): as many as test examples, at most this many.
const MaxEvalSamples = 64

// StructureMetrics returns the geometry of backbones averaged over them:
// for N, CA, C backbones the bond-length RMSD from ideal (Å), bond-angle
// RMSD (degrees), the fractions of phi/psi pairs in the allowed
// Ramachandran regions (and in alpha, beta, left_alpha) and the CA clash
// score; for CA traces (caOnly) the RMSD of CA-CA distances from 3.80 Å
// and the clash score.
func StructureMetrics(bbs [][]Vec3, caOnly bool) map[string]float64 {
	out := map[string]float64{}
	if len(bbs) == 0 {
		return out
	}
	for _, b := range bbs {
		ca := b
		if caOnly {
			s := 0.0
			for i := 1; i < len(b); i++ {
				d := Distance(b[i-1], b[i]) - BondCACA
				s += d * d
			}
			out["ca_ca_rmsd"] += math.Sqrt(s / float64(max(1, len(b)-1)))
		} else {
			g := MeasureBackbone(b)
			out["bond_length_rmsd"] += g.BondLengthRMSD
			out["bond_angle_rmsd"] += g.BondAngleRMSD
			phi, psi := DihedralsOfBackbone(b)
			for k, v := range Ramachandran(phi, psi) {
				out["rama_"+k] += v
			}
			ca = make([]Vec3, 0, len(b)/3)
			for i := 1; i < len(b); i += 3 {
				ca = append(ca, b[i])
			}
		}
		out["clash"] += ClashScore(ca)
	}
	for k := range out {
		out[k] /= float64(len(bbs))
	}
	return out
}

// Evaluate implements models.Evaluator for structure models: the geometry
// of StructureMetrics for min(test examples, MaxEvalSamples) sampled
// structures, for the test examples and for as many random-walk
// backbones (ideal bonds, uniform phi/psi; not for CA models), under keys
// "METRIC/GROUP" with the groups GroupSamples, GroupTest and
// GroupRandomWalk. Angle-space models rebuild every backbone with ideal
// bond lengths (BuildBackbone), so their bond-length RMSD is 0 by
// construction, for the test windows too; their bond angles and dihedrals
// are what is measured. Sequence models are evaluated by
// Sequences.Evaluate.
func (a *Adapted) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	if test.Len() == 0 {
		return nil, fmt.Errorf("protein: the test split holds no examples")
	}
	n := min(test.Len(), MaxEvalSamples)
	samples, err := a.SampleBackbones(n, rngs)
	if err != nil {
		return nil, err
	}
	real, err := a.Backbones(tensor.Narrow(test.Images(), 0, 0, n))
	if err != nil {
		return nil, err
	}
	groups := map[string][][]Vec3{GroupSamples: samples, GroupTest: real}
	if a.rep != RepCA {
		s := rngs.Stream("protein/random_walk")
		walks := make([][]Vec3, n)
		for i := range walks {
			walks[i] = RandomWalkBackbone(a.length, s.Float64)
		}
		groups[GroupRandomWalk] = walks
	}
	out := map[string]float64{}
	for g, bbs := range groups {
		for k, v := range StructureMetrics(bbs, a.rep == RepCA) {
			out[k+"/"+g] = v
		}
	}
	out["structures/"+GroupSamples] = float64(n)
	return out, nil
}
