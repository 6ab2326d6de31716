package nn

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// scalarActivations gives each elementwise activation by its float64
// definition (PyTorch's defaults: leaky_relu slope 0.01, elu and celu alpha 1).
var scalarActivations = map[string]func(x float64) float64{
	"relu":       func(x float64) float64 { return math.Max(x, 0) },
	"gelu":       func(x float64) float64 { return x * 0.5 * (1 + math.Erf(x/math.Sqrt2)) },
	"silu":       func(x float64) float64 { return x / (1 + math.Exp(-x)) },
	"swish":      func(x float64) float64 { return x / (1 + math.Exp(-x)) },
	"tanh":       math.Tanh,
	"sigmoid":    func(x float64) float64 { return 1 / (1 + math.Exp(-x)) },
	"elu":        func(x float64) float64 { return elu(x, 1) },
	"leaky_relu": func(x float64) float64 { return math.Max(x, 0.01*x) },
	"softplus":   func(x float64) float64 { return math.Log1p(math.Exp(x)) },
	"softsign":   func(x float64) float64 { return x / (1 + math.Abs(x)) },
	"relu6":      func(x float64) float64 { return math.Min(math.Max(x, 0), 6) },
	"hard_tanh":  func(x float64) float64 { return math.Min(math.Max(x, -1), 1) },
	"celu":       func(x float64) float64 { return elu(x, 1) },
	"selu": func(x float64) float64 {
		return 1.0507009873554804934193349852946 * elu(x, 1.6732632423543772848170429916717)
	},
}

func elu(x, alpha float64) float64 {
	if x > 0 {
		return x
	}
	return alpha * (math.Exp(x) - 1)
}

func TestActivationNamesAreTheIssuesList(t *testing.T) {
	want := []string{"celu", "elu", "gelu", "glu", "hard_tanh", "leaky_relu", "relu", "relu6", "selu", "sigmoid", "silu", "softplus", "softsign", "swish", "tanh"}
	if got := ActivationNames(); !reflect.DeepEqual(got, want) {
		t.Fatalf("ActivationNames() = %v, want %v", got, want)
	}
}

func TestActivationValues(t *testing.T) {
	x := tensor.FromSlice([]float32{-7, -2.5, -1, -0.3, 0, 0.2, 0.9, 1.5, 4, 6.5}, 10)
	for _, name := range ActivationNames() {
		f, err := Activation(name)
		if err != nil {
			t.Fatal(err)
		}
		if name == "glu" {
			// glu(a, b) = a·σ(b) over the two halves of the last axis.
			y := f(x).Data()
			for i := 0; i < 5; i++ {
				a, b := float64(x.Data()[i]), float64(x.Data()[i+5])
				assertClose(t, "glu", y[i:i+1], []float32{float32(a / (1 + math.Exp(-b)))}, 1e-5, 1e-6)
			}
			continue
		}
		ref := scalarActivations[name]
		want := make([]float32, x.Size())
		for i, v := range x.Data() {
			want[i] = float32(ref(float64(v)))
		}
		assertClose(t, name, f(x).Data(), want, 1e-5, 1e-6)
	}
}

func TestUnknownActivationIsAClearError(t *testing.T) {
	_, err := Activation("reluu")
	if err == nil || !strings.Contains(err.Error(), `"reluu"`) || !strings.Contains(err.Error(), "leaky_relu") {
		t.Fatalf("Activation(\"reluu\") error %v, want one naming the input and the known names", err)
	}
	_, err = NewMLP(NewRngs(1), []int{4, 3}, "Relu")
	if err == nil || !strings.Contains(err.Error(), `unknown activation "Relu"`) {
		t.Fatalf("NewMLP with activation \"Relu\": error %v", err)
	}
	mustPanic(t, "glu on an odd axis", "even", func() {
		f, _ := Activation("glu")
		f(randn(1, 2, 5))
	})
}

func TestMLPWithEveryActivation(t *testing.T) {
	for _, name := range ActivationNames() {
		m, x := mlpAwayFromKinks(t, []int{5, 6, 4, 3}, name, 2)
		y := m.Forward(x)
		assertShape(t, name, y, 2, 3)
		assertShape(t, name+" with leading axes", m.Forward(randn(3, 2, 2, 5)), 2, 2, 3)
		checkGradients(t, "MLP "+name, func() *tensor.Tensor { return m.Forward(x) }, withInput(x, m))
	}
}

// mlpAwayFromKinks returns a deterministic MLP and input [n, sizes[0]] whose
// hidden pre-activations all lie at least 0.05 from the kinks of relu,
// relu6, leaky_relu, selu and hard_tanh (-1, 0, 6), so that the finite
// differences of a gradient check never straddle one.
func mlpAwayFromKinks(t *testing.T, sizes []int, activation string, n int) (*MLP, *tensor.Tensor) {
	t.Helper()
	for seed := uint64(1); seed < 1000; seed++ {
		m, err := NewMLP(NewRngs(seed), sizes, activation)
		if err != nil {
			t.Fatalf("%s: %v", activation, err)
		}
		x := tensor.Scale(randn(seed+1000, n, sizes[0]), 2)
		h, ok := x, true
		for _, l := range m.Layers[:len(m.Layers)-1] {
			h = l.Forward(h)
			for _, z := range h.Data() {
				for _, k := range []float32{-1, 0, 6} {
					ok = ok && (z-k > 0.05 || k-z > 0.05)
				}
			}
			h = m.activation(h)
		}
		if ok {
			return m, x
		}
	}
	t.Fatalf("%s: no seed keeps the hidden pre-activations away from the kinks", activation)
	return nil, nil
}

func TestMLPLayersAndSizeErrors(t *testing.T) {
	m, err := NewMLP(NewRngs(1), []int{784, 512, 256, 10}, "relu")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range Parameters(m) {
		names = append(names, fmt.Sprint(p.Name, p.Tensor.Shape()))
	}
	want := []string{"layers/0/weight[784 512]", "layers/0/bias[512]", "layers/1/weight[512 256]", "layers/1/bias[256]", "layers/2/weight[256 10]", "layers/2/bias[10]"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("parameters %v, want %v", names, want)
	}
	// A linear MLP (no hidden layer) has no activation to apply.
	single, _ := NewMLP(NewRngs(1), []int{3, 2}, "sigmoid")
	x := randn(2, 4, 3)
	assertClose(t, "single layer", single.Forward(x).Data(), single.Layers[0].Forward(x).Data(), 0, 0)
	for _, sizes := range [][]int{{4}, {}, {4, 0, 2}, {4, -3}} {
		if _, err := NewMLP(NewRngs(1), sizes, "relu"); err == nil {
			t.Errorf("NewMLP(%v) gave no error", sizes)
		}
	}
}
