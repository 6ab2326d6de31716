package protein_test

import (
	"bytes"
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
)

// The oxygens placed from ideal geometry sit where the crystal structure
// has them: within a few tenths of an ångström on a real chain.
func TestCarbonylOxygensMatchARealStructure(t *testing.T) {
	c := testChain(t)
	want := map[int]protein.Vec3{}
	for i := range c.Residues {
		r := &c.Residues[i]
		if r.Mask[protein.AtomO] {
			want[i] = r.Positions[protein.AtomO]
			r.Mask[protein.AtomO] = false
		}
	}
	protein.AddCarbonylOxygens(c)
	var s float64
	var n int
	for i, o := range want {
		r := &c.Residues[i]
		if !r.Mask[protein.AtomO] {
			t.Fatalf("residue %d got no O", r.Seq)
		}
		if d := protein.Distance(r.Positions[protein.AtomO], r.Positions[protein.AtomC]); math.Abs(d-protein.BondCO) > 1e-9 {
			t.Errorf("residue %d: C=O %.4f Å, want %.3f", r.Seq, d, protein.BondCO)
		}
		if i+1 == len(c.Residues) {
			continue // the terminal O depends on the assumed psi
		}
		d := protein.Distance(r.Positions[protein.AtomO], o)
		s += d * d
		n++
	}
	rmsd := math.Sqrt(s / float64(n))
	t.Logf("placed carbonyl O vs 1BXY: RMSD %.3f Å over %d residues", rmsd, n)
	if n < 50 || rmsd > 0.25 {
		t.Errorf("placed O RMSD %.3f Å over %d residues, want < 0.25", rmsd, n)
	}
}

