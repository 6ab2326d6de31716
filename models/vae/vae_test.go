package vae_test

import (
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/vae"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// build makes a small model of class over 12×12 one-channel images.
func build(t *testing.T, class, enc string, params map[string]any, seed uint64) factory.Model {
	t.Helper()
	p := map[string]any{"encoder_type": enc}
	for k, v := range params {
		p[k] = v
	}
	cfg := config.ModelConfiguration{
		Name: "small", ModelClass: class, InputDim: config.Dims{12, 12, 1},
		HiddenDims: []int{8, 16}, OutputDim: config.Dims{4}, Parameters: p,
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(seed))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func images(seed uint64, n int) *tensor.Tensor {
	return tensor.NewRngs(seed).Stream("data").BernoulliP(0.3, n, 1, 12, 12)
}

func finite(t *testing.T, what string, x *tensor.Tensor) {
	t.Helper()
	for _, v := range x.Data() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("%s is not finite: %v", what, x)
		}
	}
}

func wantShape(t *testing.T, what string, x *tensor.Tensor, shape ...int) {
	t.Helper()
	if !tensor.SameShape(x.Shape(), shape) {
		t.Errorf("%s shape %v, want %v", what, x.Shape(), shape)
	}
}

func TestEveryClassAndNetworkTypeHasTheDocumentedShapes(t *testing.T) {
	x := images(1, 3)
	labels := []int{0, 1, 2}
	for _, enc := range vae.NetworkTypes {
		for _, class := range []string{"VAE", "BetaVAE", "CVAE", "VQVAE"} {
			t.Run(class+"/"+enc, func(t *testing.T) {
				m := build(t, class, enc, map[string]any{}, 0)
				rngs := nn.NewRngs(2)
				var l vae.Losses
				switch v := m.(type) {
				case *vae.VAE, *vae.BetaVAE:
					g := gaussianOf(m)
					mu, logvar := g.Encode(x)
					wantShape(t, "mu", mu, 3, 4)
					wantShape(t, "logvar", logvar, 3, 4)
					wantShape(t, "Decode", g.Decode(g.Reparameterize(mu, logvar, rngs)), 3, 1, 12, 12)
					wantShape(t, "Sample", g.Sample(5, 0.8, rngs), 5, 1, 12, 12)
					wantShape(t, "Reconstruct", g.Reconstruct(x), 3, 1, 12, 12)
					wantShape(t, "Interpolate", g.Interpolate(tensor.Narrow(x, 0, 0, 1), tensor.Narrow(x, 0, 1, 1), 6), 6, 1, 12, 12)
					wantShape(t, "LatentTraversal", g.LatentTraversal(tensor.Narrow(x, 0, 0, 1), 2, []float32{-2, 0, 2}), 3, 1, 12, 12)
					l = g.Loss(x, rngs)
				case *vae.ConditionalVAE:
					mu, _ := v.Encode(x, labels)
					wantShape(t, "mu", mu, 3, 4)
					wantShape(t, "Decode", v.Decode(mu, labels), 3, 1, 12, 12)
					wantShape(t, "Sample", v.Sample([]int{9, 3}, 1, rngs), 2, 1, 12, 12)
					wantShape(t, "Reconstruct", v.Reconstruct(x, labels), 3, 1, 12, 12)
					wantShape(t, "Interpolate", v.Interpolate(tensor.Narrow(x, 0, 0, 1), tensor.Narrow(x, 0, 1, 1), 1, 4), 4, 1, 12, 12)
					wantShape(t, "LatentTraversal", v.LatentTraversal(tensor.Narrow(x, 0, 0, 1), 5, 0, []float32{1, 2}), 2, 1, 12, 12)
					l = v.Loss(x, labels, rngs)
				case *vae.VQVAE:
					ze := v.Encode(x)
					wantShape(t, "z_e", ze, 3, 4, 64)
					zq, codes := v.Quantize(ze)
					wantShape(t, "z_q", zq, 3, 4, 64)
					if len(codes) != 12 {
						t.Errorf("%d codes, want 12", len(codes))
					}
					wantShape(t, "Decode", v.Decode(zq), 3, 1, 12, 12)
					wantShape(t, "Sample", v.Sample(5, rngs), 5, 1, 12, 12)
					wantShape(t, "Reconstruct", v.Reconstruct(x), 3, 1, 12, 12)
					wantShape(t, "Interpolate", v.Interpolate(tensor.Narrow(x, 0, 0, 1), tensor.Narrow(x, 0, 1, 1), 3), 3, 1, 12, 12)
					wantShape(t, "LatentTraversal", v.LatentTraversal(tensor.Narrow(x, 0, 0, 1), 1, []int{0, 7}), 2, 1, 12, 12)
					l = v.Loss(x, rngs)
					finite(t, "codebook", l.Codebook)
					finite(t, "commitment", l.Commitment)
				default:
					t.Fatalf("built %T", m)
				}
				finite(t, "total", l.Total)
				finite(t, "kl", l.KL)
				if r := l.Reconstruction.Item(); !(r > 0) {
					t.Errorf("reconstruction %v, want > 0 nats for Bernoulli data", r)
				}
				img := m.(models.ImageSampler).SampleImages(4, rngs)
				wantShape(t, "SampleImages", img, 4, 1, 12, 12)
				for _, p := range img.Data() {
					if p < 0 || p > 1 {
						t.Fatalf("SampleImages value %v outside [0, 1]", p)
					}
				}
				if _, ok := m.(models.Trainable); !ok {
					t.Errorf("%T is not models.Trainable", m)
				}
				if _, ok := m.(models.Evaluator); !ok {
					t.Errorf("%T is not models.Evaluator", m)
				}
			})
		}
	}
}

