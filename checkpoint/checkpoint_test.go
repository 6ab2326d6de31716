package checkpoint

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// tinyModel is the smallest model with named parameters and state.
type tinyModel struct {
	Encoder struct {
		Weight *tensor.Tensor
		Bias   *tensor.Tensor
	}
	Running *tensor.Tensor // non-trainable state
}

func newTinyModel(seed uint64) *tinyModel {
	rng := tensor.NewRngs(seed).Params()
	m := &tinyModel{}
	m.Encoder.Weight = rng.Normal(4, 3).SetRequiresGrad(true)
	m.Encoder.Bias = rng.Normal(3).SetRequiresGrad(true)
	m.Running = tensor.Zeros(3)
	return m
}

// run is a training session: model, optimizer, EMA, random streams and a
// data position that resume must all restore.
type run struct {
	model *tinyModel
	opt   optim.Optimizer
	ema   *optim.EMA
	rngs  *tensor.Rngs
	batch int64
	step  int64
}

// newRun starts a session on a model initialised from modelSeed.
func newRun(t *testing.T, adam bool, modelSeed uint64) *run {
	r := &run{model: newTinyModel(modelSeed), rngs: tensor.NewRngs(42)}
	ps := nn.Parameters(r.model)
	var err error
	if adam {
		var o *optim.Adam
		o, err = optim.NewAdam(ps, optim.AdamConfig{LR: 0.01, WeightDecay: 1e-3})
		r.opt = optim.Scheduled{Optimizer: o, Schedule: optim.CosineWithWarmup(0.01, 1e-4, 3, 20)}
	} else {
		r.opt, err = optim.NewSGD(ps, optim.SGDConfig{LR: 0.05, Momentum: 0.9, Nesterov: true})
	}
	if err != nil {
		t.Fatal(err)
	}
	if r.ema, err = optim.NewEMA(ps, 0.9); err != nil {
		t.Fatal(err)
	}
	r.ema.Power = 0.75
	return r
}

// train takes n steps with a fake, parameter-dependent gradient drawn from
// the "data" stream: (p - target)·noise.
func (r *run) train(n int) {
	ps := r.opt.Params()
	data := r.rngs.Stream("data")
	for range n {
		for _, p := range ps {
			noise := data.Normal(p.Tensor.Shape()...)
			g := noise.Data()
			for i, w := range p.Tensor.Data() {
				g[i] *= w - 0.5
			}
			p.Tensor.SetGrad(noise)
		}
		optim.ClipGradNorm(ps, 1)
		r.opt.Step()
		r.ema.Update(ps)
		r.model.Running.Data()[int(r.batch)%3] += 1
		r.batch++
		r.step++
	}
}

func (r *run) checkpoint() *Checkpoint {
	os, es := r.opt.State(), r.ema.State()
	return &Checkpoint{
		Step: r.step, Model: nn.State(r.model), Optim: &os, EMA: &es,
		RNG: r.rngs.State(), Data: map[string]int64{"batch": r.batch},
		Config:   json.RawMessage(`{"name":"tiny","hidden_dims":[3]}`),
		Metadata: map[string]string{"note": "resume test"},
	}
}

func restore(t *testing.T, path string, adam bool) *run {
	c, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	// Different initial values: everything must come from the file.
	r := newRun(t, adam, 99)
	errs := []error{c.RestoreModel(r.model), r.opt.LoadState(*c.Optim), r.ema.LoadState(*c.EMA), r.rngs.SetState(c.RNG)}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r.batch, r.step = c.Data["batch"], c.Step
	return r
}

