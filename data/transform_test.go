package data

import (
	"math"
	"slices"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

func TestDynamicBinarizeMatchesIntensities(t *testing.T) {
	// Four pixel intensities, each repeated over many images.
	const n = 20000
	levels := []float32{0, 0.1, 0.7, 1}
	x := make([]float32, n*len(levels))
	for i := range x {
		x[i] = levels[i%len(levels)]
	}
	in := tensor.FromSlice(x, n, 1, 2, 2)
	bin := DynamicBinarize(tensor.NewRngs(3).Stream("binarize"))
	a, b := bin(in), bin(in)

	ones := make([]int, len(levels))
	for i, v := range a.Data() {
		if v != 0 && v != 1 {
			t.Fatalf("value %v is not 0 or 1", v)
		}
		ones[i%len(levels)] += int(v)
	}
	for k, p := range levels {
		mean := float64(ones[k]) / n
		sd := math.Sqrt(float64(p*(1-p)) / n)
		if math.Abs(mean-float64(p)) > 5*sd+1e-12 {
			t.Errorf("intensity %v: fraction of ones %v, more than 5 standard deviations (%v) off", p, mean, sd)
		}
	}
	if slices.Equal(a.Data(), b.Data()) {
		t.Error("two batches got the same binarisation")
	}
	again := DynamicBinarize(tensor.NewRngs(3).Stream("binarize"))(in)
	if !slices.Equal(a.Data(), again.Data()) {
		t.Error("the same seed gave a different binarisation")
	}
}

func TestStaticBinarizeThresholds(t *testing.T) {
	got := StaticBinarize(0.5)(tensor.FromSlice([]float32{0, 0.5, 0.51, 1})).Data()
	if !slices.Equal(got, []float32{0, 0, 1, 1}) {
		t.Errorf("got %v", got)
	}
}

func TestDequantizeStaysInsideEachLevelsBin(t *testing.T) {
	x := make([]float32, 256*200)
	for i := range x {
		x[i] = float32(i%256) / 255
	}
	y := Dequantize(tensor.NewRngs(1).Stream("noise"))(tensor.FromSlice(x)).Data()
	sum := 0.0
	for i, v := range y {
		k := float32(i % 256)
		if v < k/256 || v >= (k+1)/256 {
			t.Fatalf("level %v dequantised to %v, outside [%v, %v)", k, v, k/256, (k+1)/256)
		}
		sum += float64(v*256 - k)
	}
	if mean := sum / float64(len(y)); math.Abs(mean-0.5) > 0.01 {
		t.Errorf("mean noise %v, want about 0.5", mean)
	}
}

func TestLogitRoundTripAndLogDet(t *testing.T) {
	const alpha = 0.05
	logit, err := Logit(alpha)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := InverseLogit(alpha)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.FromSlice([]float32{0, 0.25, 0.5, 1, 0.9, 0.1}, 2, 3)
	z := logit(x)
	if got := z.At(0, 2); got != 0 {
		t.Errorf("logit of 0.5 = %v, want 0", got)
	}
	if got, want := z.At(0, 0), float32(math.Log(alpha/(1-alpha))); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("logit of 0 = %v, want %v", got, want)
	}
	for i, v := range inv(z).Data() {
		if math.Abs(float64(v-x.Data()[i])) > 1e-5 {
			t.Errorf("round trip of %v gave %v", x.Data()[i], v)
		}
	}

	// The log-determinant against finite differences of the forward map.
	ld, err := LogitLogDet(x, alpha)
	if err != nil {
		t.Fatal(err)
	}
	f := func(v float64) float64 { y := alpha + (1-2*alpha)*v; return math.Log(y / (1 - y)) }
	for i := range 2 {
		want := 0.0
		for _, v := range x.Data()[3*i : 3*i+3] {
			const h = 1e-6
			want += math.Log((f(float64(v)+h) - f(float64(v)-h)) / (2 * h))
		}
		if math.Abs(ld[i]-want) > 1e-4 {
			t.Errorf("image %d: log-det %v, finite differences %v", i, ld[i], want)
		}
	}

	for _, bad := range []float64{0, 0.5, -1, math.NaN()} {
		_, err := Logit(bad)
		wantErr(t, err, "alpha must be in (0, 0.5)")
	}
}
