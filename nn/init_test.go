package nn

import (
	"math"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// moments returns the mean, variance and largest |value| of x.
func moments(x *tensor.Tensor) (mean, variance, maxAbs float64) {
	for _, v := range x.Data() {
		mean += float64(v)
		maxAbs = max(maxAbs, math.Abs(float64(v)))
	}
	mean /= float64(x.Size())
	for _, v := range x.Data() {
		variance += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, variance / float64(x.Size()), maxAbs
}

func TestInitializerStatisticsFollowTheirFormulas(t *testing.T) {
	const fanIn, fanOut = 300, 200
	shape := []int{fanIn, fanOut} // 60000 draws: the sample variance is within ~1% of the true one
	for _, tc := range []struct {
		name     string
		init     Initializer
		variance float64
		bound    float64 // 0 for unbounded distributions
	}{
		{"XavierUniform(1)", XavierUniform(1), 2.0 / (fanIn + fanOut), math.Sqrt(6.0 / (fanIn + fanOut))},
		{"XavierUniform(2)", XavierUniform(2), 4 * 2.0 / (fanIn + fanOut), 2 * math.Sqrt(6.0/(fanIn+fanOut))},
		{"XavierNormal(1)", XavierNormal(1), 2.0 / (fanIn + fanOut), 0},
		{"KaimingUniform(√2)", KaimingUniform(math.Sqrt2), 2.0 / fanIn, math.Sqrt(6.0 / fanIn)},
		{"KaimingNormal(√2)", KaimingNormal(math.Sqrt2), 2.0 / fanIn, 0},
		{"KaimingNormal(1)", KaimingNormal(1), 1.0 / fanIn, 0},
		{"Normal(0.02)", Normal(0.02), 0.02 * 0.02, 0},
		{"Uniform(0.5)", Uniform(0.5), 0.25 / 3, 0.5},
		{"Orthogonal(1)", Orthogonal(1), 1.0 / fanIn, 0}, // orthonormal columns of length 300
	} {
		x := tc.init(NewRngs(1).Params(), shape, fanIn, fanOut)
		assertShape(t, tc.name, x, shape...)
		mean, v, maxAbs := moments(x)
		sd := math.Sqrt(tc.variance)
		if math.Abs(mean) > 0.02*sd {
			t.Errorf("%s: mean %.3g, want 0 (σ = %.3g)", tc.name, mean, sd)
		}
		if math.Abs(v/tc.variance-1) > 0.03 {
			t.Errorf("%s: variance %.4g, want %.4g", tc.name, v, tc.variance)
		}
		if tc.bound > 0 && (maxAbs > tc.bound || maxAbs < 0.99*tc.bound) {
			t.Errorf("%s: largest |value| %.4g, want just under the bound %.4g", tc.name, maxAbs, tc.bound)
		}
	}
	z := ZerosInit()(NewRngs(1).Params(), []int{3, 4}, 3, 4)
	if _, v, maxAbs := moments(z); v != 0 || maxAbs != 0 {
		t.Error("ZerosInit gave non-zero values")
	}
}

// gram returns the rows·rowsᵀ Gram matrix (byRows) or columnsᵀ·columns of
// x viewed as [shape[0], rest] in float64.
func gram(x *tensor.Tensor, byRows bool) [][]float64 {
	r := x.Dim(0)
	c := x.Size() / r
	d := x.Data()
	at := func(i, j int) float64 { return float64(d[i*c+j]) }
	n, k := c, r
	if byRows {
		n, k = r, c
	}
	g := make([][]float64, n)
	for i := range g {
		g[i] = make([]float64, n)
		for j := range g[i] {
			for l := 0; l < k; l++ {
				if byRows {
					g[i][j] += at(i, l) * at(j, l)
				} else {
					g[i][j] += at(l, i) * at(l, j)
				}
			}
		}
	}
	return g
}

func TestOrthogonalGivesOrthonormalRowsOrColumns(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shape  []int
		byRows bool // the shorter side is orthonormal: rows for wide shapes, columns for tall ones
		gain   float64
	}{
		{"square", []int{6, 6}, true, 1},
		{"wide: W·Wᵀ = I", []int{4, 9}, true, 1},
		{"tall: Wᵀ·W = I", []int{9, 4}, false, 1},
		{"conv weight [out, in, k, k] is wide", []int{4, 2, 3, 3}, true, 1},
		{"gain scales", []int{5, 7}, true, 2},
	} {
		w := Orthogonal(tc.gain)(NewRngs(3).Params(), tc.shape, 0, 0)
		assertShape(t, tc.name, w, tc.shape...)
		g := gram(w, tc.byRows)
		for i := range g {
			for j := range g[i] {
				want := 0.0
				if i == j {
					want = tc.gain * tc.gain
				}
				if math.Abs(g[i][j]-want) > 1e-5 {
					t.Fatalf("%s: Gram matrix [%d][%d] = %.6f, want %g", tc.name, i, j, g[i][j], want)
				}
			}
		}
	}
	a := Orthogonal(1)(NewRngs(3).Params(), []int{4, 4}, 0, 0)
	b := Orthogonal(1)(NewRngs(4).Params(), []int{4, 4}, 0, 0)
	if a.Data()[0] == b.Data()[0] {
		t.Error("different seeds gave the same orthogonal matrix")
	}
}

func TestInitializerByName(t *testing.T) {
	for _, name := range []string{"xavier_uniform", "glorot_uniform", "xavier_normal", "glorot_normal",
		"kaiming_uniform", "he_uniform", "kaiming_normal", "he_normal", "normal", "zeros", "orthogonal"} {
		f, err := InitializerByName(name)
		if err != nil || f == nil {
			t.Errorf("InitializerByName(%q): %v", name, err)
			continue
		}
		assertShape(t, name, f(NewRngs(1).Params(), []int{3, 5}, 3, 5), 3, 5)
	}
	// he_normal is Kaiming with the ReLU gain √2, as PyTorch's kaiming_normal_.
	he, _ := InitializerByName("he_normal")
	if _, v, _ := moments(he(NewRngs(1).Params(), []int{400, 100}, 400, 100)); math.Abs(v/(2.0/400)-1) > 0.03 {
		t.Errorf("he_normal variance %.4g, want 2/fan_in = %.4g", v, 2.0/400)
	}
	_, err := InitializerByName("xavier")
	if err == nil || !strings.Contains(err.Error(), `"xavier"`) || !strings.Contains(err.Error(), "xavier_uniform") {
		t.Fatalf("InitializerByName(\"xavier\") error %v, want one naming the input and the known names", err)
	}
}

func TestNewLinearInitUsesTheInitializerWithLinearFans(t *testing.T) {
	var gotFanIn, gotFanOut int
	spy := func(s *tensor.Stream, shape []int, fanIn, fanOut int) *tensor.Tensor {
		gotFanIn, gotFanOut = fanIn, fanOut
		return tensor.Ones(shape...)
	}
	l := NewLinearInit(NewRngs(1), 7, 3, spy, true)
	if gotFanIn != 7 || gotFanOut != 3 {
		t.Errorf("fans (%d, %d), want (7, 3)", gotFanIn, gotFanOut)
	}
	if !l.Weight.RequiresGrad() || !l.Bias.RequiresGrad() {
		t.Error("initialised parameters do not require a gradient")
	}
	assertClose(t, "bias starts at zero", l.Bias.Data(), []float32{0, 0, 0}, 0, 0)
}

func TestConvDefaultInitUsesPyTorchFanIn(t *testing.T) {
	// PyTorch: U(-1/√fan_in, 1/√fan_in), fan_in = in/groups·kh·kw for Conv2d
	// and out/groups·kh·kw (weight.size(1)·k·k) for ConvTranspose2d.
	for _, tc := range []struct {
		name  string
		w     *tensor.Tensor
		fanIn int
	}{
		{"Conv2d", NewConv2d(NewRngs(1), 16, 32, 3, 1, 1).Weight, 16 * 9},
		{"grouped Conv2d", NewConv2dWith(NewRngs(1), 16, 32, [2]int{3, 3}, tensor.Conv2dOptions{Groups: 4}).Weight, 4 * 9},
		{"ConvTranspose2d", NewConvTranspose2d(NewRngs(1), 32, 16, 4, 2, 1, 0).Weight, 16 * 16},
		{"Conv1d", NewConv1d(NewRngs(1), 8, 32, 5, 1, 2, false).Weight, 8 * 5},
	} {
		_, v, maxAbs := moments(tc.w)
		bound := 1 / math.Sqrt(float64(tc.fanIn))
		if maxAbs > bound || maxAbs < 0.98*bound || math.Abs(v/(bound*bound/3)-1) > 0.1 {
			t.Errorf("%s: largest |w| %.4g and variance %.4g, want bound %.4g and variance %.4g", tc.name, maxAbs, v, bound, bound*bound/3)
		}
	}
}
