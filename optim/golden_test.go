package optim

import (
	"fmt"
	"math"
	"testing"

	"github.com/artifex-go/artifex/internal/goldentest"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// The golden file holds PyTorch 1.13 trajectories; see testdata/README.md.

type goldTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

type goldStep struct {
	Loss   float64               `json:"loss"`
	Grads  map[string]goldTensor `json:"grads"`
	Params map[string]goldTensor `json:"params"`
}

type golden struct {
	Problems struct {
		Quadratic struct {
			A, Y    goldTensor
			Params0 map[string]goldTensor `json:"params0"`
		} `json:"quadratic"`
		MLP struct {
			X       goldTensor            `json:"x"`
			Labels  []int                 `json:"labels"`
			Params0 map[string]goldTensor `json:"params0"`
		} `json:"mlp"`
	} `json:"problems"`
	Optimizers []struct {
		Name      string         `json:"name"`
		Optimizer string         `json:"optimizer"`
		HParams   map[string]any `json:"hparams"`
		Problem   string         `json:"problem"`
		Steps     []goldStep     `json:"steps"`
	} `json:"optimizers"`
	Clipping []struct {
		Name        string                `json:"name"`
		Op          string                `json:"op"`
		Params      map[string]any        `json:"params"`
		GradsBefore map[string]goldTensor `json:"grads_before"`
		GradsAfter  map[string]goldTensor `json:"grads_after"`
		TotalNorm   float64               `json:"total_norm"`
	} `json:"clipping"`
	Schedules []struct {
		Name      string         `json:"name"`
		Scheduler string         `json:"scheduler"`
		BaseLR    float64        `json:"base_lr"`
		Params    map[string]any `json:"params"`
		LRs       []float64      `json:"lrs"`
	} `json:"schedules"`
}

func loadGolden(t *testing.T) *golden {
	g := goldentest.Load[golden](t, "testdata/golden_optim.json")
	return &g
}

// quadraticGrad is the gradient of sum((A p - y)²)/2: Aᵀ(A p - y).
func quadraticGrad(a, y goldTensor, p []float32) map[string][]float64 {
	rows, cols := a.Shape[0], a.Shape[1]
	g := make([]float64, cols)
	for i := range rows {
		r := -y.Data[i]
		for j := range cols {
			r += a.Data[i*cols+j] * float64(p[j])
		}
		for j := range cols {
			g[j] += a.Data[i*cols+j] * r
		}
	}
	return map[string][]float64{"p": g}
}

// mlpGrad is the gradient of the mean cross-entropy of
// tanh(x w1ᵀ + b1) w2ᵀ + b2, worked out by hand in float64.
func mlpGrad(x goldTensor, labels []int, ps map[string][]float32) map[string][]float64 {
	n, in := x.Shape[0], x.Shape[1]
	hid, out := len(ps["b1"]), len(ps["b2"])
	w1, b1, w2, b2 := ps["w1"], ps["b1"], ps["w2"], ps["b2"]
	g := map[string][]float64{"w1": make([]float64, hid*in), "b1": make([]float64, hid), "w2": make([]float64, out*hid), "b2": make([]float64, out)}
	h := make([]float64, hid)
	z := make([]float64, out)
	dh := make([]float64, hid)
	for s := range n {
		xs := x.Data[s*in : (s+1)*in]
		for k := range hid {
			v := float64(b1[k])
			for j := range in {
				v += float64(w1[k*in+j]) * xs[j]
			}
			h[k] = math.Tanh(v)
		}
		zmax := math.Inf(-1)
		for c := range out {
			v := float64(b2[c])
			for k := range hid {
				v += float64(w2[c*hid+k]) * h[k]
			}
			z[c] = v
			zmax = math.Max(zmax, v)
		}
		var sum float64
		for c := range out {
			z[c] = math.Exp(z[c] - zmax)
			sum += z[c]
		}
		clear(dh)
		for c := range out {
			dz := z[c] / sum / float64(n)
			if c == labels[s] {
				dz -= 1 / float64(n)
			}
			g["b2"][c] += dz
			for k := range hid {
				g["w2"][c*hid+k] += dz * h[k]
				dh[k] += dz * float64(w2[c*hid+k])
			}
		}
		for k := range hid {
			d := dh[k] * (1 - h[k]*h[k])
			g["b1"][k] += d
			for j := range in {
				g["w1"][k*in+j] += d * xs[j]
			}
		}
	}
	return g
}

func hp(m map[string]any, key string) float64 {
	v, _ := m[key].(float64)
	return v
}

func goldOptimizer(t *testing.T, kind string, h map[string]any, ps []nn.Param) Optimizer {
	t.Helper()
	var o Optimizer
	var err error
	switch kind {
	case "SGD":
		o, err = NewSGD(ps, SGDConfig{LR: hp(h, "lr"), Momentum: hp(h, "momentum"), Dampening: hp(h, "dampening"),
			WeightDecay: hp(h, "weight_decay"), Nesterov: h["nesterov"] == true})
	case "Adam", "AdamW":
		betas := h["betas"].([]any)
		cfg := AdamConfig{LR: hp(h, "lr"), Betas: [2]float64{betas[0].(float64), betas[1].(float64)},
			Eps: hp(h, "eps"), WeightDecay: hp(h, "weight_decay")}
		if kind == "Adam" {
			o, err = NewAdam(ps, cfg)
		} else {
			o, err = NewAdamW(ps, cfg)
		}
	case "RMSprop":
		o, err = NewRMSProp(ps, RMSPropConfig{LR: hp(h, "lr"), Alpha: hp(h, "alpha"), Eps: hp(h, "eps"),
			WeightDecay: hp(h, "weight_decay"), Momentum: hp(h, "momentum"), Centered: h["centered"] == true})
	default:
		t.Fatalf("unknown optimizer %q in the golden file", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func closeTo(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*(1+math.Abs(want))
}

func TestOptimizersMatchPyTorchTrajectories(t *testing.T) {
	g := loadGolden(t)
	if len(g.Optimizers) == 0 {
		t.Fatal("no optimizer cases in the golden file")
	}
	for _, c := range g.Optimizers {
		t.Run(c.Name, func(t *testing.T) {
			p0, order := g.Problems.Quadratic.Params0, []string{"p"}
			if c.Problem == "mlp" {
				p0, order = g.Problems.MLP.Params0, []string{"w1", "b1", "w2", "b2"}
			}
			var ps []nn.Param
			vals := map[string][]float32{}
			for _, name := range order {
				d := make([]float32, len(p0[name].Data))
				for i, v := range p0[name].Data {
					d[i] = float32(v)
				}
				vals[name] = d
				ps = append(ps, nn.Param{Name: name, Tensor: tensor.FromSlice(d, p0[name].Shape...).SetRequiresGrad(true)})
			}
			o := goldOptimizer(t, c.Optimizer, c.HParams, ps)
			for s, step := range c.Steps {
				var grads map[string][]float64
				if c.Problem == "mlp" {
					grads = mlpGrad(g.Problems.MLP.X, g.Problems.MLP.Labels, vals)
				} else {
					grads = quadraticGrad(g.Problems.Quadratic.A, g.Problems.Quadratic.Y, vals["p"])
				}
				for _, p := range ps {
					gd := make([]float32, p.Tensor.Size())
					for i, v := range grads[p.Name] {
						gd[i] = float32(v)
						if want := step.Grads[p.Name].Data[i]; !closeTo(v, want, 1e-5) {
							t.Fatalf("step %d: grad %s[%d] = %.8g, PyTorch %.8g", s, p.Name, i, v, want)
						}
					}
					p.Tensor.SetGrad(tensor.FromSlice(gd, p.Tensor.Shape()...))
				}
				o.Step()
				for _, p := range ps {
					for i, v := range p.Tensor.Data() {
						if want := step.Params[p.Name].Data[i]; !closeTo(float64(v), want, 2e-6) {
							t.Fatalf("step %d: %s[%d] = %.8g, PyTorch %.8g", s, p.Name, i, v, want)
						}
					}
				}
			}
		})
	}
}

func TestClippingMatchesPyTorch(t *testing.T) {
	for _, c := range loadGolden(t).Clipping {
		var ps []nn.Param
		for _, name := range []string{"w", "b"} {
			before := c.GradsBefore[name]
			p := tensor.Zeros(before.Shape...).SetRequiresGrad(true)
			gd := make([]float32, len(before.Data))
			for i, v := range before.Data {
				gd[i] = float32(v)
			}
			p.SetGrad(tensor.FromSlice(gd, before.Shape...))
			ps = append(ps, nn.Param{Name: name, Tensor: p})
		}
		switch c.Op {
		case "clip_grad_norm":
			norm := ClipGradNorm(ps, hp(c.Params, "max_norm"))
			if !closeTo(norm, c.TotalNorm, 1e-6) {
				t.Errorf("%s: norm %.8g, PyTorch %.8g", c.Name, norm, c.TotalNorm)
			}
		case "clip_grad_value":
			ClipGradValue(ps, hp(c.Params, "clip_value"))
		default:
			t.Fatalf("unknown clipping op %q", c.Op)
		}
		for _, p := range ps {
			for i, v := range p.Tensor.Grad().Data() {
				if want := c.GradsAfter[p.Name].Data[i]; !closeTo(float64(v), want, 1e-6) {
					t.Errorf("%s: %s[%d] = %.8g, PyTorch %.8g", c.Name, p.Name, i, v, want)
				}
			}
		}
	}
}

// goldSchedule builds the Schedule matching a PyTorch scheduler description.
func goldSchedule(kind string, lr float64, p map[string]any) (Schedule, error) {
	switch kind {
	case "StepLR":
		return StepDecay(lr, int(hp(p, "step_size")), hp(p, "gamma")), nil
	case "ExponentialLR":
		return Exponential(lr, hp(p, "gamma")), nil
	case "CosineAnnealingLR":
		return Cosine(lr, hp(p, "eta_min"), int(hp(p, "T_max"))), nil
	case "LinearLR":
		return Linear(lr, hp(p, "start_factor"), hp(p, "end_factor"), int(hp(p, "total_iters"))), nil
	case "SequentialLR":
		var parts []Schedule
		for _, sp := range p["schedulers"].([]any) {
			m := sp.(map[string]any)
			s, err := goldSchedule(m["type"].(string), lr, m)
			if err != nil {
				return nil, err
			}
			parts = append(parts, s)
		}
		var milestones []int
		for _, m := range p["milestones"].([]any) {
			milestones = append(milestones, int(m.(float64)))
		}
		return Sequential(parts, milestones)
	}
	return nil, fmt.Errorf("unknown scheduler %q", kind)
}

func TestSchedulesMatchPyTorch(t *testing.T) {
	for _, c := range loadGolden(t).Schedules {
		s, err := goldSchedule(c.Scheduler, c.BaseLR, c.Params)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		for step, want := range c.LRs {
			if got := s.LR(step); !closeTo(got, want, 1e-12) {
				t.Errorf("%s: step %d: lr %.17g, PyTorch %.17g", c.Name, step, got, want)
			}
		}
	}
}
