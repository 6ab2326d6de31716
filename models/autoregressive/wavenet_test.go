package autoregressive

import (
	"math"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func newTestWaveNet(t *testing.T, kernel int, dilations ...int) *WaveNet {
	t.Helper()
	w, err := NewWaveNet(config.ModelConfiguration{Name: "test"}, WaveNetOptions{
		Levels: 16, Residual: 8, Dilation: 6, Skip: 10, Kernel: kernel, Dilations: dilations, SampleRate: 8000,
	}, nn.NewRngs(9))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func randomCodes(n, levels int, seed uint64) []int {
	s := tensor.NewRngs(seed).Sample()
	out := make([]int, n)
	for i := range out {
		out[i] = s.Intn(levels)
	}
	return out
}

// logitsChangedFrom returns, for a perturbation of sample s, which output
// positions' logits changed.
func logitsChangedFrom(w *WaveNet, codes []int, s int) []bool {
	before := w.Logits(codes, 1)
	c := append([]int(nil), codes...)
	c[s] = (c[s] + 5) % w.Levels()
	after := w.Logits(c, 1)
	t := len(codes)
	changed := make([]bool, t)
	for k := range w.Levels() {
		for i := range t {
			if before.At(0, k, i) != after.At(0, k, i) {
				changed[i] = true
			}
		}
	}
	return changed
}

func TestWaveNetIsCausal(t *testing.T) {
	w := newTestWaveNet(t, 2, 1, 2, 4, 8)
	codes := randomCodes(40, 16, 1)
	for _, s := range []int{0, 17, 39} {
		changed := logitsChangedFrom(w, codes, s)
		for i := 0; i <= s; i++ {
			if changed[i] {
				t.Fatalf("changing sample %d changed the prediction of sample %d", s, i)
			}
		}
		if s+1 < len(codes) && !changed[s+1] {
			t.Errorf("changing sample %d did not change the prediction of sample %d", s, s+1)
		}
	}
}

// TestWaveNetReceptiveFieldMatchesTheFormula checks (k-1)·Σd + 1 against
// the network: the prediction of x_t changes with x_{t-R} and not with
// x_{t-R-1}.
func TestWaveNetReceptiveFieldMatchesTheFormula(t *testing.T) {
	for _, tc := range []struct {
		kernel    int
		dilations []int
		want      int
	}{
		{2, []int{1, 2, 4, 8}, 16},
		{3, []int{1, 2, 1, 2}, 13},
		{2, []int{1, 2, 4, 1, 2, 4}, 15},
	} {
		w := newTestWaveNet(t, tc.kernel, tc.dilations...)
		r := w.ReceptiveField()
		if r != tc.want {
			t.Errorf("kernel %d dilations %v: receptive field %d, want %d", tc.kernel, tc.dilations, r, tc.want)
		}
		codes := randomCodes(r+10, 16, 2)
		target := r + 5
		if !logitsChangedFrom(w, codes, target-r)[target] {
			t.Errorf("kernel %d dilations %v: x_%d does not reach the prediction of x_%d (R = %d)", tc.kernel, tc.dilations, target-r, target, r)
		}
		if logitsChangedFrom(w, codes, target-r-1)[target] {
			t.Errorf("kernel %d dilations %v: x_%d reaches the prediction of x_%d, beyond R = %d", tc.kernel, tc.dilations, target-r-1, target, r)
		}
		if !strings.Contains(w.ReceptiveFieldReport(), "receptive field") {
			t.Errorf("report %q", w.ReceptiveFieldReport())
		}
	}
}

func TestWaveNetCachedGenerationEqualsNaiveGeneration(t *testing.T) {
	for _, kernel := range []int{2, 3} {
		w := newTestWaveNet(t, kernel, 1, 2, 4, 1, 2)
		fast, err := w.Generate(3, 40, 1, tensor.NewRngs(11))
		if err != nil {
			t.Fatal(err)
		}
		slow, err := w.generateNaive(3, 40, 1, tensor.NewRngs(11))
		if err != nil {
			t.Fatal(err)
		}
		for i := range fast {
			if fast[i] != slow[i] {
				t.Fatalf("kernel %d: cached generation differs from the naive one at %d: %v vs %v", kernel, i, fast, slow)
			}
		}
		// The step logits equal those of the full network on the result.
		g := w.newGenerator(3)
		full := w.Logits(fast, 3)
		prev := []int{w.silence(), w.silence(), w.silence()}
		for step := range 40 {
			l := g.step(prev)
			for b := range 3 {
				for k := range w.Levels() {
					if d := math.Abs(float64(l.At(b, k) - full.At(b, k, step))); d > 1e-4 {
						t.Fatalf("kernel %d step %d: cached logit %g, full %g", kernel, step, l.At(b, k), full.At(b, k, step))
					}
				}
				prev[b] = fast[b*40+step]
			}
		}
	}
}

func TestWaveNetLogProbIsNormalised(t *testing.T) {
	w, err := NewWaveNet(config.ModelConfiguration{}, WaveNetOptions{Levels: 3, Residual: 4, Dilation: 4, Skip: 4, Kernel: 2, Dilations: []int{1, 2}, SampleRate: 8000}, nn.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	for n := range 27 {
		codes = append(codes, n%3, n/3%3, n/9)
	}
	total := 0.0
	for _, v := range w.LogProb(codes, 27).Data() {
		total += math.Exp(float64(v))
	}
	if math.Abs(total-1) > 1e-4 {
		t.Errorf("Σ p(x) over all 27 sequences = %.6f, want 1", total)
	}
}

func TestWaveNetRejectsBadOptionsAndArguments(t *testing.T) {
	good := WaveNetOptions{Levels: 16, Residual: 4, Dilation: 4, Skip: 4, Kernel: 2, Dilations: []int{1}, SampleRate: 8000}
	for want, edit := range map[string]func(o *WaveNetOptions){
		"kernel_size must be ≥ 2":   func(o *WaveNetOptions) { o.Kernel = 1 },
		"dilations[1] must be > 0":  func(o *WaveNetOptions) { o.Dilations = []int{1, 0} },
		"sample_rate must be > 0":   func(o *WaveNetOptions) { o.SampleRate = 0 },
		"at least one layer":        func(o *WaveNetOptions) { o.Dilations = nil },
		"num_levels must be ≥ 2":    func(o *WaveNetOptions) { o.Levels = 1 },
		"skip channels must be > 0": func(o *WaveNetOptions) { o.Skip = 0 },
	} {
		o := good
		edit(&o)
		if _, err := NewWaveNet(config.ModelConfiguration{}, o, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
	w, _ := NewWaveNet(config.ModelConfiguration{}, good, nn.NewRngs(0))
	if _, err := w.Generate(1, 0, 1, tensor.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "length") {
		t.Errorf("zero length: err = %v", err)
	}
	if _, err := w.Generate(1, 5, 0, tensor.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "temperature") {
		t.Errorf("zero temperature: err = %v", err)
	}
}
