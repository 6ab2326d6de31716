package nn

import (
	"encoding/json"
	"testing"

	"github.com/artifex-go/artifex/internal/goldentest"
	"github.com/artifex-go/artifex/tensor"
)

// Golden values from PyTorch (testdata/golden_layers.json, written by
// testdata/gen_golden_layers.py): outputs, gradients of sum(output·proj)
// and running statistics, which must agree to this relative tolerance
// (plus a tiny absolute one for values near zero).
const goldenRTol, goldenATol = 1e-4, 1e-5

type goldenTensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

func (g goldenTensor) tensor() *tensor.Tensor {
	return tensor.FromSlice(append([]float32(nil), g.Data...), g.Shape...)
}

type goldenCase struct {
	Name        string                  `json:"name"`
	Op          string                  `json:"op"`
	Params      json.RawMessage         `json:"params"`
	Inputs      map[string]goldenTensor `json:"inputs"`
	StateBefore map[string]goldenTensor `json:"state_before"`
	StateAfter  map[string]goldenTensor `json:"state_after"`
	Output      goldenTensor            `json:"output"`
	Proj        goldenTensor            `json:"proj"`
	Grads       map[string]goldenTensor `json:"grads"`
}

func loadGoldenLayers(t *testing.T) map[string][]goldenCase {
	file := goldentest.Load[struct {
		Cases []goldenCase `json:"cases"`
	}](t, "testdata/golden_layers.json")
	byOp := map[string][]goldenCase{}
	for _, c := range file.Cases {
		byOp[c.Op] = append(byOp[c.Op], c)
	}
	return byOp
}

// transposed returns the data of a [rows, cols] matrix as [cols, rows]:
// PyTorch's [out, in] weights against our [in, out].
func transposed(d []float32, rows, cols int) []float32 {
	out := make([]float32, len(d))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = d[r*cols+c]
		}
	}
	return out
}

// checkGolden runs forward on c's inputs, compares the output with
// PyTorch's, backpropagates sum(output·proj) and compares the gradients
// that grads returns (PyTorch name → our gradient, in PyTorch's layout).
func checkGolden(t *testing.T, c goldenCase, forward func() *tensor.Tensor, grads func() map[string][]float32) {
	t.Helper()
	y := forward()
	if !tensor.SameShape(y.Shape(), c.Output.Shape) {
		t.Fatalf("%s: output shape %v, want %v", c.Name, y.Shape(), c.Output.Shape)
	}
	assertClose(t, c.Name+" output", y.Data(), c.Output.Data, goldenRTol, goldenATol)
	tensor.Sum(tensor.Mul(y, c.Proj.tensor())).Backward()
	got := grads()
	if len(got) != len(c.Grads) {
		t.Errorf("%s: compared %d gradients, PyTorch has %d", c.Name, len(got), len(c.Grads))
	}
	for name, want := range c.Grads {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: no gradient for %s", c.Name, name)
			continue
		}
		assertClose(t, c.Name+" d/d "+name, g, want.Data, goldenRTol, goldenATol)
	}
}

func params(t *testing.T, c goldenCase, into any) {
	t.Helper()
	if err := json.Unmarshal(c.Params, into); err != nil {
		t.Fatalf("%s: params: %v", c.Name, err)
	}
}

// leaf returns the named input as a tensor that collects a gradient.
func leaf(c goldenCase, name string) *tensor.Tensor {
	return c.Inputs[name].tensor().SetRequiresGrad(true)
}

func gradOf(x *tensor.Tensor) []float32 {
	if x.Grad() == nil {
		return nil
	}
	return x.Grad().Data()
}

func TestGoldenNormLayers(t *testing.T) {
	cases := loadGoldenLayers(t)
	for _, c := range cases["layer_norm"] {
		var p struct {
			Shape []int `json:"normalized_shape"`
		}
		params(t, c, &p)
		l := NewLayerNorm(p.Shape...)
		x := leaf(c, "x")
		l.Weight, l.Bias = leaf(c, "weight"), leaf(c, "bias")
		checkGolden(t, c, func() *tensor.Tensor { return l.Forward(x) }, func() map[string][]float32 {
			return map[string][]float32{"x": gradOf(x), "weight": gradOf(l.Weight), "bias": gradOf(l.Bias)}
		})
	}
	for _, c := range cases["group_norm"] {
		var p struct {
			Groups int `json:"num_groups"`
		}
		params(t, c, &p)
		x := leaf(c, "x")
		g := NewGroupNorm(p.Groups, x.Dim(1))
		g.Weight, g.Bias = leaf(c, "weight"), leaf(c, "bias")
		checkGolden(t, c, func() *tensor.Tensor { return g.Forward(x) }, func() map[string][]float32 {
			return map[string][]float32{"x": gradOf(x), "weight": gradOf(g.Weight), "bias": gradOf(g.Bias)}
		})
	}
	for _, c := range cases["instance_norm2d"] {
		x := leaf(c, "x")
		n := NewInstanceNorm(x.Dim(1), false)
		checkGolden(t, c, func() *tensor.Tensor { return n.Forward(x) }, func() map[string][]float32 {
			return map[string][]float32{"x": gradOf(x)}
		})
	}
	if len(cases["layer_norm"]) != 2 || len(cases["group_norm"]) != 2 || len(cases["instance_norm2d"]) != 1 {
		t.Errorf("golden file holds %d layer-norm, %d group-norm and %d instance-norm cases, want 2, 2 and 1",
			len(cases["layer_norm"]), len(cases["group_norm"]), len(cases["instance_norm2d"]))
	}
}