// gaussianOf returns the *vae.VAE of a VAE or BetaVAE.
func gaussianOf(m factory.Model) *vae.VAE {
	if b, ok := m.(*vae.BetaVAE); ok {
		return b.VAE
	}
	return m.(*vae.VAE)
}

func TestKLTermIsTheClosedFormAndMatchesTheSampledLogRatio(t *testing.T) {
	// Closed form: KL(N(1, 1) ‖ N(0, 1)) = 1/2 per dimension; KL(N(0, e) ‖ N(0, 1)) = (e - 2)/2.
	kl := tensor.KLStandardNormal(tensor.FromSlice([]float32{1, 0}), tensor.FromSlice([]float32{0, 1}))
	if math.Abs(float64(kl.Data()[0])-0.5) > 1e-6 || math.Abs(float64(kl.Data()[1])-(math.E-2)/2) > 1e-6 {
		t.Fatalf("KLStandardNormal = %v", kl)
	}
	// The negative ELBO averaged over many posterior samples is the
	// Monte-Carlo reconstruction plus the analytic KL.
	m := build(t, "VAE", "mlp", nil, 3).(*vae.VAE)
	test := dataset(t, images(4, 8))
	r, err := m.EvaluateWith(test, vae.EvalOptions{ImportanceSamples: 4000}, nn.NewRngs(5))
	if err != nil {
		t.Fatal(err)
	}
	if d := r["nelbo"] - r["reconstruction"] - r["kl"]; math.Abs(d) > 0.02*r["kl"]+0.01 {
		t.Errorf("nelbo %.4f - reconstruction %.4f - kl %.4f = %.4f, want ≈ 0", r["nelbo"], r["reconstruction"], r["kl"], d)
	}
}

