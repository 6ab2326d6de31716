package autoregressive

import (
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"github.com/artifex-go/artifex/internal/fittest"
	"math"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func newTestPixelCNN(t *testing.T, o PixelCNNOptions) *PixelCNN {
	t.Helper()
	p, err := NewPixelCNN(config.ModelConfiguration{Name: "test"}, o, nn.NewRngs(3))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func smallOptions(c, h, w, levels int, gated bool) PixelCNNOptions {
	return PixelCNNOptions{Channels: c, Height: h, Width: w, Hidden: 12, ResidualBlocks: 2,
		FirstKernel: 5, Kernel: 3, OutputHidden: 12, Levels: levels, Gated: gated}
}

// order is the raster position of sub-pixel (i, j, c): rows, columns, then
// channels.
func order(i, j, c, w, ch int) int { return (i*w+j)*ch + c }

// TestPixelCNNOutputDependsOnlyOnEarlierSubpixels takes the gradient of
// each output sub-pixel's logits with respect to the input: it must be zero
// for the sub-pixel itself and every later one, and non-zero (in at least
// one of four random images, so that a ReLU at zero cannot hide it) for the
// sub-pixel just before it in the same row: the previous channel or the
// previous pixel. (The first pixel of a row need not see the end of the row
// above: masked stacks have a blind spot up and to the right.)
func TestPixelCNNOutputDependsOnlyOnEarlierSubpixels(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    PixelCNNOptions
	}{
		{"rgb-categorical", smallOptions(3, 4, 4, 4, false)},
		{"rgb-gated", smallOptions(3, 4, 4, 4, true)},
		{"gray-binary", smallOptions(1, 5, 5, 2, false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestPixelCNN(t, tc.o)
			o := tc.o
			const images = 4
			x := tensor.NewRngs(1).Sample().Uniform(0, 1, images, o.Channels, o.Height, o.Width).SetRequiresGrad(true)
			logits := p.Logits(x)
			for i := range o.Height {
				for j := range o.Width {
					for c := range o.Channels {
						var out *tensor.Tensor
						if o.Binary() {
							out = tensor.Narrow(tensor.Narrow(tensor.Narrow(logits, 1, c, 1), 2, i, 1), 3, j, 1)
						} else {
							out = tensor.Narrow(tensor.Narrow(tensor.Narrow(logits, 1, c, 1), 3, i, 1), 4, j, 1)
						}
						g := tensor.Grad([]*tensor.Tensor{tensor.Sum(out)}, []*tensor.Tensor{x}, false)[0]
						self := order(i, j, c, o.Width, o.Channels)
						for ii := range o.Height {
							for jj := range o.Width {
								for cc := range o.Channels {
									v := float32(0)
									for b := range images {
										v += float32(math.Abs(float64(g.At(b, cc, ii, jj))))
									}
									pos := order(ii, jj, cc, o.Width, o.Channels)
									if pos >= self && v != 0 {
										t.Fatalf("output (%d,%d,c%d) has gradient %g from input (%d,%d,c%d), which is not before it", i, j, c, v, ii, jj, cc)
									}
									if pos == self-1 && (c > 0 || j > 0) && v == 0 {
										t.Errorf("output (%d,%d,c%d) does not depend on the sub-pixel just before it (%d,%d,c%d)", i, j, c, ii, jj, cc)
									}
								}
							}
						}
					}
				}
			}
		})
	}
}

func TestPixelCNNPerturbingALaterPixelLeavesEarlierLogProbTermsUnchanged(t *testing.T) {
	o := smallOptions(1, 6, 6, 2, false)
	p := newTestPixelCNN(t, o)
	x := tensor.NewRngs(2).Sample().BernoulliP(0.5, 1, 1, 6, 6)
	before := p.Logits(x).Clone()
	y := x.Clone()
	y.Data()[3*6+2] = 1 - y.Data()[3*6+2] // pixel (3, 2)
	after := p.Logits(y)
	for k := range 3*6 + 3 {
		if before.Data()[k] != after.Data()[k] {
			t.Fatalf("logit of pixel %d changed when pixel 20 changed", k)
		}
	}
	changed := false
	for k := 3*6 + 3; k < 36; k++ {
		changed = changed || before.Data()[k] != after.Data()[k]
	}
	if !changed {
		t.Error("no later logit changed: the model ignores pixel (3, 2)")
	}
}

func TestPixelCNNMaskCentreTap(t *testing.T) {
	a := pixelCNNMask(1, 1, 3, MaskA, 1).Data()
	b := pixelCNNMask(1, 1, 3, MaskB, 1).Data()
	want := []float32{1, 1, 1, 1, 0, 0, 0, 0, 0}
	for k := range want {
		wb := want[k]
		if k == 4 {
			wb = 1
		}
		if a[k] != want[k] || b[k] != wb {
			t.Fatalf("masks A %v B %v; want A %v and B with the centre open", a, b, want)
		}
	}
	// RGB, three maps in and out, type A: centre open from R to G and B,
	// from G to B only.
	m := pixelCNNMask(3, 3, 1, MaskA, 3).Data()
	wantRGB := []float32{0, 0, 0, 1, 0, 0, 1, 1, 0} // [out][in]
	for k := range wantRGB {
		if m[k] != wantRGB[k] {
			t.Fatalf("RGB type A centre mask %v, want %v", m, wantRGB)
		}
	}
}

func TestPixelCNNLogitsShapes(t *testing.T) {
	cat := newTestPixelCNN(t, smallOptions(3, 4, 5, 7, false))
	if got := cat.Logits(tensor.Zeros(2, 3, 4, 5)).Shape(); !tensor.SameShape(got, []int{2, 3, 7, 4, 5}) {
		t.Errorf("categorical logits %v, want [2 3 7 4 5]", got)
	}
	bin := newTestPixelCNN(t, smallOptions(1, 4, 5, 2, true))
	if got := bin.Logits(tensor.Zeros(2, 1, 4, 5)).Shape(); !tensor.SameShape(got, []int{2, 1, 4, 5}) {
		t.Errorf("binary logits %v, want [2 1 4 5]", got)
	}
	if got := bin.LogProb(tensor.Zeros(2, 1, 4, 5)).Shape(); !tensor.SameShape(got, []int{2}) {
		t.Errorf("LogProb shape %v, want [2]", got)
	}
}

// TestPixelCNNLogProbIsANormalisedDistribution sums p(x) over every image
// of a tiny model: an autoregressive model's probabilities add up to one.
func TestPixelCNNLogProbIsANormalisedDistribution(t *testing.T) {
	for _, tc := range []struct {
		name   string
		o      PixelCNNOptions
		images int
	}{
		{"binary-2x2", smallOptions(1, 2, 2, 2, false), 16},
		{"three-levels-rgb-1x2", smallOptions(3, 1, 2, 3, true), 729},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			p := newTestPixelCNN(t, o)
			d := o.Channels * o.Height * o.Width
			vals := make([]float32, tc.images*d)
			for n := range tc.images {
				k := n
				for s := range d {
					vals[n*d+s] = float32(k%o.Levels) / float32(o.Levels-1)
					k /= o.Levels
				}
			}
			lp := p.LogProb(tensor.FromSlice(vals, tc.images, o.Channels, o.Height, o.Width))
			total := 0.0
			for _, v := range lp.Data() {
				total += math.Exp(float64(v))
			}
			if math.Abs(total-1) > 1e-4 {
				t.Errorf("Σ p(x) over all %d images = %.6f, want 1", tc.images, total)
			}
		})
	}
}