func TestGoldenBatchNormTrainAndEvalWithRunningStatistics(t *testing.T) {
	cases := loadGoldenLayers(t)["batch_norm"]
	if len(cases) != 5 {
		t.Fatalf("golden file holds %d batch-norm cases, want 5", len(cases))
	}
	for _, c := range cases {
		var p struct {
			Training bool    `json:"training"`
			Momentum float32 `json:"momentum"`
			Eps      float32 `json:"eps"`
		}
		params(t, c, &p)
		x := leaf(c, "x")
		b := NewBatchNorm(x.Dim(1))
		if b.Momentum != p.Momentum || b.Eps != p.Eps {
			t.Errorf("defaults momentum %g, eps %g; PyTorch's %g, %g", b.Momentum, b.Eps, p.Momentum, p.Eps)
		}
		b.Weight, b.Bias = leaf(c, "weight"), leaf(c, "bias")
		b.RunningMean, b.RunningVar = c.StateBefore["running_mean"].tensor(), c.StateBefore["running_var"].tensor()
		SetTraining(b, p.Training)
		checkGolden(t, c, func() *tensor.Tensor { return b.Forward(x) }, func() map[string][]float32 {
			return map[string][]float32{"x": gradOf(x), "weight": gradOf(b.Weight), "bias": gradOf(b.Bias)}
		})
		assertClose(t, c.Name+" running mean", b.RunningMean.Data(), c.StateAfter["running_mean"].Data, goldenRTol, goldenATol)
		assertClose(t, c.Name+" running var", b.RunningVar.Data(), c.StateAfter["running_var"].Data, goldenRTol, goldenATol)
	}
}

func TestGoldenMultiHeadAttentionWithPyTorchProjectionsTransposed(t *testing.T) {
	cases := loadGoldenLayers(t)["multihead_attention"]
	if len(cases) != 4 {
		t.Fatalf("golden file holds %d attention cases, want 4", len(cases))
	}
	for _, c := range cases {
		var p struct {
			E      int          `json:"embed_dim"`
			Heads  int          `json:"num_heads"`
			Causal bool         `json:"causal"`
			Mask   goldenTensor `json:"mask"`
		}
		params(t, c, &p)
		e := p.E
		// in_proj_weight [3E, E]: rows [0:E) project queries, [E:2E) keys,
		// [2E:3E) values, each as x·rowsᵀ; ours are [in, out] with x·W.
		inW, inB := c.Inputs["in_proj_weight"].Data, c.Inputs["in_proj_bias"].Data
		m := &MultiHeadAttention{Heads: p.Heads}
		for i, l := range []**Linear{&m.Query, &m.Key, &m.Value} {
			*l = &Linear{
				Weight: tensor.FromSlice(transposed(inW[i*e*e:(i+1)*e*e], e, e), e, e).SetRequiresGrad(true),
				Bias:   tensor.FromSlice(append([]float32(nil), inB[i*e:(i+1)*e]...), e).SetRequiresGrad(true),
			}
		}
		m.Out = &Linear{
			Weight: tensor.FromSlice(transposed(c.Inputs["out_proj_weight"].Data, e, e), e, e).SetRequiresGrad(true),
			Bias:   leaf(c, "out_proj_bias"),
		}
		var mask *tensor.Tensor
		if p.Mask.Shape != nil {
			mask = p.Mask.tensor()
		}
		var q, k, v *tensor.Tensor
		if _, self := c.Inputs["x"]; self {
			q = leaf(c, "x")
			k, v = q, q
		} else {
			q, k, v = leaf(c, "query"), leaf(c, "key"), leaf(c, "value")
		}
		checkGolden(t, c, func() *tensor.Tensor { return m.Attend(q, k, v, mask, p.Causal) }, func() map[string][]float32 {
			inWGrad := make([]float32, 0, 3*e*e)
			inBGrad := make([]float32, 0, 3*e)
			for _, l := range []*Linear{m.Query, m.Key, m.Value} {
				inWGrad = append(inWGrad, transposed(gradOf(l.Weight), e, e)...)
				inBGrad = append(inBGrad, gradOf(l.Bias)...)
			}
			g := map[string][]float32{
				"in_proj_weight": inWGrad, "in_proj_bias": inBGrad,
				"out_proj_weight": transposed(gradOf(m.Out.Weight), e, e), "out_proj_bias": gradOf(m.Out.Bias),
			}
			if k == q {
				g["x"] = gradOf(q)
			} else {
				g["query"], g["key"], g["value"] = gradOf(q), gradOf(k), gradOf(v)
			}
			return g
		})
	}
}