// A sampled backbone is written as PDB records a viewer reads: fixed
// columns, chain A, residues numbered from 1, N, CA, C, O per residue.
func TestBackboneStructureWritesAViewableBackbone(t *testing.T) {
	pts := protein.RandomWalkBackbone(12, func() func() float64 {
		x := 0.3
		return func() float64 { x = math.Mod(x*7.13+0.17, 1); return x }
	}())
	var buf bytes.Buffer
	if err := protein.WritePDB(&buf, protein.BackboneStructure(pts, false)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4*12+2 || lines[len(lines)-2][:3] != "TER" || lines[len(lines)-1] != "END" {
		t.Fatalf("%d lines, ending %q", len(lines), lines[len(lines)-2:])
	}
	for i, l := range lines[:48] {
		atom := []string{"N", "CA", "C", "O"}[i%4]
		seq, err := strconv.Atoi(strings.TrimSpace(l[22:26]))
		serial, err2 := strconv.Atoi(strings.TrimSpace(l[6:11]))
		if len(l) < 78 || l[:6] != "ATOM  " || strings.TrimSpace(l[12:16]) != atom || l[17:20] != "GLY" || l[21] != 'A' ||
			err != nil || seq != i/4+1 || err2 != nil || serial != i+1 || strings.TrimSpace(l[76:78]) != atom[:1] {
			t.Fatalf("line %d is not ATOM %d %s GLY A %d: %q", i+1, i+1, atom, i/4+1, l)
		}
		for k := range 3 {
			v, err := strconv.ParseFloat(strings.TrimSpace(l[30+8*k:38+8*k]), 64)
			if err != nil || math.Abs(v-pts[3*(i/4)+min(i%4, 2)][k]) > 5 {
				t.Fatalf("line %d: coordinate %d unreadable: %q", i+1, k, l)
			}
		}
	}
	back, err := protein.ParsePDB(&buf)
	if err != nil || len(back.Chains) != 1 || back.Chains[0].Len() != 12 {
		t.Fatalf("read back %v, %v", back, err)
	}
	got, _ := back.Chains[0].Backbone()
	for i := range pts {
		if protein.Distance(got[i], pts[i]) > 1e-3 {
			t.Fatalf("atom %d read back at %v, written %v", i, got[i], pts[i])
		}
	}
	ca := protein.BackboneStructure(pts[:6], true)
	if r := ca.Chains[0].Residues; len(r) != 6 || r[0].Mask[protein.AtomN] || !r[0].Mask[protein.AtomCA] {
		t.Errorf("a CA trace became %d residues with N %v", len(r), r[0].Mask[protein.AtomN])
	}
}

// tinyFoldingDiff builds a small angle-space DDPM adapted to proteins.
func tinyFoldingDiff(t *testing.T, length int) *protein.Adapted {
	t.Helper()
	cfg := config.ModelConfiguration{
		Name: "foldingdiff_test", ModelClass: "DDPM", InputDim: config.Dims{length, 6}, HiddenDims: []int{16}, Activation: "gelu",
		Parameters: map[string]any{"noise_steps": 50, "beta_schedule": "cosine", "backbone": "transformer", "num_layers": 1, "num_heads": 2,
			"wrapped_angles": true, "sampler": "ddim", "sampling_steps": 5},
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(3), factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	return m.(*protein.Adapted)
}

// Evaluate puts the samples next to the test structures and random
// walks; the real windows are far more often in allowed Ramachandran
// regions than random walks, and angle-space backbones have ideal bonds.
func TestEvaluateComparesSamplesWithRealAndRandomBackbones(t *testing.T) {
	const length = 40
	ds, err := protein.AngleWindows([]*protein.Chain{testChain(t)}, length, 5)
	if err != nil {
		t.Fatal(err)
	}
	a := tinyFoldingDiff(t, length)
	nn.SetTraining(a, false)
	var got map[string]float64
	tensor.NoGrad(func() { got, err = a.Evaluate(ds, tensor.NewRngs(4)) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", got)
	for _, g := range []string{protein.GroupSamples, protein.GroupTest, protein.GroupRandomWalk} {
		for _, k := range []string{"bond_length_rmsd", "bond_angle_rmsd", "rama_allowed", "rama_alpha", "clash"} {
			v, ok := got[k+"/"+g]
			if !ok || math.IsNaN(v) {
				t.Errorf("%s/%s = %v, %v", k, g, v, ok)
			}
		}
		if got["bond_length_rmsd/"+g] > 1e-6 {
			t.Errorf("angle-space %s have bond-length RMSD %g, want 0 (ideal bonds)", g, got["bond_length_rmsd/"+g])
		}
	}
	if got["rama_allowed/test"] < 0.9 || got["rama_allowed/random_walk"] > 0.7 {
		t.Errorf("allowed Ramachandran fraction: test %.3f (want > 0.9), random walk %.3f (want < 0.7)", got["rama_allowed/test"], got["rama_allowed/random_walk"])
	}
	if got["bond_angle_rmsd/random_walk"] > 1e-6 || got["bond_angle_rmsd/test"] < 0.5 {
		t.Errorf("bond-angle RMSD: random walk %g (ideal), test %g (real)", got["bond_angle_rmsd/random_walk"], got["bond_angle_rmsd/test"])
	}
	if got["structures/samples"] != float64(ds.Len()) {
		t.Errorf("%v structures sampled for %d test windows", got["structures/samples"], ds.Len())
	}
	structures, err := a.SampleStructures(2, diffusion.SampleOptions{Sampler: "ddim", Steps: 2, Eta: -1}, tensor.NewRngs(5))
	if err != nil || len(structures) != 2 || structures[0].Chains[0].Len() != length || !structures[0].Chains[0].Residues[3].Mask[protein.AtomO] {
		t.Errorf("SampleStructures: %v, %v", structures, err)
	}
	wide, err := data.NewDataset(make([]float32, 2*12*length), nil, 1, length, 12)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Evaluate(wide, tensor.NewRngs(1)); err == nil || !strings.Contains(err.Error(), "angles") {
		t.Errorf("examples of the wrong width: err %v", err)
	}
}

// A CA model is evaluated on CA–CA distances and clashes, and its
// samples are CA traces.
func TestEvaluateOfACAModel(t *testing.T) {
	cfg := config.ModelConfiguration{
		Name: "ca", ModelClass: "GraphModel", InputDim: config.Dims{16, 3}, HiddenDims: []int{8},
		Parameters: map[string]any{"noise_steps": 10, "num_layers": 1, "index_embedding_dim": 4},
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	a := m.(*protein.Adapted)
	ds, err := protein.CATraces([]*protein.Chain{testChain(t)}, 16, 8)
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Evaluate(ds, tensor.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	if v := got["ca_ca_rmsd/test"]; v > 0.1 || got["ca_ca_rmsd/samples"] <= v || got["clash/test"] != 0 {
		t.Errorf("CA metrics %v: the real traces have CA–CA 3.80 Å and no clashes", got)
	}
	if _, ok := got["ca_ca_rmsd/random_walk"]; ok || got["rama_allowed/samples"] != 0 {
		t.Errorf("CA metrics %v: no random walks or Ramachandran for CA traces", got)
	}
	s, err := a.SampleStructures(1, diffusion.SampleOptions{}, tensor.NewRngs(2))
	if err != nil || s[0].Chains[0].Len() != 16 || s[0].Chains[0].Residues[0].Mask[protein.AtomN] {
		t.Errorf("CA sample: %v", err)
	}
}

// A protein diffusion model that keeps a weight average samples the same
// structures after its checkpoint is reloaded: the trainer saves and
// restores the wrapped DDPM's average through Adapted.EMA. (It once
// sampled a reloaded model with the average it was rebuilt with, the
// initial weights, whatever the training.)
func TestReloadedDiffusionSamplesWithItsTrainedAverage(t *testing.T) {
	const length = 40
	ds, err := protein.AngleWindows([]*protein.Chain{testChain(t)}, length, 5)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.ModelConfiguration{
		Name: "foldingdiff_ema", ModelClass: "DDPM", InputDim: config.Dims{length, 6}, HiddenDims: []int{16}, Activation: "gelu",
		Parameters: map[string]any{"noise_steps": 50, "beta_schedule": "cosine", "backbone": "transformer", "num_layers": 1, "num_heads": 2,
			"wrapped_angles": true, "sampler": "ddim", "sampling_steps": 3, "ema_decay": 0.5},
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(3), factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	a := m.(*protein.Adapted)
	if a.EMA() == nil {
		t.Fatal("the adapted DDPM shows no weight average")
	}
	s := train.DefaultSettings
	s.Dataset, s.Steps, s.BatchSize, s.LearningRate = "protein_angles", 4, 2, 0.01
	dir := t.TempDir()
	tr, err := train.New(a, ds, nn.NewRngs(3), s, train.Options{OutDir: dir, Quiet: true, Samples: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	nn.SetTraining(a, false)
	before, err := a.SampleBackbones(2, tensor.NewRngs(7))
	if err != nil {
		t.Fatal(err)
	}
	c, err := job.LoadCheckpoint(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	after, err := c.Model.(*protein.Adapted).SampleBackbones(2, tensor.NewRngs(7))
	if err != nil {
		t.Fatal(err)
	}
	for k := range before {
		for i := range before[k] {
			if protein.Distance(before[k][i], after[k][i]) > 1e-4 {
				t.Fatalf("structure %d atom %d: %v before the reload, %v after", k, i, before[k][i], after[k][i])
			}
		}
	}
}
