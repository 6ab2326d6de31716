package tabular

import (
	"fmt"
	"math"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/flow"
	"github.com/artifex-go/artifex/models/vae"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Name is the modality's name, as factory.WithModality selects it.
const Name = "tabular"

// Modality adapts VAEs and flows to the rows of a table (see VAE and
// Flow). The zero value, the one the factory registers, finds the table
// by the data set the model's configuration trains on
// (metadata.training_defaults.dataset, one of Datasets()) in the default
// places (see Open); Source set names the table directly, for instance one
// read from a CSV file and fit with Fit.
type Modality struct {
	Source *Source
}

// Name implements factory.Modality.
func (Modality) Name() string { return Name }

// Families lists the model families the modality adapts.
var Families = []string{"vae", "flow"}

// Adapt implements factory.Modality: AdaptData with no data directory.
func (m Modality) Adapt(model models.Model, family string) (models.Model, error) {
	return m.AdaptData(model, family, "")
}

// AdaptData implements factory.DataModality: a VAE gets the mixed-type likelihood
// in place of its image likelihood, a flow the dequantisation of the
// discrete columns; both decode their samples to rows. The model's
// input_dim must be the table's encoded width. Without Source, the table
// is read as Open reads it, with dataDir searched first.
func (m Modality) AdaptData(model models.Model, family, dataDir string) (models.Model, error) {
	if family != "vae" && family != "flow" {
		return nil, fmt.Errorf("the tabular modality adapts %s models (mixed-type likelihood and decoding to rows), not %s models",
			strings.Join(Families, " and "), family)
	}
	src := m.Source
	if src == nil {
		name := datasetOf(model.Config())
		if name == "" {
			return nil, fmt.Errorf("the tabular modality needs a table: set metadata.training_defaults.dataset to one of %s (or build with tabular.Modality{Source: ...})",
				strings.Join(Datasets(), ", "))
		}
		var err error
		if src, err = Open(name, dataDir); err != nil {
			return nil, err
		}
	}
	switch family {
	case "vae":
		return NewVAE(model, src)
	default:
		return NewFlow(model, src)
	}
}

// datasetOf returns metadata.training_defaults.dataset, or "".
func datasetOf(cfg config.ModelConfiguration) string {
	td, _ := cfg.Metadata["training_defaults"].(map[string]any)
	name, _ := td["dataset"].(string)
	return name
}

// checkWidth reports an input_dim that is not the table's encoded width.
func checkWidth(cfg config.ModelConfiguration, src *Source) error {
	w := src.Encoder.Width()
	if len(cfg.InputDim) != 1 || cfg.InputDim[0] != w {
		return fmt.Errorf("input_dim %v does not fit the %s table: its rows encode to [%d] (%s)",
			[]int(cfg.InputDim), src.Name, w, describeLayout(src.Schema))
	}
	return nil
}

// describeLayout summarises a schema's encoding ("13 numerical, class:
// categorical ×3").
func describeLayout(s Schema) string {
	count := map[Kind]int{}
	var parts []string
	for _, c := range s {
		if c.Kind == Categorical {
			parts = append(parts, fmt.Sprintf("%s: categorical ×%d", c.Name, len(c.Categories)))
			continue
		}
		count[c.Kind]++
	}
	for _, k := range []Kind{Numerical, Ordinal, Binary} {
		if count[k] > 0 {
			parts = append([]string{fmt.Sprintf("%d %s", count[k], k)}, parts...)
		}
	}
	return strings.Join(parts, ", ")
}

// Sampler is a model that draws rows of its table.
type Sampler interface {
	// SampleTable draws n rows, decoded to the table's values.
	SampleTable(n int, rngs *tensor.Rngs) (*Table, error)
	// Source returns the table the model is for.
	Source() *Source
}

// VAE is a VAE on encoded rows: the encoder and decoder of the family's
// VAE with the mixed-type Likelihood (learned Gaussian scales LogScale for
// the numerical and ordinal columns) in place of its image likelihood. It
// minimises -log p(x|z) + kl_weight·KL(q(z|x) ‖ N(0, I)) in nats per row.
type VAE struct {
	Model    *vae.VAE
	LogScale *tensor.Tensor // [continuous columns], log standard deviations

	src      *Source
	lik      *Likelihood
	klWeight float64
}

// NewVAE adapts a VAE built by the factory (class VAE) to src's rows.
func NewVAE(model models.Model, src *Source) (*VAE, error) {
	v, ok := model.(*vae.VAE)
	if !ok {
		return nil, fmt.Errorf("the tabular modality adapts the vae class VAE (Gaussian posterior, kl_weight), not %s (%T)",
			model.Config().ModelClass, model)
	}
	cfg := v.Config()
	if err := checkWidth(cfg, src); err != nil {
		return nil, err
	}
	w, ok := config.AsFloat(cfg.Parameters["kl_weight"])
	if !ok || !(w >= 0) || math.IsInf(w, 0) {
		return nil, fmt.Errorf("parameter %q must be a finite number >= 0, got %v", "kl_weight", cfg.Parameters["kl_weight"])
	}
	lik := NewLikelihood(src.Encoder)
	return &VAE{
		Model: v, LogScale: tensor.Zeros(lik.Continuous()).SetRequiresGrad(true),
		src: src, lik: lik, klWeight: w,
	}, nil
}

// Config returns the VAE's effective configuration.
func (v *VAE) Config() config.ModelConfiguration { return v.Model.Config() }

// Source returns the table the model is for.
func (v *VAE) Source() *Source { return v.src }

// Loss returns the batch means of the total loss, the reconstruction term
// -log p(x|z) (one posterior sample from rngs' "sample" stream) and the
// KL term, for encoded rows x [N, width].
func (v *VAE) Loss(x *tensor.Tensor, rngs *tensor.Rngs) (total, rec, kl *tensor.Tensor) {
	x = tensor.Reshape(x, x.Dim(0), -1)
	mu, logvar := v.Model.Encode(x)
	z := v.Model.Reparameterize(mu, logvar, rngs)
	rec = tensor.Mean(v.lik.NLL(v.Model.Decode(z), x, v.LogScale))
	kl = tensor.Mean(tensor.SumAxes(tensor.KLStandardNormal(mu, logvar), []int{1}, false))
	return tensor.Add(rec, tensor.Scale(kl, float32(v.klWeight))), rec, kl
}

// TrainLoss implements models.Trainable; batch.Images holds encoded rows.
func (v *VAE) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	total, rec, kl := v.Loss(batch.Images, rngs)
	return total, map[string]float64{
		"loss": float64(total.Item()), "reconstruction": float64(rec.Item()),
		"kl": float64(kl.Item()), "nelbo": float64(rec.Item() + kl.Item()),
	}
}