func TestGoldenConvTranspose2dLayer(t *testing.T) {
	for _, c := range loadGoldenLayers(t)["conv_transpose2d_layer"] {
		var p struct {
			Kernel, Stride, Padding, Dilation []int
			OutputPadding                     []int `json:"output_padding"`
			Groups                            int
		}
		params(t, c, &p)
		x := leaf(c, "x")
		conv := &ConvTranspose2d{Weight: leaf(c, "weight"), Bias: leaf(c, "bias"), Options: tensor.ConvTranspose2dOptions{
			Stride: [2]int{p.Stride[0], p.Stride[1]}, Padding: [2]int{p.Padding[0], p.Padding[1]},
			OutputPadding: [2]int{p.OutputPadding[0], p.OutputPadding[1]},
			Dilation:      [2]int{p.Dilation[0], p.Dilation[1]}, Groups: p.Groups,
		}}
		// The layer's constructor makes parameters of the same shapes as PyTorch's.
		fresh := NewConvTranspose2dWith(NewRngs(1), x.Dim(1), c.Output.Shape[1], [2]int{p.Kernel[0], p.Kernel[1]}, conv.Options)
		assertShape(t, "constructed weight", fresh.Weight, conv.Weight.Shape()...)
		checkGolden(t, c, func() *tensor.Tensor { return conv.Forward(x) }, func() map[string][]float32 {
			return map[string][]float32{"x": gradOf(x), "weight": gradOf(conv.Weight), "bias": gradOf(conv.Bias)}
		})
	}
}

func TestGoldenLinearWithPyTorchWeightTransposed(t *testing.T) {
	cases := loadGoldenLayers(t)["linear"]
	if len(cases) != 2 {
		t.Fatalf("golden file holds %d linear cases, want 2", len(cases))
	}
	for _, c := range cases {
		w := c.Inputs["weight"] // [out, in]
		out, in := w.Shape[0], w.Shape[1]
		l := &Linear{Weight: tensor.FromSlice(transposed(w.Data, out, in), in, out).SetRequiresGrad(true), Bias: leaf(c, "bias")}
		x := leaf(c, "x")
		checkGolden(t, c, func() *tensor.Tensor { return l.Forward(x) }, func() map[string][]float32 {
			return map[string][]float32{"x": gradOf(x), "weight": transposed(gradOf(l.Weight), in, out), "bias": gradOf(l.Bias)}
		})
	}
}

func TestGoldenEmbeddingAccumulatesRepeatedIndices(t *testing.T) {
	for _, c := range loadGoldenLayers(t)["embedding"] {
		var p struct {
			Indices struct {
				Shape []int `json:"shape"`
				Data  []int `json:"data"`
			} `json:"indices"`
		}
		params(t, c, &p)
		e := &Embedding{Weight: leaf(c, "weight")}
		checkGolden(t, c, func() *tensor.Tensor { return e.Forward(p.Indices.Data, p.Indices.Shape...) }, func() map[string][]float32 {
			return map[string][]float32{"weight": gradOf(e.Weight)}
		})
	}
}

func TestGoldenActivations(t *testing.T) {
	byName := func(name string) ActivationFunc {
		f, err := Activation(name)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	fns := map[string]func(c goldenCase) ActivationFunc{
		"gelu":     func(goldenCase) ActivationFunc { return byName("gelu") },
		"silu":     func(goldenCase) ActivationFunc { return byName("silu") },
		"elu":      func(goldenCase) ActivationFunc { return byName("elu") },
		"selu":     func(goldenCase) ActivationFunc { return byName("selu") },
		"softsign": func(goldenCase) ActivationFunc { return byName("softsign") },
		"relu6":    func(goldenCase) ActivationFunc { return byName("relu6") },
		"hardtanh": func(goldenCase) ActivationFunc { return byName("hard_tanh") },
		"glu":      func(goldenCase) ActivationFunc { return byName("glu") },
		"celu": func(c goldenCase) ActivationFunc {
			var p struct{ Alpha float32 }
			params(t, c, &p)
			return func(x *tensor.Tensor) *tensor.Tensor { return tensor.CELU(x, p.Alpha) }
		},
	}
	cases := loadGoldenLayers(t)
	for op, fn := range fns {
		if len(cases[op]) == 0 {
			t.Errorf("golden file has no %s case", op)
		}
		for _, c := range cases[op] {
			f := fn(c)
			x := leaf(c, "x")
			checkGolden(t, c, func() *tensor.Tensor { return f(x) }, func() map[string][]float32 {
				return map[string][]float32{"x": gradOf(x)}
			})
		}
	}
}

func TestGoldenFileHasNoCaseLeftUntested(t *testing.T) {
	tested := map[string]bool{"layer_norm": true, "group_norm": true, "instance_norm2d": true, "batch_norm": true,
		"multihead_attention": true, "conv_transpose2d_layer": true, "linear": true, "embedding": true}
	for _, op := range []string{"gelu", "silu", "elu", "selu", "celu", "softsign", "relu6", "hardtanh", "glu"} {
		tested[op] = true
	}
	for op, cs := range loadGoldenLayers(t) {
		if !tested[op] {
			t.Errorf("%d golden cases of op %q are not tested", len(cs), op)
		}
	}
}
