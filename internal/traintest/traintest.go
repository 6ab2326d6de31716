// Package traintest holds a small but real generative model and small
// data sets for the tests of the trainer and the command line, which must
// not depend on the model families being built in parallel: a one-layer
// MLP VAE with a Bernoulli likelihood, trained by its negative ELBO, and
// images of bars that it learns within a few dozen steps.
package traintest

import (
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// ModelClass is the class the registry of NewRegistry builds.
const ModelClass = "vae.TinyVAE"

// VAE is an MLP variational autoencoder with one hidden layer on each
// side, a diagonal Gaussian posterior and a Bernoulli decoder.
type VAE struct {
	Enc, Mu, LogVar *nn.Linear
	Dec, Out        *nn.Linear

	cfg     config.ModelConfiguration
	c, h, w int
	latent  int
}

var (
	_ models.Trainable    = (*VAE)(nil)
	_ models.ImageSampler = (*VAE)(nil)
	_ models.Evaluator    = (*VAE)(nil)
)

// Build builds a VAE from cfg: input_dim [H, W, C], hidden_dims [width],
// output_dim [latent]. It fills in the default width and latent size, as
// real builders do, so the effective configuration can be read back.
func Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...factory.Option) (factory.Model, error) {
	if len(cfg.InputDim) != 3 {
		return nil, fmt.Errorf("input_dim must be [H, W, C], got %v", []int(cfg.InputDim))
	}
	if len(cfg.HiddenDims) == 0 {
		cfg.HiddenDims = []int{32}
	}
	if len(cfg.OutputDim) == 0 {
		cfg.OutputDim = config.Dims{4}
	}
	cfg.Parameters = factory.WithDefaults(cfg.Parameters, map[string]any{"likelihood": "bernoulli"})
	h, w, c := cfg.InputDim[0], cfg.InputDim[1], cfg.InputDim[2]
	in, hid, lat := h*w*c, cfg.HiddenDims[0], cfg.OutputDim[0]
	return &VAE{
		Enc: nn.NewLinear(rngs, in, hid), Mu: nn.NewLinear(rngs, hid, lat), LogVar: nn.NewLinear(rngs, hid, lat),
		Dec: nn.NewLinear(rngs, lat, hid), Out: nn.NewLinear(rngs, hid, in),
		cfg: cfg, c: c, h: h, w: w, latent: lat,
	}, nil
}

// NewRegistry returns a registry that builds ModelClass as the "vae"
// family.
func NewRegistry() *factory.Registry {
	r := factory.NewRegistry()
	if err := r.Register("vae", factory.BuilderFunc(Build)); err != nil {
		panic(err) // a fresh registry has no "vae" yet
	}
	return r
}

// Config returns the effective configuration.
func (v *VAE) Config() config.ModelConfiguration { return v.cfg }

// negELBO returns the per-image negative ELBO in nats and its two terms.
func (v *VAE) negELBO(x *tensor.Tensor, noise *tensor.Stream) (nelbo, rec, kl *tensor.Tensor) {
	x = tensor.Flatten(x)
	h := tensor.ReLU(v.Enc.Forward(x))
	mu, logVar := v.Mu.Forward(h), v.LogVar.Forward(h)
	eps := noise.Normal(mu.Shape()...)
	z := tensor.Add(mu, tensor.Mul(tensor.Exp(tensor.Scale(logVar, 0.5)), eps))
	logits := v.Out.Forward(tensor.ReLU(v.Dec.Forward(z)))
	rec = tensor.SumAxes(tensor.BCEWithLogits(logits, x), []int{-1}, false)
	kl = tensor.SumAxes(tensor.KLStandardNormal(mu, logVar), []int{-1}, false)
	return tensor.Add(rec, kl), rec, kl
}

// TrainLoss returns the mean negative ELBO of the batch.
func (v *VAE) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	nelbo, rec, kl := v.negELBO(batch.Images, rngs.Sample())
	return tensor.Mean(nelbo), map[string]float64{
		"reconstruction": float64(tensor.Mean(rec).Item()),
		"kl":             float64(tensor.Mean(kl).Item()),
	}
}

// SampleImages decodes n latent codes drawn from the prior into pixel
// probabilities.
func (v *VAE) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	z := rngs.Sample().Normal(n, v.latent)
	p := tensor.Sigmoid(v.Out.Forward(tensor.ReLU(v.Dec.Forward(z))))
	return tensor.Reshape(p, n, v.c, v.h, v.w)
}

// Evaluate returns the mean negative ELBO of the test set in nats.
func (v *VAE) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	if test.Len() == 0 {
		return nil, fmt.Errorf("empty test set")
	}
	sum := 0.0
	for lo := 0; lo < test.Len(); lo += 100 {
		idx := make([]int, 0, 100)
		for i := lo; i < min(lo+100, test.Len()); i++ {
			idx = append(idx, i)
		}
		part, err := test.Subset(idx)
		if err != nil {
			return nil, err
		}
		nelbo, _, _ := v.negELBO(part.Images(), rngs.Sample())
		for _, e := range nelbo.Data() {
			sum += float64(e)
		}
	}
	return map[string]float64{"nelbo": sum / float64(test.Len()), "images": float64(test.Len())}, nil
}

