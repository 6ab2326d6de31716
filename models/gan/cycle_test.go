package gan_test

import (
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/fittest"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func cycleConfig(params map[string]any) config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "cycle", ModelClass: "artifex.generative_models.models.gan.CycleGAN",
		InputDim: config.Dims{28, 28, 1}, HiddenDims: []int{8},
		Parameters: params,
	}
}

func buildCycle(t *testing.T, params map[string]any) *gan.CycleGAN {
	t.Helper()
	m, err := factory.CreateModel(cycleConfig(params), nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	return m.(*gan.CycleGAN)
}

func TestCycleGANShapesAndDomains(t *testing.T) {
	m := buildCycle(t, map[string]any{"discriminator_features": []int{8, 16}, "residual_blocks": 1})
	var _ models.Stepper = m
	x := nn.NewRngs(1).Sample().Uniform(0, 1, 3, 1, 28, 28)
	for _, toB := range []bool{true, false} {
		y, err := m.Translate(x, toB)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(y.Shape(), x.Shape()) {
			t.Fatalf("Translate shape %v, want %v", y.Shape(), x.Shape())
		}
	}
	if d := m.DA.Forward(x); !slices.Equal(d.Shape(), []int{3, 1, 7, 7}) {
		t.Errorf("PatchGAN output %v, want [3 1 7 7] (one logit per patch)", d.Shape())
	}
	inv, _ := m.ToDomainB(x)
	for i, v := range inv.Data() {
		if math.Abs(float64(v+x.Data()[i]-1)) > 1e-6 {
			t.Fatalf("inverted domain: pixel %d is %g for %g", i, v, x.Data()[i])
		}
	}
	rot := buildCycle(t, map[string]any{"domain_b": "rotated"})
	r, _ := rot.ToDomainB(x)
	// Anticlockwise by 90°: the top row, read right to left, becomes the
	// left column, read top to bottom.
	for j := range 28 {
		if r.At(0, 0, j, 0) != x.At(0, 0, 0, 27-j) {
			t.Fatalf("rotated domain: out[%d][0] = %g, want in[0][%d] = %g", j, r.At(0, 0, j, 0), 27-j, x.At(0, 0, 0, 27-j))
		}
	}
	for _, mm := range []*gan.CycleGAN{m, rot} {
		b, _ := mm.ToDomainB(x)
		back, err := mm.FromDomainB(b)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range back.Data() {
			if math.Abs(float64(v-x.Data()[i])) > 1e-6 {
				t.Fatalf("domain %s: FromDomainB(ToDomainB(x)) differs from x at %d: %g, want %g", mm.Options().DomainB, i, v, x.Data()[i])
			}
		}
	}
	if _, err := factory.CreateModel(cycleConfig(map[string]any{"domain_b": "fashion"}), nn.NewRngs(0)); err == nil {
		t.Error("unknown domain_b: no error")
	}
	bad := cycleConfig(nil)
	bad.OutputDim = config.Dims{32, 32, 3}
	if _, err := factory.CreateModel(bad, nn.NewRngs(0)); err == nil {
		t.Error("output_dim different from input_dim: no error")
	}
	if _, err := m.TrainStep(data.Batch{Images: tensor.Zeros(1, 1, 28, 28)}, nil); err == nil {
		t.Error("a batch of one image: no error")
	}
}

func TestCycleGANLearnsColourInversionOnMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on MNIST")
	}
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if err != nil {
		datatest.Skipf(t, "MNIST not available: %v", err)
	}
	m := buildCycle(t, map[string]any{"discriminator_features": []int{8, 16}, "residual_blocks": 1,
		"generator_lr": 1e-3, "discriminator_lr": 1e-3})
	rngs := nn.NewRngs(1)
	it, err := data.NewIterator(train, data.BatchOptions{Size: 16, Shuffle: rngs.Stream("shuffle"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	first, last := fittest.FitStepper(t, m, it, rngs, 40)
	t.Logf("first %v\nlast %v", first, last)
	// A→B must turn MNIST digits into their negatives, a mapping it can
	// only find from unpaired images through the adversarial and cycle
	// losses; the cycle must close.
	if last["translation_error"] > 0.5*first["translation_error"] {
		t.Errorf("translation error %.3f → %.3f: A→B did not approach colour inversion", first["translation_error"], last["translation_error"])
	}
	if last["translation_error"] > 0.2 {
		t.Errorf("translation error %.3f after 40 steps, want < 0.2", last["translation_error"])
	}
	if last["cycle"] > 0.5*first["cycle"] {
		t.Errorf("cycle loss %.3f → %.3f did not fall", first["cycle"], last["cycle"])
	}
}

func TestCycleGANClassPreservationCountsTheClassifierAgreeingWithTheLabels(t *testing.T) {
	m := buildCycle(t, map[string]any{"discriminator_features": []int{8, 16}, "residual_blocks": 1})
	x := nn.NewRngs(1).Sample().Uniform(0, 1, 5, 1, 28, 28)
	test, err := data.NewDataset(x.Data(), []int{0, 0, 3, 0, 7}, 1, 28, 28)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	// A judge that says 0 for every image is right on the three zeros.
	zero := func(images *tensor.Tensor) ([]int, error) {
		calls++
		if !slices.Equal(images.Shape(), []int{5, 1, 28, 28}) {
			t.Errorf("classifier got images of shape %v, want [5 1 28 28]", images.Shape())
		}
		for _, v := range images.Data() {
			if v < 0 || v > 1 {
				t.Fatalf("classifier got a pixel %g outside [0, 1]", v)
			}
		}
		return make([]int, images.Dim(0)), nil
	}
	got, err := m.ClassPreservation(test, zero)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"source_accuracy", "class_preservation_ab", "class_preservation_ba", "class_preservation_cycle"} {
		if got[k] != 0.6 {
			t.Errorf("%s = %v, want 0.6 (3 of 5 labels are 0)", k, got[k])
		}
	}
	if calls != 4 {
		t.Errorf("classifier called %d times for one batch, want 4 (sources, A→B, B→A, A→B→A)", calls)
	}
	if e := got["cycle_error_bab"]; !(e > 0 && e <= 1) {
		t.Errorf("cycle_error_bab = %v, want a mean pixel error in (0, 1]", e)
	}
	unlabelled, _ := data.NewDataset(x.Data(), nil, 1, 28, 28)
	if _, err := m.ClassPreservation(unlabelled, zero); err == nil || !strings.Contains(err.Error(), "labelled") {
		t.Errorf("unlabelled data set: err = %v, want one asking for labels", err)
	}
}