func TestPixelCNNLogProbIsTheSumOfConditionals(t *testing.T) {
	o := smallOptions(1, 3, 3, 4, false)
	p := newTestPixelCNN(t, o)
	x := tensor.FromSlice([]float32{0, 1. / 3, 2. / 3, 1, 1, 0, 2. / 3, 1. / 3, 0}, 1, 1, 3, 3)
	logits := p.Logits(x)
	want := 0.0
	for s := range 9 {
		k := int(math.Round(float64(x.Data()[s]) * 3))
		lse := 0.0
		for l := range 4 {
			lse += math.Exp(float64(logits.Data()[l*9+s]))
		}
		want += float64(logits.Data()[k*9+s]) - math.Log(lse)
	}
	if got := float64(p.LogProb(x).Item()); math.Abs(got-want) > 1e-4 {
		t.Errorf("LogProb = %.6f, Σ log softmax = %.6f", got, want)
	}
}

func TestPixelCNNSampleShapeLevelsAndDeterminism(t *testing.T) {
	for _, levels := range []int{2, 5} {
		p := newTestPixelCNN(t, smallOptions(3, 3, 4, levels, false))
		a := p.Sample(3, 1, tensor.NewRngs(7))
		b := p.Sample(3, 1, tensor.NewRngs(7))
		c := p.Sample(3, 1, tensor.NewRngs(8))
		if !tensor.SameShape(a.Shape(), []int{3, 3, 3, 4}) {
			t.Fatalf("sample shape %v, want [3 3 3 4]", a.Shape())
		}
		same, differs := true, false
		for i, v := range a.Data() {
			k := float64(v) * float64(levels-1)
			if math.Abs(k-math.Round(k)) > 1e-5 || v < 0 || v > 1 {
				t.Fatalf("levels %d: sample value %v is not a level k/%d", levels, v, levels-1)
			}
			same = same && v == b.Data()[i]
			differs = differs || v != c.Data()[i]
		}
		if !same {
			t.Errorf("levels %d: the same seed gave different samples", levels)
		}
		if !differs {
			t.Errorf("levels %d: different seeds gave the same samples", levels)
		}
	}
}

