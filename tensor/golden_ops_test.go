package tensor

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/artifex-go/artifex/internal/goldentest"
)

// Golden values from PyTorch (testdata/golden_ops.json, written by
// testdata/gen_golden_ops.py): each op's output and the gradients of
// sum(output·proj) with respect to its float inputs must agree within this
// relative tolerance (plus a tiny absolute one for values near zero).
const goldenOpsRTol, goldenOpsATol = 1e-4, 1e-5

type goldenOpTensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

func (g goldenOpTensor) tensor() *Tensor {
	return FromSlice(append([]float32(nil), g.Data...), g.Shape...)
}

type goldenOpCase struct {
	Name   string                    `json:"name"`
	Op     string                    `json:"op"`
	Params goldenOpParams            `json:"params"`
	Inputs map[string]goldenOpTensor `json:"inputs"`
	Output goldenOpTensor            `json:"output"`
	Proj   goldenOpTensor            `json:"proj"`
	Grads  map[string]goldenOpTensor `json:"grads"`
}

// goldenOpParams is the union of the params the cases use.
type goldenOpParams struct {
	Stride, Padding, Dilation, Kernel, Size []int
	// Scale is [sh, sw] for nearest up-sampling, the score scale for attention.
	Scale         json.RawMessage
	OutputPadding []int `json:"output_padding"`
	Groups        int
	PadLeft       int  `json:"pad_left"`
	PadRight      int  `json:"pad_right"`
	AlignCorners  bool `json:"align_corners"`
	Approximate   string
	Causal        bool
	Mask          *goldenOpTensor
	Labels        []int
	Dim           int
	Alpha         float32
}

func pair(v []int) [2]int { return [2]int{v[0], v[1]} }

// goldenOps computes each op of the golden file from its inputs by name.
var goldenOps = map[string]func(p goldenOpParams, in map[string]*Tensor) *Tensor{
	"conv1d": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return Conv1d(in["x"], in["w"], in["b"], Conv1dOptions{Stride: p.Stride[0], Dilation: p.Dilation[0], Groups: p.Groups, PadLeft: p.Padding[0], PadRight: p.Padding[0]})
	},
	"causal_conv1d": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return Conv1d(in["x"], in["w"], in["b"], Conv1dOptions{Stride: p.Stride[0], Dilation: p.Dilation[0], Groups: p.Groups, PadLeft: p.PadLeft, PadRight: p.PadRight})
	},
	"conv2d": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return Conv2d(in["x"], in["w"], in["b"], Conv2dOptions{Stride: pair(p.Stride), Padding: pair(p.Padding), Dilation: pair(p.Dilation), Groups: p.Groups})
	},
	"conv_transpose2d": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return ConvTranspose2d(in["x"], in["w"], in["b"], ConvTranspose2dOptions{Stride: pair(p.Stride), Padding: pair(p.Padding),
			OutputPadding: pair(p.OutputPadding), Dilation: pair(p.Dilation), Groups: p.Groups})
	},
	"max_pool2d": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return MaxPool2d(in["x"], pair(p.Kernel), pair(p.Stride), pair(p.Padding))
	},
	"avg_pool2d": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return AvgPool2d(in["x"], pair(p.Kernel), pair(p.Stride), pair(p.Padding))
	},
	"upsample_nearest": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		var scale [2]int
		if err := json.Unmarshal(p.Scale, &scale); err != nil {
			panic(err)
		}
		return UpsampleNearest2d(in["x"], scale[0], scale[1])
	},
	"upsample_bilinear": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return UpsampleBilinear2d(in["x"], p.Size[0], p.Size[1], p.AlignCorners)
	},
	"scaled_dot_product_attention": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		var mask *Tensor
		if p.Mask != nil {
			mask = p.Mask.tensor()
		}
		return ScaledDotProductAttention(in["q"], in["k"], in["v"], mask, p.Causal)
	},
	"cross_entropy": func(p goldenOpParams, in map[string]*Tensor) *Tensor { return CrossEntropy(in["logits"], p.Labels) },
	"cross_entropy_soft": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return CrossEntropySoft(in["logits"], in["target"])
	},
	"binary_cross_entropy_with_logits": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return BCEWithLogits(in["logits"], in["target"])
	},
	"log_softmax": func(p goldenOpParams, in map[string]*Tensor) *Tensor { return LogSoftmax(in["x"], p.Dim) },
	"softmax":     func(p goldenOpParams, in map[string]*Tensor) *Tensor { return Softmax(in["x"], p.Dim) },
	"logsumexp":   func(p goldenOpParams, in map[string]*Tensor) *Tensor { return LogSumExp(in["x"], []int{p.Dim}, false) },
	"gelu": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		if p.Approximate == "tanh" {
			return GELUTanh(in["x"])
		}
		return GELU(in["x"])
	},
	"softplus": func(p goldenOpParams, in map[string]*Tensor) *Tensor { return Softplus(in["x"]) },
	"elu":      func(p goldenOpParams, in map[string]*Tensor) *Tensor { return ELU(in["x"], p.Alpha) },
	"kl_diag_gaussian": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return KLDiagGaussians(in["mu1"], in["logvar1"], in["mu2"], in["logvar2"])
	},
	"kl_std_normal": func(p goldenOpParams, in map[string]*Tensor) *Tensor {
		return SumAxes(KLStandardNormal(in["mu"], in["logvar"]), []int{-1}, false)
	},
}

// goldenOpsClose checks got against want within the golden tolerance.
func goldenOpsClose(t *testing.T, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", name, len(got), len(want))
		return
	}
	for i := range want {
		e := math.Abs(float64(got[i]) - float64(want[i]))
		if !(e <= goldenOpsATol+goldenOpsRTol*math.Abs(float64(want[i]))) {
			t.Errorf("%s: element %d is %g, want %g", name, i, got[i], want[i])
			return
		}
	}
}

func TestGoldenOpsAgainstPyTorch(t *testing.T) {
	file := goldentest.Load[struct {
		Cases []goldenOpCase `json:"cases"`
	}](t, "testdata/golden_ops.json")
	if len(file.Cases) < 40 {
		t.Fatalf("golden file holds %d cases, want at least 40", len(file.Cases))
	}
	for _, c := range file.Cases {
		op, ok := goldenOps[c.Op]
		if !ok {
			t.Errorf("%s: op %q has no Go counterpart in this test", c.Name, c.Op)
			continue
		}
		in := map[string]*Tensor{}
		for name, g := range c.Inputs {
			in[name] = g.tensor().SetRequiresGrad(true)
		}
		if c.Op == "scaled_dot_product_attention" {
			var scale float64
			if err := json.Unmarshal(c.Params.Scale, &scale); err != nil || math.Abs(scale*math.Sqrt(float64(in["q"].Dim(-1)))-1) > 1e-7 {
				t.Errorf("%s: PyTorch's scale %s is not 1/√D, which ScaledDotProductAttention uses", c.Name, c.Params.Scale)
			}
		}
		y := op(c.Params, in)
		if !SameShape(y.Shape(), c.Output.Shape) {
			t.Errorf("%s: output shape %v, want %v", c.Name, y.Shape(), c.Output.Shape)
			continue
		}
		goldenOpsClose(t, c.Name+" output", y.Data(), c.Output.Data)
		Sum(Mul(y, c.Proj.tensor())).Backward()
		for name, want := range c.Grads {
			g := in[name].Grad()
			if g == nil {
				t.Errorf("%s: no gradient for %s", c.Name, name)
				continue
			}
			goldenOpsClose(t, c.Name+" d/d "+name, g.Data(), want.Data)
		}
	}
}