// SampleEncoded draws n latents from the prior and returns the
// likelihood's means in data space [n·width] (see Likelihood.Mean).
func (v *VAE) SampleEncoded(n int, rngs *tensor.Rngs) []float32 {
	var out []float32
	v.eval(func() {
		z := rngs.Sample().Normal(n, v.Model.Options().LatentDim)
		out = v.lik.Mean(v.Model.Decode(z))
	})
	return out
}

// SampleTable implements Sampler.
func (v *VAE) SampleTable(n int, rngs *tensor.Rngs) (*Table, error) {
	return v.src.Encoder.Decode(v.SampleEncoded(n, rngs))
}

func (v *VAE) eval(fn func()) {
	prev := v.Model.Training()
	v.Model.SetTraining(false)
	defer v.Model.SetTraining(prev)
	tensor.NoGrad(fn)
}

// Evaluate implements models.Evaluator: the negative ELBO on the test rows
// ("nelbo", nats per row, one posterior sample) and the metrics of as
// many sampled rows as the training split holds (see Report.Metrics).
func (v *VAE) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	if test.Len() == 0 {
		return nil, fmt.Errorf("tabular: Evaluate: empty data set")
	}
	var nelbo float64
	v.eval(func() {
		_, rec, kl := v.Loss(test.Images(), rngs)
		nelbo = float64(rec.Item() + kl.Item())
	})
	m, err := evaluateRows(v, test, rngs)
	if err != nil {
		return nil, err
	}
	m["nelbo"] = nelbo
	return m, nil
}

// evaluateRows compares as many sampled rows as the training split holds
// with the real rows (Compare); the test rows are those of test, decoded.
func evaluateRows(s Sampler, test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	src := s.Source()
	testRows, err := src.Encoder.Decode(test.Images().Data())
	if err != nil {
		return nil, err
	}
	synth, err := s.SampleTable(src.Train.Len(), rngs.Fork("evaluate"))
	if err != nil {
		return nil, err
	}
	r, err := Compare(src.Encoder, src.Train, testRows, synth, src.Target)
	if err != nil {
		return nil, err
	}
	return r.Metrics(), nil
}

// Flow is a normalizing flow on encoded rows. Discrete columns are
// dequantised: a one-hot group and a binary value get uniform noise
// U[0, 1) on every entry, an ordinal its level index plus U[0, 1), so that
// each discrete value owns a unit cell and the flow's density of the
// noisy rows bounds the probability of the discrete values from below
// (Theis et al., 2016). Numerical columns stay as encoded. Samples are
// decoded by the cell they fall in.
type Flow struct {
	Model *flow.NormalizingFlow

	src *Source
}

// NewFlow adapts a vector flow built by the factory (input_dim [width],
// normal base, no class conditioning, no image pre-processing) to src's
// rows.
func NewFlow(model models.Model, src *Source) (*Flow, error) {
	f, ok := model.(*flow.NormalizingFlow)
	if !ok {
		return nil, fmt.Errorf("the tabular modality adapts normalizing flows, not %T", model)
	}
	if err := checkWidth(f.Config(), src); err != nil {
		return nil, err
	}
	sp := f.Spec()
	switch {
	case sp.NumClasses > 0:
		return nil, fmt.Errorf("the tabular modality models the class as a column; parameter %q must be 0, got %d", "num_classes", sp.NumClasses)
	case sp.BaseDist != "normal":
		return nil, fmt.Errorf("the tabular modality needs parameter %q normal, got %q", "base_distribution", sp.BaseDist)
	case sp.Dequantize || sp.LogitAlpha > 0:
		return nil, fmt.Errorf("the tabular modality dequantises the discrete columns itself; parameters %q and %q must be false and 0", "dequantize", "logit_alpha")
	}
	return &Flow{Model: f, src: src}, nil
}

