package image

import (
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/tensor"
)

func TestRescaleMapsRangesAndBack(t *testing.T) {
	x := tensor.FromSlice([]float32{-1, 0, 0.5, 1}, 4)
	unit := Rescale(x, Range{-1, 1}, Unit)
	if got := unit.Data(); !slices.Equal(got, []float32{0, 0.5, 0.75, 1}) {
		t.Errorf("[-1, 1] → [0, 1] gave %v", got)
	}
	bytes := Rescale(unit, Unit, Range{0, 255})
	if got := bytes.Data(); !slices.Equal(got, []float32{0, 127.5, 191.25, 255}) {
		t.Errorf("[0, 1] → [0, 255] gave %v", got)
	}
	back := Rescale(bytes, Range{0, 255}, Range{-1, 1})
	for i, v := range back.Data() {
		if d := v - x.Data()[i]; d > 1e-6 || d < -1e-6 {
			t.Errorf("round trip [%d] = %g, want %g", i, v, x.Data()[i])
		}
	}
	if got := Clip(tensor.FromSlice([]float32{-0.2, 0.3, 1.7}, 3), Unit).Data(); !slices.Equal(got, []float32{0, 0.3, 1}) {
		t.Errorf("Clip gave %v", got)
	}
	if err := (Range{1, 1}).Validate(); err == nil {
		t.Error("empty range accepted")
	}
}

func TestLayoutConversionsMoveChannels(t *testing.T) {
	// One 2×2 image with 3 channels, channels last: pixel (y, x) holds
	// (10y+x, 100+10y+x, 200+10y+x).
	var hwc []float32
	for y := 0; y < 2; y++ {
		for x := 0; x < 2; x++ {
			for c := 0; c < 3; c++ {
				hwc = append(hwc, float32(100*c+10*y+x))
			}
		}
	}
	nhwc := tensor.FromSlice(hwc, 1, 2, 2, 3)
	nchw, err := ToNCHW(nhwc, NHWC)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 1, 10, 11, 100, 101, 110, 111, 200, 201, 210, 211}
	if !slices.Equal(nchw.Data(), want) || !slices.Equal(nchw.Shape(), []int{1, 3, 2, 2}) {
		t.Fatalf("NHWC → NCHW gave %v %v", nchw.Shape(), nchw.Data())
	}
	back, err := FromNCHW(nchw, NHWC)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Data(), hwc) {
		t.Errorf("round trip gave %v", back.Data())
	}
	if _, err := ToNCHW(tensor.Zeros(3, 2, 2), NHWC); err == nil || !strings.Contains(err.Error(), "4 axes") {
		t.Errorf("3-axis batch: error %v", err)
	}
	if _, err := ParseLayout("hwc"); err == nil || !strings.Contains(err.Error(), "allowed: nchw") {
		t.Errorf("unknown layout: error %v", err)
	}
	if l, err := ParseLayout("channels_last"); err != nil || l != NHWC {
		t.Errorf("channels_last parsed as %q, %v", l, err)
	}
}

// ramp returns n copies of a 1×3×4 image whose pixel (y, x) is 1+4y+x.
func ramp(n int) *tensor.Tensor {
	var v []float32
	for i := 0; i < n; i++ {
		for p := 0; p < 12; p++ {
			v = append(v, float32(1+p))
		}
	}
	return tensor.FromSlice(v, n, 1, 3, 4)
}

func TestFlipMirrorsAboutHalfTheImages(t *testing.T) {
	x := ramp(200)
	out, err := Augment{Flip: true}.Apply(x, tensor.NewRngs(1).Stream("aug"))
	if err != nil {
		t.Fatal(err)
	}
	orig := x.Data()[:12]
	mirror := []float32{4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}
	flipped := 0
	for i := 0; i < 200; i++ {
		img := out.Data()[12*i : 12*i+12]
		switch {
		case slices.Equal(img, mirror):
			flipped++
		case !slices.Equal(img, orig):
			t.Fatalf("image %d is neither the original nor its mirror: %v", i, img)
		}
	}
	if flipped < 70 || flipped > 130 {
		t.Errorf("%d of 200 flipped, want about half", flipped)
	}
	if slices.Equal(x.Data()[:12], mirror) {
		t.Error("the input was modified")
	}
}

func TestCropWithPaddingShiftsWithinThePadding(t *testing.T) {
	x := ramp(300)
	a := Augment{CropPadding: 1, Fill: -1}
	out, err := a.Apply(x, tensor.NewRngs(2).Stream("aug"))
	if err != nil {
		t.Fatal(err)
	}
	shifts := map[[2]int]bool{}
	for i := 0; i < 300; i++ {
		img := out.Data()[12*i : 12*i+12]
		found := false
		for dy := -1; dy <= 1 && !found; dy++ {
			for dx := -1; dx <= 1 && !found; dx++ {
				ok := true
				for y := 0; y < 3 && ok; y++ {
					for xx := 0; xx < 4 && ok; xx++ {
						want := float32(-1)
						if sy, sx := y+dy, xx+dx; sy >= 0 && sy < 3 && sx >= 0 && sx < 4 {
							want = float32(1 + 4*sy + sx)
						}
						ok = img[4*y+xx] == want
					}
				}
				if ok {
					found = true
					shifts[[2]int{dy, dx}] = true
				}
			}
		}
		if !found {
			t.Fatalf("image %d is no shift of the original by ≤ 1 pixel: %v", i, img)
		}
	}
	if len(shifts) != 9 {
		t.Errorf("%d of the 9 shifts occurred in 300 crops", len(shifts))
	}
	again, _ := a.Apply(x, tensor.NewRngs(2).Stream("aug"))
	if !slices.Equal(again.Data(), out.Data()) {
		t.Error("the same stream seed gave other crops")
	}
	if _, err := (Augment{CropPadding: -1}).Apply(x, nil); err == nil {
		t.Error("negative padding accepted")
	}
}

func TestParseOptionsReadsMetadataAndNamesBadKeys(t *testing.T) {
	o, err := ParseOptions(config.ModelConfiguration{})
	if err != nil || o != DefaultOptions {
		t.Fatalf("no metadata: %+v, %v", o, err)
	}
	cfg := config.ModelConfiguration{Metadata: map[string]any{"image": map[string]any{
		"input_range": []any{-1, 1.0}, "layout": "channels_last", "flip": true, "crop_padding": 2,
	}}}
	o, err = ParseOptions(cfg)
	want := Options{InputRange: Range{-1, 1}, Layout: NHWC, Augment: Augment{Flip: true, CropPadding: 2}}
	if err != nil || o != want {
		t.Fatalf("got %+v, %v; want %+v", o, err, want)
	}
	for _, c := range []struct {
		sec  map[string]any
		want string
	}{
		{map[string]any{"scale": 2}, "unknown key metadata.image.scale"},
		{map[string]any{"input_range": []any{1, 0}}, "lo < hi"},
		{map[string]any{"input_range": 5}, "must be [lo, hi]"},
		{map[string]any{"layout": "chw"}, "unknown layout"},
		{map[string]any{"flip": "yes"}, "true or false"},
		{map[string]any{"crop_padding": -2}, "integer ≥ 0"},
	} {
		_, err := ParseOptions(config.ModelConfiguration{Metadata: map[string]any{"image": c.sec}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.sec, err, c.want)
		}
	}
}