func TestPixelCNNInpaintKeepsKnownPixels(t *testing.T) {
	p := newTestPixelCNN(t, smallOptions(1, 4, 4, 2, false))
	x := tensor.NewRngs(4).Sample().BernoulliP(0.5, 2, 1, 4, 4)
	known := tensor.Zeros(2, 1, 4, 4)
	for k := range 8 { // the top half of each image
		known.Data()[k], known.Data()[16+k] = 1, 1
	}
	known.Data()[16+13] = 1 // and one pixel of the bottom half of image 1
	out, err := p.Inpaint(x, known, 1, tensor.NewRngs(5))
	if err != nil {
		t.Fatal(err)
	}
	for k, m := range known.Data() {
		if m == 1 && out.Data()[k] != x.Data()[k] {
			t.Fatalf("known pixel %d changed from %v to %v", k, x.Data()[k], out.Data()[k])
		}
		if v := out.Data()[k]; v != 0 && v != 1 {
			t.Fatalf("pixel %d = %v, not binary", k, v)
		}
	}
	if _, err := p.Inpaint(x, tensor.Zeros(2, 1, 4, 3), 1, tensor.NewRngs(5)); err == nil || !strings.Contains(err.Error(), "mask of shape") {
		t.Errorf("mismatched mask: err = %v", err)
	}
	if _, err := p.Inpaint(x, known, 0, tensor.NewRngs(5)); err == nil || !strings.Contains(err.Error(), "temperature") {
		t.Errorf("zero temperature: err = %v", err)
	}
}

func TestNewPixelCNNRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		edit func(o *PixelCNNOptions)
		want string
	}{
		{func(o *PixelCNNOptions) { o.Levels = 1 }, "num_levels"},
		{func(o *PixelCNNOptions) { o.Kernel = 4 }, "kernel_size must be odd"},
		{func(o *PixelCNNOptions) { o.Hidden = 5 }, "at least 2 per colour channel"},
		{func(o *PixelCNNOptions) { o.Height = 0 }, "must be positive"},
	} {
		o := smallOptions(3, 4, 4, 256, false)
		tc.edit(&o)
		if _, err := NewPixelCNN(config.ModelConfiguration{}, o, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("options %+v: err = %v, want one containing %q", o, err, tc.want)
		}
	}
}

// TestPixelCNNLearnsBinarisedMNIST trains a small PixelCNN on one batch of
// real binarised MNIST digits: the NLL must fall well below its start, and
// the test metrics must be consistent with it.
func TestPixelCNNLearnsBinarisedMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	d, err := data.Load("mnist", "test", data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		datatest.Skipf(t, "MNIST is not installed here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	small, _, err := d.Split(32)
	if err != nil {
		t.Fatal(err)
	}
	batch := data.Batch{Images: data.StaticBinarize(0.5)(small.Images())}
	p := newTestPixelCNN(t, PixelCNNOptions{Channels: 1, Height: 28, Width: 28, Hidden: 16, ResidualBlocks: 2,
		FirstKernel: 7, Kernel: 3, OutputHidden: 32, Levels: 2})
	first, last := fittest.Fit(t, p, batch, nil, 3e-3, 30, "nll")
	t.Logf("NLL %.1f → %.1f nats", first, last)
	if !(last < 0.5*first) || !(last < 200) {
		t.Errorf("NLL went from %.1f to %.1f nats; want below half the start and below 200", first, last)
	}
	m, err := p.Evaluate(small, tensor.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(m["bits_per_dim"]-m["nll"]/784/math.Ln2) > 1e-9 || !(m["nll"] > 0) {
		t.Errorf("Evaluate = %v: bits/dim must be nll/(784 ln 2)", m)
	}
}

// TestPixelCNNWindowedLogitsEqualFullLogits checks the sampler's shortcut:
// the logits of a pixel computed on its receptive window equal those of
// the whole image.
func TestPixelCNNWindowedLogitsEqualFullLogits(t *testing.T) {
	for _, o := range []PixelCNNOptions{smallOptions(3, 9, 10, 4, false), smallOptions(1, 9, 10, 2, true)} {
		o.FirstKernel, o.ResidualBlocks = 3, 1 // radius 2, smaller than the image
		p := newTestPixelCNN(t, o)
		x := tensor.NewRngs(6).Sample().Uniform(0, 1, 2, o.Channels, 9, 10)
		full := p.Logits(x)
		l := p.logitsPerSubpixel()
		for i := range 9 {
			for j := range 10 {
				got := p.logitsAt(x, i, j)
				for b := range 2 {
					for c := range o.Channels {
						for k := range l {
							var want float32
							if o.Binary() {
								want = full.At(b, c, i, j)
							} else {
								want = full.At(b, c, k, i, j)
							}
							if g := got.Data()[(b*o.Channels+c)*l+k]; math.Abs(float64(g-want)) > 1e-5 {
								t.Fatalf("pixel (%d,%d) c%d level %d: window logit %g, full %g", i, j, c, k, g, want)
							}
						}
					}
				}
			}
		}
	}
}
