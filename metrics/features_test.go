package metrics

import (
	"bytes"
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func loadSplit(t *testing.T, dataset, split string) *data.Dataset {
	t.Helper()
	d, err := data.Load(dataset, split, data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		datatest.Skipf(t, "%s is not installed: %v", dataset, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestShippedFeatureNetsClassifyTheRealTestSets checks the weights in
// metrics/weights: ≥ 99% on MNIST, ≥ 90% on Fashion-MNIST.
func TestShippedFeatureNetsClassifyTheRealTestSets(t *testing.T) {
	for _, c := range []struct {
		dataset string
		want    float64
	}{{"mnist", 0.99}, {"fashion-mnist", 0.90}} {
		t.Run(c.dataset, func(t *testing.T) {
			if !slices.Contains(FeatureDatasets(), c.dataset) {
				datatest.Skipf(t, "no %s feature weights in metrics/weights (shipped: %v); make them with "+
					"go run ./metrics/cmd/trainfeatures --dataset %s", c.dataset, FeatureDatasets(), c.dataset)
			}
			test := loadSplit(t, c.dataset, "test")
			net, err := TrainedFeatureNet(c.dataset)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			acc, err := net.Accuracy(test)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s test accuracy %.2f%% (%d images in %v)", c.dataset, 100*acc, test.Len(), time.Since(start).Round(time.Millisecond))
			if acc < c.want {
				t.Errorf("%s test accuracy %.2f%%, want ≥ %.0f%%", c.dataset, 100*acc, 100*c.want)
			}
		})
	}
}

func TestSampleQualityTellsRealImagesFromNoise(t *testing.T) {
	test := loadSplit(t, "mnist", "test")
	net, err := TrainedFeatureNet("mnist")
	if err != nil {
		t.Fatal(err)
	}
	a, b, err := test.Split(1000)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ = b.Split(500)
	s := tensor.NewRngs(1).Stream("metrics")
	opts := QualityOptions{KID: KIDOptions{Subsets: 3, SubsetSize: 400}}
	real, err := SampleQuality(net, a.Images(), b.Images(), opts, s)
	if err != nil {
		t.Fatal(err)
	}
	var told [][2]int
	opts.Progress = func(done, total int) { told = append(told, [2]int{done, total}) }
	noise, err := SampleQuality(net, a.Images(), s.Uniform(0, 1, 500, 1, 28, 28), opts, s)
	if err != nil {
		t.Fatal(err)
	}
	// Batches of 500: two of real images, one of generated.
	if want := [][2]int{{500, 1500}, {1000, 1500}, {1500, 1500}}; !slices.Equal(told, want) {
		t.Errorf("progress told %v, want %v", told, want)
	}
	t.Logf("real vs real: %v", real)
	t.Logf("noise vs real: %v", noise)
	if real[KeyFID] > noise[KeyFID]/20 || real[KeyKID] > noise[KeyKID]/20 {
		t.Errorf("FID/KID of real images %g/%g not far below noise's %g/%g", real[KeyFID], real[KeyKID], noise[KeyFID], noise[KeyKID])
	}
	if real[KeyIS] < 8 || noise[KeyIS] > real[KeyIS]/2 {
		t.Errorf("Inception score real %g (want ≥ 8 of 10 classes), noise %g", real[KeyIS], noise[KeyIS])
	}
	// Noise can land inside the balls of outlying real images, so its
	// precision need not be low (the weakness density corrects); its
	// density, recall and coverage are.
	if real[KeyPrecision] < 0.6 || real[KeyRecall] < 0.6 || real[KeyCoverage] < 0.6 ||
		noise[KeyDensity] > real[KeyDensity]/2 || noise[KeyRecall] > 0.1 || noise[KeyCoverage] > 0.1 {
		t.Errorf("PRDC real %v, noise %v", real, noise)
	}
}

func TestClassifierKeySaysWhichClassifiersFeatures(t *testing.T) {
	for _, c := range []struct{ key, dataset, want string }{
		{KeyFID, "mnist", "fid_mnist_classifier"},
		{KeyKIDStd, "mnist", "kid_std_mnist_classifier"},
		{KeyIS, "fashion-mnist", "inception_score_fashion_mnist_classifier"},
		{KeyCoverage, "fashion_mnist", "coverage_fashion_mnist_classifier"},
		{KeyClassesPresent, "mnist", "classes_present_mnist_classifier"},
		{KeyNumSampled, "mnist", KeyNumSampled},
		{"nelbo", "mnist", "nelbo"},
		{PixelPrefix + KeyFID, "mnist", "pixel_fid"},
		{KeyFID, "cifar10", KeyFID},
	} {
		if got := ClassifierKey(c.key, c.dataset); got != c.want {
			t.Errorf("ClassifierKey(%q, %q) = %q, want %q", c.key, c.dataset, got, c.want)
		}
	}
}

func TestFeatureNetLoadRejectsMismatchedWeights(t *testing.T) {
	if _, err := TrainedFeatureNet("cifar10"); err == nil || !strings.Contains(err.Error(), "available: "+strings.Join(FeatureDatasets(), ", ")) {
		t.Errorf("cifar10: error %v", err)
	}
	net := NewFeatureNet(nn.NewRngs(1))
	ps := nn.State(net)
	ps[0].Tensor = tensor.Zeros(3)
	var b bytes.Buffer
	if err := checkpoint.Encode(&b, checkpoint.Params("", ps), nil); err != nil {
		t.Fatal(err)
	}
	if err := net.Load(b.Bytes()); err == nil || !strings.Contains(err.Error(), "shape [3]") {
		t.Errorf("wrong shape: error %v", err)
	}
	if err := net.Load([]byte("not a file")); err == nil {
		t.Error("garbage accepted as weights")
	}
	if _, _, err := net.Activations(tensor.Zeros(2, 3, 28, 28)); err == nil || !strings.Contains(err.Error(), "[N, 1, 28, 28]") {
		t.Errorf("RGB input: error %v", err)
	}
}

func TestTrainFeatureNetLearnsOnASmallRealBatch(t *testing.T) {
	train := loadSplit(t, "mnist", "train")
	head, rest, err := train.Split(1024)
	if err != nil {
		t.Fatal(err)
	}
	held, _, _ := rest.Split(500)
	epochs := 0
	net, err := TrainFeatureNet(head, TrainOptions{Epochs: 2, Seed: 1, AfterEpoch: func(int, float64, *FeatureNet) error {
		epochs++
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := net.Accuracy(held)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("held-out accuracy after 2 epochs on 1024 images: %.1f%%", 100*acc)
	if epochs != 2 || acc < 0.6 { // chance is 10%
		t.Errorf("%d epochs reported, held-out accuracy %.1f%%, want 2 and ≥ 60%%", epochs, 100*acc)
	}
	rgb, err := data.NewDataset(make([]float32, 2*3*28*28), []int{0, 1}, 3, 28, 28)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TrainFeatureNet(rgb, TrainOptions{Epochs: 1}); err == nil || !strings.Contains(err.Error(), "[1, 28, 28]") {
		t.Errorf("RGB data: error %v", err)
	}
	if _, err := TrainFeatureNet(head, TrainOptions{}); err == nil || !strings.Contains(err.Error(), "epochs must be > 0") {
		t.Errorf("no epochs: error %v", err)
	}
}