// Config returns the flow's effective configuration.
func (f *Flow) Config() config.ModelConfiguration { return f.Model.Config() }

// Source returns the table the model is for.
func (f *Flow) Source() *Source { return f.src }

// Dequantize maps encoded rows [N, width] to the flow's space, drawing the
// noise from s.
func (f *Flow) Dequantize(x *tensor.Tensor, s *tensor.Stream) *tensor.Tensor {
	n := x.Dim(0)
	w := f.src.Encoder.Width()
	y := append([]float32(nil), x.Data()...)
	for i := range n {
		row := y[i*w : (i+1)*w]
		for _, sg := range f.src.Encoder.Segments() {
			switch sg.Kind {
			case Categorical, Binary:
				for k := range sg.Width {
					row[sg.Offset+k] += s.Float32()
				}
			case Ordinal:
				top := float32(len(f.src.Schema[sg.Column].Categories) - 1)
				row[sg.Offset] = float32(math.Round(float64(row[sg.Offset]*top))) + s.Float32()
			}
		}
	}
	return tensor.FromSlice(y, n, w)
}

// Quantize maps the flow's samples [n·width] to valid encodings (the
// input of Encoder.Decode): each value becomes the one whose Dequantize
// cell holds it (a categorical group the one-hot of its largest entry).
func (f *Flow) Quantize(y []float32) []float32 {
	w := f.src.Encoder.Width()
	out := append([]float32(nil), y...)
	for i := 0; i < len(out); i += w {
		row := out[i : i+w]
		for _, sg := range f.src.Encoder.Segments() {
			switch sg.Kind {
			case Binary:
				row[sg.Offset] = float32(min(max(math.Floor(float64(row[sg.Offset])), 0), 1))
			case Ordinal:
				top := float64(len(f.src.Schema[sg.Column].Categories) - 1)
				row[sg.Offset] = float32(min(max(math.Floor(float64(row[sg.Offset])), 0), top) / top)
			}
		}
	}
	// The width divides len(out) since y came from the flow; Project only
	// fails otherwise.
	_ = f.src.Encoder.Project(out)
	return out
}

// NLL returns -log p per row [N] of dequantised rows, in nats.
func (f *Flow) NLL(y *tensor.Tensor) *tensor.Tensor { return tensor.Neg(f.Model.LogProb(y, nil)) }

// TrainLoss implements models.Trainable: the negative log-likelihood of
// the dequantised rows in nats per encoded entry (the flow family's
// convention), logging "nll" in nats per row. The noise comes from rngs'
// stream "dequantize".
func (f *Flow) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x := tensor.Reshape(batch.Images, batch.Images.Dim(0), -1)
	nll := tensor.Mean(f.NLL(f.Dequantize(x, rngs.Stream("dequantize"))))
	return tensor.Scale(nll, float32(1/float64(x.Dim(1)))), map[string]float64{"nll": float64(nll.Item())}
}

// SampleEncoded draws n rows in data space [n·width] at the flow's
// sampling temperature.
func (f *Flow) SampleEncoded(n int, rngs *tensor.Rngs) []float32 {
	nn.SetTraining(f.Model, false)
	defer nn.SetTraining(f.Model, true)
	y := f.Model.Sample(n, float32(f.Model.Spec().Temperature), rngs)
	return f.Quantize(y.Data())
}

// SampleTable implements Sampler.
func (f *Flow) SampleTable(n int, rngs *tensor.Rngs) (*Table, error) {
	return f.src.Encoder.Decode(f.SampleEncoded(n, rngs))
}

// Evaluate implements models.Evaluator: the test negative log-likelihood
// of the dequantised rows ("nll", nats per row; an upper bound on the
// mixed discrete/continuous one) and the metrics of as many sampled rows
// as the training split holds (see Report.Metrics).
func (f *Flow) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	if test.Len() == 0 {
		return nil, fmt.Errorf("tabular: Evaluate: empty data set")
	}
	nn.SetTraining(f.Model, false)
	var nll float64
	tensor.NoGrad(func() {
		x := test.Images()
		x = tensor.Reshape(x, x.Dim(0), -1)
		nll = float64(tensor.Mean(f.NLL(f.Dequantize(x, rngs.Stream("dequantize")))).Item())
	})
	nn.SetTraining(f.Model, true)
	m, err := evaluateRows(f, test, rngs)
	if err != nil {
		return nil, err
	}
	m["nll"] = nll
	return m, nil
}