// Config returns a configuration of the tiny VAE for images of h×w
// pixels, with training defaults for the given data set.
func Config(h, w int, dataset string) config.ModelConfiguration {
	return config.ModelConfiguration{
		Name:       "tiny_vae",
		ModelClass: ModelClass,
		InputDim:   config.Dims{h, w, 1},
		HiddenDims: []int{32},
		OutputDim:  config.Dims{4},
		Activation: "relu",
		Metadata: map[string]any{"training_defaults": map[string]any{
			"dataset": dataset, "batch_size": 16, "learning_rate": 0.01, "optimizer": "adam",
			"epochs": 2, "binarization": "dynamic",
		}},
	}
}

// Bars returns n greyscale images of size×size pixels, each a bright
// horizontal or vertical bar on a dark background, labelled with the bar's
// index (0–9, so that they can be stored as MNIST files).
func Bars(n, size int) *data.Dataset {
	images := make([]float32, n*size*size)
	labels := make([]int, n)
	for i := range n {
		k := i % (2 * size)
		img := images[i*size*size : (i+1)*size*size]
		for r := range size {
			for c := range size {
				on := (k < size && r == k) || (k >= size && c == k-size)
				img[r*size+c] = 0.05
				if on {
					img[r*size+c] = 0.95
				}
			}
		}
		labels[i] = k % 10
	}
	d, err := data.NewDataset(images, labels, 1, size, size)
	if err != nil {
		panic(err) // the sizes above are consistent
	}
	return d
}

// WriteMNIST writes d as the four gzip-compressed IDX files of an MNIST
// directory (the same images for the train and test splits), so that
// data.Load finds it as "mnist" in dir. d must have one channel and labels
// 0–9.
func WriteMNIST(dir string, d *data.Dataset) error {
	shape := d.Shape()
	pixels := make([]byte, d.Len()*shape[2]*shape[3])
	for i, v := range d.Images().Data() {
		pixels[i] = byte(math.Round(float64(v) * 255))
	}
	labels := make([]byte, d.Len())
	for i, l := range d.Labels() {
		labels[i] = byte(l)
	}
	for _, prefix := range []string{"train", "t10k"} {
		for _, f := range []struct {
			name string
			idx  *data.IDX
		}{
			{prefix + "-images-idx3-ubyte.gz", &data.IDX{Dims: []int{d.Len(), shape[2], shape[3]}, Data: pixels}},
			{prefix + "-labels-idx1-ubyte.gz", &data.IDX{Dims: []int{d.Len()}, Data: labels}},
		} {
			if err := writeGzipIDX(filepath.Join(dir, f.name), f.idx); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeGzipIDX(path string, x *data.IDX) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	if err := data.WriteIDX(zw, x); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteWineLike writes n rows in scikit-learn's wine layout to
// dir/wine_data.csv: a header row, 13 numeric columns and the class. The
// alcohol column lies near 100 (the real one near 13), so that a model fit
// on this file is told apart from one fit on the real table.
func WriteWineLike(dir string, n int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d,13,class_0,class_1,class_2\n", n)
	for i := range n {
		fmt.Fprintf(&b, "%d.%d", 100+i%5, i%10)
		for j := 1; j < 13; j++ {
			fmt.Fprintf(&b, ",%d.%d", j+i%3, (i*j)%10)
		}
		fmt.Fprintf(&b, ",%d\n", i%3)
	}
	return os.WriteFile(filepath.Join(dir, "wine_data.csv"), []byte(b.String()), 0o644)
}

// SameState fails t unless got holds the tensors of want, with the same
// names and bit for bit the same values (a resumed run against a straight
// one).
func SameState(t *testing.T, want, got []nn.Param) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%d tensors, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i].Tensor.Data(), got[i].Tensor.Data()
		if want[i].Name != got[i].Name || len(w) != len(g) {
			t.Fatalf("tensor %d: %s %v vs %s %v", i, got[i].Name, got[i].Tensor.Shape(), want[i].Name, want[i].Tensor.Shape())
		}
		for j := range w {
			if math.Float32bits(w[j]) != math.Float32bits(g[j]) {
				t.Fatalf("%s[%d]: resumed %v, straight %v", want[i].Name, j, g[j], w[j])
			}
		}
	}
}

// GANConfig is a DCGAN for the 8×8 bars: latent 8 → 4×4×8 → 8×8×1, with
// batch norm and discriminator dropout, so that a resume must restore
// running statistics and the dropout stream as well as both optimizers.
func GANConfig() config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "tiny_gan", ModelClass: "gan.DCGAN",
		InputDim: config.Dims{8}, HiddenDims: []int{8}, OutputDim: config.Dims{8, 8, 1},
		Parameters: map[string]any{"discriminator_features": []int{8}, "dropout_rate": 0.3},
	}
}
