//go:build long

package protein_test

// Quality runs of the protein zoo models on the real PDB files in
// ../shared/data/pdb (skipped when absent). Run with
//
//	ARTIFEX_STEPS=300 nice -n 10 go test -tags long -run Quality -v -timeout 2h ./modality/protein
//
// Each run trains a small model through factory.CreateModel(...,
// WithModality("protein")), samples backbones, writes them as PDB files
// under $ARTIFEX_OUT (default: a temporary directory) and logs their
// geometry next to that of the real test structures and of random walks.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

var sharedPDB = filepath.Join("..", "..", "..", "shared", "data", "pdb")

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func outDir(t *testing.T) string {
	if d := os.Getenv("ARTIFEX_OUT"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// geometrySummary logs bond-length/angle RMSD, allowed Ramachandran
// fraction and clash score averaged over backbones (N, CA, C per residue).
func geometrySummary(t *testing.T, what string, bbs [][]protein.Vec3) {
	var bl, ba, allowed, alpha, beta, clash float64
	for _, b := range bbs {
		g := protein.MeasureBackbone(b)
		bl += g.BondLengthRMSD
		ba += g.BondAngleRMSD
		phi, psi := protein.DihedralsOfBackbone(b)
		r := protein.Ramachandran(phi, psi)
		allowed += r["allowed"]
		alpha += r["alpha"]
		beta += r["beta"]
		ca := make([]protein.Vec3, 0, len(b)/3)
		for i := 1; i < len(b); i += 3 {
			ca = append(ca, b[i])
		}
		clash += protein.ClashScore(ca)
	}
	n := float64(len(bbs))
	t.Logf("%-22s n=%3d  bond-length RMSD %.4f Å  bond-angle RMSD %6.2f°  Ramachandran allowed %.3f (alpha %.3f, beta %.3f)  clash %.4f",
		what, len(bbs), bl/n, ba/n, allowed/n, alpha/n, beta/n, clash/n)
}

func trainSteps(t *testing.T, m factory.Model, ds *data.Dataset, steps, batch int, lr float64) {
	tr := m.(*protein.Adapted)
	opt, err := optim.NewAdamW(nn.Parameters(tr), optim.AdamConfig{LR: lr})
	if err != nil {
		t.Fatal(err)
	}
	rngs := tensor.NewRngs(1)
	perm := rngs.Stream("order").Permutation(ds.Len())
	start := time.Now()
	for i := range steps {
		idx := make([]int, batch)
		for k := range idx {
			idx[k] = perm[(i*batch+k)%len(perm)]
		}
		opt.ZeroGrad()
		loss, logs := tr.TrainLoss(data.Batch{Images: tensor.IndexSelect(ds.Images(), 0, idx)}, rngs)
		loss.Backward()
		optim.ClipGradNorm(opt.Params(), 1)
		opt.Step()
		if i%20 == 0 || i == steps-1 {
			t.Logf("step %4d  %v  (%.0f s)", i, logs, time.Since(start).Seconds())
		}
	}
}

func writeSamples(t *testing.T, dir, prefix string, bbs [][]protein.Vec3, perResidue int) {
	for i, b := range bbs {
		var c *protein.Chain
		if perResidue == 3 {
			c = protein.ChainFromBackbone("A", b, nil)
		} else {
			c = protein.ChainFromCA("A", b)
		}
		if err := protein.SavePDB(filepath.Join(dir, fmt.Sprintf("%s_%02d.pdb", prefix, i)), &protein.Structure{Chains: []*protein.Chain{c}}); err != nil {
			t.Fatal(err)
		}
	}
}

// realBackbones returns the complete, unbroken backbone segments of at
// least minLen residues of the chains of split.
func realBackbones(t *testing.T, split string, minLen int) [][]protein.Vec3 {
	chains, err := protein.LoadChains(sharedPDB, split)
	if err != nil {
		t.Skipf("real PDB files: %v", err)
	}
	var out [][]protein.Vec3
	for _, c := range chains {
		pts, mask := c.Backbone()
		start := 0
		flush := func(end int) {
			if end-start >= minLen {
				out = append(out, pts[3*start:3*end])
			}
			start = end + 1
		}
		for i, m := range mask {
			switch {
			case !m:
				flush(i)
			case i > start && protein.Distance(pts[3*i-1], pts[3*i]) > protein.PeptideBreak:
				flush(i)
				start = i
			}
		}
		flush(len(mask))
	}
	return out
}

// TestQualityRealAndRandomGeometry gives the reference numbers the
// samples are compared with: real test structures and random walks.
func TestQualityRealAndRandomGeometry(t *testing.T) {
	geometrySummary(t, "real test structures", realBackbones(t, "test", protein.MinChainLength))
	geometrySummary(t, "real train structures", realBackbones(t, "train", protein.MinChainLength))
	rng := rand.New(rand.NewPCG(5, 6))
	var walks [][]protein.Vec3
	for range 16 {
		walks = append(walks, protein.RandomWalkBackbone(protein.AngleLength, rng.Float64))
	}
	geometrySummary(t, "random-walk backbones", walks)
}

func TestQualityFoldingDiffSamples(t *testing.T) {
	chains, err := protein.LoadChains(sharedPDB, "train")
	if err != nil {
		t.Skipf("real PDB files: %v", err)
	}
	ds, err := protein.AngleWindows(chains, protein.AngleLength, protein.AngleLength/8)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.ModelConfiguration{
		Name: "foldingdiff_small", ModelClass: "artifex.generative_models.models.diffusion.DDPM",
		InputDim: config.Dims{protein.AngleLength, 6}, HiddenDims: []int{envInt("ARTIFEX_WIDTH", 64)}, Activation: "gelu",
		Parameters: map[string]any{"noise_steps": 1000, "beta_schedule": "cosine", "num_layers": envInt("ARTIFEX_LAYERS", 2), "num_heads": 4,
			"wrapped_angles": true, "loss_type": "huber", "sampler": "ddim", "sampling_steps": 50, "ema_decay": 0.99},
		Metadata: map[string]any{"bond_angle_weight": 0.1},
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	steps := envInt("ARTIFEX_STEPS", 300)
	t.Logf("%d angle windows of %d residues; %d steps", ds.Len(), protein.AngleLength, steps)
	trainSteps(t, m, ds, steps, 16, 5e-4)
	var bbs [][]protein.Vec3
	tensor.NoGrad(func() {
		bbs, err = m.(*protein.Adapted).SampleBackbones(envInt("ARTIFEX_SAMPLES", 16), tensor.NewRngs(7))
	})
	if err != nil {
		t.Fatal(err)
	}
	writeSamples(t, outDir(t), "foldingdiff", bbs, 3)
	geometrySummary(t, "foldingdiff samples", bbs)
	TestQualityRealAndRandomGeometry(t)
}

func TestQualityEGNNCASamples(t *testing.T) {
	chains, err := protein.LoadChains(sharedPDB, "train")
	if err != nil {
		t.Skipf("real PDB files: %v", err)
	}
	ds, err := protein.CATraces(chains, protein.CALength, protein.CALength/4)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.ModelConfiguration{
		Name: "egnn_ca", ModelClass: "GraphModel", InputDim: config.Dims{protein.CALength, 3}, HiddenDims: []int{32},
		Parameters: map[string]any{"num_layers": 4, "noise_steps": 500, "index_embedding_dim": 16},
		Metadata:   map[string]any{"bond_length_weight": 0.01},
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	steps := envInt("ARTIFEX_STEPS", 300)
	trainSteps(t, m, ds, steps, 8, 5e-4)
	var cas [][]protein.Vec3
	tensor.NoGrad(func() {
		cas, err = m.(*protein.Adapted).SampleBackbones(envInt("ARTIFEX_SAMPLES", 8), tensor.NewRngs(7))
	})
	if err != nil {
		t.Fatal(err)
	}
	writeSamples(t, outDir(t), "egnn_ca", cas, 1)
	caDev := func(set [][]protein.Vec3) (rmsd, clash float64) {
		for _, ca := range set {
			s := 0.0
			for i := 1; i < len(ca); i++ {
				d := protein.Distance(ca[i-1], ca[i]) - protein.BondCACA
				s += d * d
			}
			rmsd += math.Sqrt(s / float64(len(ca)-1))
			clash += protein.ClashScore(ca)
		}
		return rmsd / float64(len(set)), clash / float64(len(set))
	}
	r, c := caDev(cas)
	t.Logf("egnn samples: CA–CA bond RMSD from 3.80 Å %.3f Å, clash %.4f", r, c)
	var real [][]protein.Vec3
	for _, b := range realBackbones(t, "test", protein.MinChainLength) {
		ca := make([]protein.Vec3, 0, len(b)/3)
		for i := 1; i < len(b); i += 3 {
			ca = append(ca, b[i])
		}
		real = append(real, ca)
	}
	r, c = caDev(real)
	t.Logf("real test CA traces: CA–CA bond RMSD %.3f Å, clash %.4f", r, c)
}