func dataset(t *testing.T, x *tensor.Tensor) *data.Dataset {
	t.Helper()
	n := x.Dim(0)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 10
	}
	d, err := data.NewDataset(x.Data(), labels, x.Dim(1), x.Dim(2), x.Dim(3))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIWAEBoundIsBelowTheNegativeELBOAndEqualForOneSample(t *testing.T) {
	test := dataset(t, images(6, 10))
	for _, class := range []string{"VAE", "CVAE"} {
		m := build(t, class, "mlp", nil, 7).(models.Evaluator)
		ev := m.(interface {
			EvaluateWith(*data.Dataset, vae.EvalOptions, *tensor.Rngs) (map[string]float64, error)
		})
		one, err := ev.EvaluateWith(test, vae.EvalOptions{ImportanceSamples: 1}, nn.NewRngs(8))
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(one["iwae_nll"]-one["nelbo"]) > 1e-9*math.Abs(one["nelbo"]) {
			t.Errorf("%s k=1: iwae %.6f != nelbo %.6f", class, one["iwae_nll"], one["nelbo"])
		}
		// Chunks smaller than k split one example's samples over passes.
		var told []int
		progress := func(done, total int) {
			if total != 7 {
				t.Errorf("%s: progress told a total of %d examples, want 7", class, total)
			}
			told = append(told, done)
		}
		many, err := ev.EvaluateWith(test, vae.EvalOptions{ImportanceSamples: 50, Chunk: 16, Limit: 7, Progress: progress}, nn.NewRngs(8))
		if err != nil {
			t.Fatal(err)
		}
		// 16 rows per pass hold one example's 50 samples at most: one a group.
		if want := []int{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(told, want) {
			t.Errorf("%s: progress told %v, want %v", class, told, want)
		}
		if many["examples"] != 7 || many["importance_samples"] != 50 {
			t.Errorf("%s evaluated %v examples with k=%v, want 7 and 50", class, many["examples"], many["importance_samples"])
		}
		if !(many["iwae_nll"] < many["nelbo"]) {
			t.Errorf("%s k=50: iwae %.4f not below nelbo %.4f", class, many["iwae_nll"], many["nelbo"])
		}
	}
}

func TestSameSeedGivesTheSameModelAndSamples(t *testing.T) {
	for _, class := range []string{"VAE", "VQVAE"} {
		a := build(t, class, "cnn", nil, 11).(models.ImageSampler).SampleImages(3, nn.NewRngs(12))
		b := build(t, class, "cnn", nil, 11).(models.ImageSampler).SampleImages(3, nn.NewRngs(12))
		c := build(t, class, "cnn", nil, 13).(models.ImageSampler).SampleImages(3, nn.NewRngs(12))
		same := func(p, q *tensor.Tensor) bool {
			for i := range p.Data() {
				if p.Data()[i] != q.Data()[i] {
					return false
				}
			}
			return true
		}
		if !same(a, b) {
			t.Errorf("%s: same seed, different samples", class)
		}
		if same(a, c) {
			t.Errorf("%s: different seeds, same samples", class)
		}
	}
}

func TestBetaScheduleWarmsUpAndCapacityRises(t *testing.T) {
	m := build(t, "BetaVAE", "mlp", map[string]any{"beta": 4.0, "beta_warmup_steps": 4}, 0).(*vae.BetaVAE)
	x := images(1, 4)
	var betas []float64
	for range 6 {
		_, logs := m.TrainLoss(data.Batch{Images: x}, nn.NewRngs(1))
		betas = append(betas, logs["beta"])
	}
	want := []float64{0, 1, 2, 3, 4, 4}
	for i := range want {
		if betas[i] != want[i] {
			t.Fatalf("beta by step %v, want %v", betas, want)
		}
	}
	if m.Steps() != 6 {
		t.Errorf("Steps() = %d after 6 training steps", m.Steps())
	}
	found := false
	for _, p := range nn.State(m) {
		if p.Name == "step" && p.Tensor.Data()[0] == 6 {
			found = p.Tensor.RequiresGrad() == false
		}
	}
	if !found {
		t.Error("the step counter is not a non-trainable tensor named \"step\" in nn.State")
	}

	c := build(t, "BetaVAE", "mlp", map[string]any{"use_capacity": true, "capacity_max": 10.0, "capacity_steps": 5, "gamma": 100.0}, 0).(*vae.BetaVAE)
	s := c.Schedule()
	if s.Capacity(0) != 0 || s.Capacity(2) != 4 || s.Capacity(99) != 10 {
		t.Errorf("capacity 0, 2, 99 = %v %v %v, want 0 4 10", s.Capacity(0), s.Capacity(2), s.Capacity(99))
	}
	l := c.Loss(x, nn.NewRngs(1))
	want0 := l.Reconstruction.Item() + 100*float32(math.Abs(float64(l.KL.Item())))
	if math.Abs(float64(l.Total.Item()-want0)) > 1e-3*float64(want0) {
		t.Errorf("capacity loss %v, want reconstruction + gamma·|KL - 0| = %v", l.Total.Item(), want0)
	}
}

func TestVQVAEStraightThroughGradientReachesTheEncoder(t *testing.T) {
	m := build(t, "VQVAE", "cnn", map[string]any{"num_embeddings": 16, "embedding_dim": 8}, 0).(*vae.VQVAE)
	m.Loss(images(1, 4), nil).Reconstruction.Backward()
	g := m.PreQuant.Weight.Grad()
	if g == nil {
		t.Fatal("no gradient reached the encoder through the quantiser")
	}
	norm := 0.0
	for _, v := range g.Data() {
		norm += float64(v * v)
	}
	if norm == 0 {
		t.Fatal("the encoder's gradient through the quantiser is zero")
	}
	if m.Codebook.Grad() != nil {
		t.Error("the reconstruction term alone gave the codebook a gradient; it should reach only the encoder")
	}
}

func TestVQVAEEMAMovesTheCodebookWithoutGradients(t *testing.T) {
	m := build(t, "VQVAE", "mlp", map[string]any{"num_embeddings": 8, "embedding_dim": 4, "use_ema": true}, 0).(*vae.VQVAE)
	for _, p := range nn.Parameters(m) {
		if p.Tensor == m.Codebook {
			t.Fatal("the EMA codebook is a trainable parameter")
		}
	}
	before := m.Codebook.Clone()
	_, logs := m.TrainLoss(data.Batch{Images: images(2, 6)}, nil)
	if logs["codebook"] != 0 {
		t.Errorf("codebook loss %v with EMA, want 0", logs["codebook"])
	}
	moved := false
	for i, v := range m.Codebook.Data() {
		moved = moved || v != before.Data()[i]
	}
	if !moved {
		t.Error("a training step left the EMA codebook unchanged")
	}
	m.SetTraining(false)
	before = m.Codebook.Clone()
	m.Loss(images(3, 6), nil)
	for i, v := range m.Codebook.Data() {
		if v != before.Data()[i] {
			t.Fatal("the EMA codebook moved in evaluation mode")
		}
	}
}

func TestCategoricalLikelihoodOnProteinSequences(t *testing.T) {
	m, err := zoo.CreateModel("vae_protein", nn.NewRngs(0), zoo.Overrides{"hidden_dims": []int{32}})
	if err != nil {
		t.Fatal(err)
	}
	v := m.(*vae.VAE)
	s := tensor.NewRngs(1).Stream("seq")
	ids := make([]int, 2*128)
	for i := range ids {
		ids[i] = s.Intn(21)
	}
	x := tensor.Reshape(tensor.OneHot(ids, 21), 2, 128, 21)
	l := v.Loss(x, nn.NewRngs(2))
	// An untrained decoder is near uniform: about log 21 nats per residue.
	if r := float64(l.Reconstruction.Item()) / 128; math.Abs(r-math.Log(21)) > 0.5 {
		t.Errorf("reconstruction %.3f nats per residue, want ≈ log 21 = %.3f", r, math.Log(21))
	}
	p := v.Sample(3, 1, nn.NewRngs(3))
	wantShape(t, "Sample", p, 3, 128, 21)
	sum := tensor.SumAxes(p, []int{-1}, false)
	for _, s := range sum.Data() {
		if math.Abs(float64(s)-1) > 1e-4 {
			t.Fatalf("residue probabilities sum to %v", s)
		}
	}
}

func TestZooVAEMNISTIsATrainableImageModel(t *testing.T) {
	m, err := zoo.CreateModel("vae_mnist", nn.NewRngs(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := m.(*vae.VAE)
	if !ok {
		t.Fatalf("vae_mnist built %T", m)
	}
	wantShape(t, "SampleImages", v.SampleImages(2, nn.NewRngs(1)), 2, 1, 28, 28)
}

// TestVAELearnsRealMNIST: a few dozen Adam steps on one real MNIST batch
// must clearly lower the loss.
func TestVAELearnsRealMNIST(t *testing.T) {
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		datatest.Skipf(t, "real MNIST is not installed here, so the learning check cannot run:\n%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = i
	}
	sub, err := train.Subset(idx)
	if err != nil {
		t.Fatal(err)
	}
	x := data.DynamicBinarize(tensor.NewRngs(0).Stream("bin"))(sub.Images())
	cfg := config.ModelConfiguration{
		Name: "learn", ModelClass: "VAE", InputDim: config.Dims{28, 28, 1},
		HiddenDims: []int{128}, OutputDim: config.Dims{8},
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	v := m.(*vae.VAE)
	opt, err := optim.NewAdam(nn.Parameters(v), optim.AdamConfig{LR: 3e-3})
	if err != nil {
		t.Fatal(err)
	}
	rngs := nn.NewRngs(2)
	var first, last float64
	for step := range 40 {
		opt.ZeroGrad()
		loss, logs := v.TrainLoss(data.Batch{Images: x}, rngs)
		loss.Backward()
		opt.Step()
		if step == 0 {
			first = logs["loss"]
		}
		last = logs["loss"]
	}
	t.Logf("loss %.1f → %.1f nats after 40 steps", first, last)
	if !(last < 0.6*first) {
		t.Errorf("loss %.1f → %.1f: did not fall clearly", first, last)
	}
}

func TestVQVAEEvaluationReportsNELBOAndCodeUsage(t *testing.T) {
	m := build(t, "VQVAE", "mlp", map[string]any{"num_embeddings": 8, "embedding_dim": 4}, 0).(*vae.VQVAE)
	r, err := m.EvaluateWith(dataset(t, images(1, 5)), vae.EvalOptions{Chunk: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if kl := 4 * math.Log(8); math.Abs(r["kl"]-kl) > 1e-5 || math.Abs(r["nelbo"]-r["reconstruction"]-kl) > 1e-4 {
		t.Errorf("kl %v nelbo %v reconstruction %v; want kl = 4·log 8 and nelbo = reconstruction + kl", r["kl"], r["nelbo"], r["reconstruction"])
	}
	if p := r["perplexity"]; p < 1 || p > 8 {
		t.Errorf("perplexity %v outside [1, 8]", p)
	}
}

func TestEvaluateRejectsMismatchedTestSets(t *testing.T) {
	m := build(t, "VAE", "mlp", nil, 0).(*vae.VAE)
	other, err := data.NewDataset(make([]float32, 2*28*28), nil, 1, 28, 28)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Evaluate(other, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "do not fit input_dim") {
		t.Errorf("28×28 test set for a 12×12 model: %v", err)
	}
	if _, err := m.Evaluate(dataset(t, images(1, 2)), nil); err == nil {
		t.Error("nil rngs accepted")
	}
	c := build(t, "CVAE", "mlp", nil, 0).(*vae.ConditionalVAE)
	unlabelled, _ := data.NewDataset(make([]float32, 2*144), nil, 1, 12, 12)
	if _, err := c.Evaluate(unlabelled, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "labelled") {
		t.Errorf("unlabelled test set for a conditional model: %v", err)
	}
}
