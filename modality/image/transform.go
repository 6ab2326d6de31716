package image

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// Range is a closed interval of pixel values: [0, 1] as the data sets load
// images and as models take them, [-1, 1] for tanh-style data, [0, 255]
// for raw bytes.
type Range struct{ Lo, Hi float64 }

// Unit is [0, 1], the range every model family takes images in and draws
// them in (models.ImageSampler).
var Unit = Range{0, 1}

// Validate reports a range that is empty or not finite.
func (r Range) Validate() error {
	if !(r.Lo < r.Hi) || r.Hi-r.Lo > 1e30 {
		return fmt.Errorf("image: range [%g, %g] must have lo < hi (finite)", r.Lo, r.Hi)
	}
	return nil
}

// Rescale maps x linearly from range from to range to (lo to lo, hi to hi);
// values outside from map outside to. It records gradients through x.
func Rescale(x *tensor.Tensor, from, to Range) *tensor.Tensor {
	if from == to {
		return x
	}
	a := (to.Hi - to.Lo) / (from.Hi - from.Lo)
	return tensor.AddScalar(tensor.Scale(x, float32(a)), float32(to.Lo-a*from.Lo))
}

// Clip limits x to r, the output clipping that makes a model's drawn
// images valid pixels.
func Clip(x *tensor.Tensor, r Range) *tensor.Tensor {
	return tensor.Clamp(x, float32(r.Lo), float32(r.Hi))
}

// Layout is how a batch of images orders its axes.
type Layout string

// The two layouts: channels first [N, C, H, W] (the models' and the data
// sets'), channels last [N, H, W, C] (image files, many other libraries).
const (
	NCHW Layout = "nchw"
	NHWC Layout = "nhwc"
)

// ParseLayout reads a layout name, also accepting PyTorch's and
// TensorFlow's names channels_first and channels_last.
func ParseLayout(s string) (Layout, error) {
	switch s {
	case "nchw", "NCHW", "channels_first":
		return NCHW, nil
	case "nhwc", "NHWC", "channels_last":
		return NHWC, nil
	}
	return "", fmt.Errorf("image: unknown layout %q; allowed: nchw (channels_first), nhwc (channels_last)", s)
}

// ToNCHW returns a batch of layout l as [N, C, H, W].
func ToNCHW(x *tensor.Tensor, l Layout) (*tensor.Tensor, error) {
	if x.NDim() != 4 {
		return nil, fmt.Errorf("image: a batch of images needs 4 axes (%s), got shape %v", l, x.Shape())
	}
	switch l {
	case NCHW:
		return x, nil
	case NHWC:
		return tensor.Permute(x, 0, 3, 1, 2), nil
	}
	return nil, fmt.Errorf("image: unknown layout %q", l)
}

// FromNCHW returns a batch [N, C, H, W] in layout l.
func FromNCHW(x *tensor.Tensor, l Layout) (*tensor.Tensor, error) {
	if x.NDim() != 4 {
		return nil, fmt.Errorf("image: a batch of images needs 4 axes [N, C, H, W], got shape %v", x.Shape())
	}
	switch l {
	case NCHW:
		return x, nil
	case NHWC:
		return tensor.Permute(x, 0, 2, 3, 1), nil
	}
	return nil, fmt.Errorf("image: unknown layout %q", l)
}

// Augment is the random training augmentation of a batch [N, C, H, W]:
// each image is mirrored left-right with probability 1/2 when Flip is set,
// then, when CropPadding p > 0, padded by p pixels of Fill on every side
// and cropped back to H×W at a random offset (shifting it by up to p
// pixels), as in the usual CIFAR training recipe.
type Augment struct {
	Flip        bool
	CropPadding int
	// Fill is the value of the padding, in the batch's range: the
	// background (0 for MNIST digits in [0, 1]).
	Fill float32
}

// Active reports whether the augmentation changes anything.
func (a Augment) Active() bool { return a.Flip || a.CropPadding > 0 }

// Apply returns an augmented copy of x, its draws taken from s. It does
// not record gradients: augmentation happens to data, before the model.
func (a Augment) Apply(x *tensor.Tensor, s *tensor.Stream) (*tensor.Tensor, error) {
	if x.NDim() != 4 {
		return nil, fmt.Errorf("image: augmentation needs a batch [N, C, H, W], got shape %v", x.Shape())
	}
	if a.CropPadding < 0 {
		return nil, fmt.Errorf("image: crop padding must be ≥ 0, got %d", a.CropPadding)
	}
	if !a.Active() {
		return x, nil
	}
	n, c, h, w := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	src := x.Data()
	out := make([]float32, len(src))
	p := a.CropPadding
	for i := 0; i < n; i++ {
		flip := a.Flip && s.Intn(2) == 1
		dy, dx := 0, 0
		if p > 0 {
			dy, dx = s.Intn(2*p+1)-p, s.Intn(2*p+1)-p
		}
		for ch := 0; ch < c; ch++ {
			plane := (i*c + ch) * h * w
			for y := 0; y < h; y++ {
				sy := y + dy
				for xx := 0; xx < w; xx++ {
					sx := xx + dx
					if flip { // crop of the mirrored image
						sx = w - 1 - sx
					}
					v := a.Fill
					if sy >= 0 && sy < h && sx >= 0 && sx < w {
						v = src[plane+sy*w+sx]
					}
					out[plane+y*w+xx] = v
				}
			}
		}
	}
	return tensor.FromSlice(out, n, c, h, w), nil
}
