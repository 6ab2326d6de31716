package image_test

import (
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

func smallVAE(imageMeta map[string]any) config.ModelConfiguration {
	cfg := config.ModelConfiguration{
		Name: "vae_small", ModelClass: "vae.VAE",
		InputDim: config.Dims{28, 28, 1}, HiddenDims: []int{64}, OutputDim: config.Dims{8}, Activation: "relu",
		Parameters: map[string]any{"encoder_type": "mlp", "decoder_type": "mlp", "reconstruction_loss": "bce"},
	}
	if imageMeta != nil {
		cfg.Metadata = map[string]any{"image": imageMeta}
	}
	return cfg
}

func smallGAN() config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "gan_small", ModelClass: "gan.DCGAN",
		InputDim: config.Dims{16}, HiddenDims: []int{32, 16}, OutputDim: config.Dims{28, 28, 1}, Activation: "relu",
		Parameters: map[string]any{"discriminator_features": []any{16, 32}, "output_activation": "tanh"},
	}
}

// batch returns n deterministic images [n, 1, 28, 28] in [0, 1].
func batch(n int) *tensor.Tensor {
	return tensor.NewRngs(9).Stream("x").Uniform(0, 1, n, 1, 28, 28)
}

func TestImageModalityIsRegisteredAndWrapsAVAE(t *testing.T) {
	if !strings.Contains(strings.Join(factory.DefaultRegistry().Modalities(), ","), "image") {
		t.Fatalf("image modality not registered: %v", factory.DefaultRegistry().Modalities())
	}
	m, err := factory.CreateModel(smallVAE(nil), nn.NewRngs(1), factory.WithModality("image"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(models.Trainable); !ok {
		t.Error("adapted VAE is not Trainable")
	}
	if _, ok := m.(models.Evaluator); !ok {
		t.Error("adapted VAE lost its Evaluator")
	}
	if _, ok := m.(models.Stepper); ok {
		t.Error("adapted VAE claims to be a Stepper")
	}
	sec, ok := m.Config().Metadata["image"].(map[string]any)
	if !ok || sec["layout"] != "nchw" || sec["flip"] != false || sec["crop_padding"] != 0 {
		t.Errorf("defaults not recorded in Config: %v", m.Config().Metadata)
	}
	if n := nn.CountParameters(m); n == 0 {
		t.Error("the adapted model's parameters cannot be found by walking it")
	}
}

func TestAdaptedTrainLossConvertsRangeAndLayout(t *testing.T) {
	plain, err := factory.CreateModel(smallVAE(nil), nn.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	adapted, err := factory.CreateModel(smallVAE(map[string]any{"input_range": []any{-1, 1}, "layout": "nhwc"}),
		nn.NewRngs(1), factory.WithModality("image"))
	if err != nil {
		t.Fatal(err)
	}
	x := batch(4)
	// The program's images: [-1, 1], channels last.
	own, err := image.FromNCHW(image.Rescale(x, image.Unit, image.Range{Lo: -1, Hi: 1}), image.NHWC)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := plain.(models.Trainable).TrainLoss(data.Batch{Images: x}, nn.NewRngs(5))
	got, _ := adapted.(models.Trainable).TrainLoss(data.Batch{Images: own}, nn.NewRngs(5))
	if math.Abs(float64(got.Item()-want.Item())) > 1e-4*math.Abs(float64(want.Item())) {
		t.Errorf("adapted loss %g on converted images, plain loss %g", got.Item(), want.Item())
	}
	// Samples come back in the program's range and layout, and clipped to
	// [0, 1] through the ImageSampler contract.
	a, ok := image.Of(adapted)
	if !ok {
		t.Fatal("image.Of does not find the adapter")
	}
	own, err = a.Samples(3, nn.NewRngs(2))
	if err != nil {
		t.Fatal(err)
	}
	if sh := own.Shape(); sh[0] != 3 || sh[1] != 28 || sh[2] != 28 || sh[3] != 1 {
		t.Errorf("samples shape %v, want [3 28 28 1]", sh)
	}
	low := false
	for _, v := range own.Data() {
		if v < -1 || v > 1 {
			t.Fatalf("sample value %g outside [-1, 1]", v)
		}
		low = low || v < 0
	}
	if !low {
		t.Error("no sample value below 0: samples were not scaled to [-1, 1]")
	}
	unit := adapted.(models.ImageSampler).SampleImages(3, nn.NewRngs(2))
	for _, v := range unit.Data() {
		if v < 0 || v > 1 {
			t.Fatalf("SampleImages value %g outside [0, 1]", v)
		}
	}
}

func TestAdaptedGANStaysAStepperAndConvertsItsBatches(t *testing.T) {
	m, err := factory.CreateModel(smallGAN(), nn.NewRngs(1), factory.WithModality("image"))
	if err != nil {
		t.Fatal(err)
	}
	st, ok := m.(models.Stepper)
	if !ok {
		t.Fatal("adapted GAN is not a Stepper")
	}
	if _, ok := m.(models.Trainable); ok {
		t.Error("adapted GAN claims a single training loss")
	}
	if len(st.Optimizers()) != 2 {
		t.Errorf("optimizers %v, want the generator's and the discriminator's", st.Optimizers())
	}
	logs, err := st.TrainStep(data.Batch{Images: batch(4)}, nn.NewRngs(3))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := logs["d_loss"]; !ok {
		t.Errorf("step logs %v lack d_loss", logs)
	}
	if _, err := st.TrainStep(data.Batch{Images: tensor.Zeros(4, 784)}, nn.NewRngs(3)); err == nil {
		t.Error("a flat batch was accepted although augmentation and layout need none... want the family's shape error")
	}
}

type plainModel struct{ cfg config.ModelConfiguration }

func (p plainModel) Config() config.ModelConfiguration { return p.cfg }

func TestAdaptRejectsWhatItCannotServe(t *testing.T) {
	vae, err := factory.CreateModel(smallVAE(nil), nn.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	// A model that draws images is served whatever its family's name (a
	// user's family included).
	if _, err = (image.Modality{}).Adapt(vae, "my_family"); err != nil {
		t.Errorf("an image model of a user's family: %v", err)
	}
	_, err = image.Modality{}.Adapt(plainModel{config.ModelConfiguration{Name: "p"}}, "vae")
	if err == nil || !strings.Contains(err.Error(), "does not draw images") {
		t.Errorf("model without samples: error %v", err)
	}
	_, err = factory.CreateModel(smallVAE(map[string]any{"layout": "hwc"}), nn.NewRngs(1), factory.WithModality("image"))
	var me *factory.ModalityError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "unknown layout") {
		t.Errorf("bad layout: error %v", err)
	}
}

func TestGridsAreWrittenAsPNGAndJPEGAndReadBack(t *testing.T) {
	dir := t.TempDir()
	imgs := tensor.FromSlice([]float32{0, 0.25, 0.5, 1, 1, 0.75, 0.5, 0}, 2, 1, 2, 2)
	for _, c := range []struct {
		name string
		tol  float32
	}{{"grid.png", 1.0 / 255}, {"grid.jpg", 0.1}, {"grid.jpeg", 0.1}} {
		path := filepath.Join(dir, c.name)
		if err := image.SaveGrid(path, imgs, 2); err != nil {
			t.Fatal(err)
		}
		got, err := image.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		// RGB grid of 2 images of 2×2 with a 2-pixel border: 10×6.
		if sh := got.Shape(); sh[0] != 1 || sh[2] != 6 || sh[3] != 10 {
			t.Fatalf("%s: read shape %v", c.name, sh)
		}
		w := got.Dim(3)
		for k, want := range []float32{0, 0.25, 0.5, 1} {
			v := got.Data()[(2+k/2)*w+2+k%2]
			if d := v - want; d > c.tol || d < -c.tol {
				t.Errorf("%s: pixel %d = %g, want %g ± %g", c.name, k, v, want, c.tol)
			}
		}
	}
	if err := image.SaveGrid(filepath.Join(dir, "grid.gif"), imgs, 2); err == nil || !strings.Contains(err.Error(), ".png, .jpg") {
		t.Errorf("gif: error %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "grid.gif")); err == nil {
		t.Error("a file was written for an unsupported format")
	}
}

func TestAdaptedVAELearnsOnAugmentedMNIST(t *testing.T) {
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		datatest.Skip(t, "MNIST is not installed")
	}
	if err != nil {
		t.Fatal(err)
	}
	train, _, _ = train.Split(512)
	m, err := factory.CreateModel(smallVAE(map[string]any{"crop_padding": 2}), nn.NewRngs(1), factory.WithModality("image"))
	if err != nil {
		t.Fatal(err)
	}
	tm := m.(models.Trainable)
	opt, err := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 3e-3})
	if err != nil {
		t.Fatal(err)
	}
	it, err := data.NewIterator(train, data.BatchOptions{Size: 64})
	if err != nil {
		t.Fatal(err)
	}
	rngs := nn.NewRngs(4)
	var first, last float64
	for step := 0; step < 48; step++ {
		b, ok := it.Next()
		if !ok {
			b, _ = it.Next()
		}
		nn.ZeroGrad(m)
		loss, _ := tm.TrainLoss(b, rngs)
		loss.Backward()
		opt.Step()
		if step < 8 {
			first += float64(loss.Item()) / 8
		}
		if step >= 40 {
			last += float64(loss.Item()) / 8
		}
	}
	t.Logf("mean loss of the first 8 steps %.1f, of the last 8 %.1f", first, last)
	if !(last < 0.8*first) {
		t.Errorf("loss went from %.1f to %.1f, want a drop of more than 20%%", first, last)
	}
}

func TestAugmentationOnlyChangesLossesThatTrain(t *testing.T) {
	plain, err := factory.CreateModel(smallVAE(nil), nn.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	aug, err := factory.CreateModel(smallVAE(map[string]any{"flip": true, "crop_padding": 3}), nn.NewRngs(1), factory.WithModality("image"))
	if err != nil {
		t.Fatal(err)
	}
	x := data.Batch{Images: batch(8)}
	var want, still float32
	tensor.NoGrad(func() {
		l, _ := plain.(models.Trainable).TrainLoss(x, nn.NewRngs(5))
		want = l.Item()
		l, _ = aug.(models.Trainable).TrainLoss(x, nn.NewRngs(5))
		still = l.Item()
	})
	if still != want {
		t.Errorf("validation loss %g with augmentation configured, %g without: it should not augment", still, want)
	}
	l, _ := aug.(models.Trainable).TrainLoss(x, nn.NewRngs(5))
	if l.Item() == want {
		t.Error("the training loss is the same as on unaugmented images")
	}
}