func TestResumeContinuesBitForBit(t *testing.T) {
	for _, adam := range []bool{false, true} {
		const n = 6
		straight := newRun(t, adam, 1)
		straight.train(2 * n)

		first := newRun(t, adam, 1)
		first.train(n)
		path := filepath.Join(t.TempDir(), "ckpt.safetensors")
		if err := first.checkpoint().Save(path); err != nil {
			t.Fatal(err)
		}
		resumed := restore(t, path, adam)
		resumed.train(n)

		want, got := nn.State(straight.model), nn.State(resumed.model)
		for i := range want {
			for j, v := range want[i].Tensor.Data() {
				if got[i].Tensor.Data()[j] != v {
					t.Fatalf("adam=%v: %s[%d] = %v resumed, %v straight", adam, want[i].Name, j, got[i].Tensor.Data()[j], v)
				}
			}
		}
		we, ge := straight.ema.State().Tensors, resumed.ema.State().Tensors
		for i := range we {
			for j, v := range we[i].Tensor.Data() {
				if ge[i].Tensor.Data()[j] != v {
					t.Fatalf("adam=%v: EMA %s[%d] differs", adam, we[i].Name, j)
				}
			}
		}
		if resumed.step != 2*n || resumed.batch != 2*n || resumed.opt.Steps() != 2*n {
			t.Errorf("counters: step %d batch %d optimizer %d", resumed.step, resumed.batch, resumed.opt.Steps())
		}
	}
}

func TestReadReturnsConfigAndMetadata(t *testing.T) {
	r := newRun(t, true, 1)
	r.train(2)
	path := filepath.Join(t.TempDir(), "c.safetensors")
	if err := r.checkpoint().Save(path); err != nil {
		t.Fatal(err)
	}
	c, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Name       string `json:"name"`
		HiddenDims []int  `json:"hidden_dims"`
	}
	if err := json.Unmarshal(c.Config, &cfg); err != nil || cfg.Name != "tiny" || len(cfg.HiddenDims) != 1 {
		t.Errorf("config %s: %v", c.Config, err)
	}
	if c.Step != 2 || c.Metadata["note"] != "resume test" || len(c.Metadata) != 1 {
		t.Errorf("step %d, metadata %v", c.Step, c.Metadata)
	}
	f, _ := Load(path)
	for _, name := range []string{"model/encoder/weight", "model/running", "optim/exp_avg/encoder/bias", "ema/encoder/weight", "rng/data"} {
		if _, ok := f.Get(name); !ok {
			t.Errorf("no %s in the file", name)
		}
	}
}

func TestRestoreModelNamesTheMismatchingTensor(t *testing.T) {
	c := &Checkpoint{path: "ckpt.safetensors", Model: nn.State(newTinyModel(1))}
	c.Model[0].Tensor = tensor.Zeros(4, 5)
	m := newTinyModel(2)
	before := m.Encoder.Bias.Clone()
	err := c.RestoreModel(m)
	want := "checkpoint: ckpt.safetensors: model/encoder/weight: shape [4 5] in file, model expects [4 3]"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if m.Encoder.Bias.Data()[0] != before.Data()[0] {
		t.Error("a failed restore changed the model")
	}

	c = &Checkpoint{Model: nn.State(newTinyModel(1))[:2]}
	if err := c.RestoreModel(m); err == nil || !strings.Contains(err.Error(), "model/running: missing") {
		t.Errorf("missing tensor: %v", err)
	}
	c = &Checkpoint{Model: append(nn.State(newTinyModel(1)), nn.Param{Name: "decoder/w", Tensor: tensor.Zeros(1)})}
	if err := c.RestoreModel(m); err == nil || !strings.Contains(err.Error(), "model/decoder/w: in the checkpoint but not in the model") {
		t.Errorf("extra tensor: %v", err)
	}
}

func TestReadRejectsWrongDTypeNamingTheTensor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.safetensors")
	err := Save(path, []Tensor{Float64("model/w", []int{1}, []float64{1})}, map[string]string{"format": Format, "step": "0"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Read(path)
	if err == nil || !strings.Contains(err.Error(), "model/w: dtype F64 in file, want F32") {
		t.Errorf("error %v", err)
	}
}

func TestSaveRejectsReservedMetadataAndBadConfig(t *testing.T) {
	dir := t.TempDir()
	if err := (&Checkpoint{Metadata: map[string]string{"step": "3"}}).Save(filepath.Join(dir, "a")); err == nil {
		t.Error("reserved key accepted")
	}
	if err := (&Checkpoint{Config: json.RawMessage("{")}).Save(filepath.Join(dir, "b")); err == nil {
		t.Error("invalid config accepted")
	}
}
