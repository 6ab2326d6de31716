package vae

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/tensor"
)

// DefaultImportanceSamples is k for the IWAE bound when neither
// EvalOptions nor the configuration's metadata.evaluation.importance_samples
// gives one; Burda et al. (2016) report k = 5000, k = 1000 is the common
// cheaper choice of later MNIST results.
const DefaultImportanceSamples = 1000

// defaultChunk is the number of decoder rows (examples × importance
// samples) evaluated per pass: large enough for efficient matrix
// products, small enough to keep a pass's tensors in tens of megabytes.
const defaultChunk = 4096

// EvalOptions tune Evaluate. The zero value evaluates every example with
// the configuration's k.
type EvalOptions struct {
	// Limit evaluates only the first Limit examples (0: all), for quick
	// checks.
	Limit int
	// ImportanceSamples is k (0: metadata.evaluation.importance_samples,
	// else DefaultImportanceSamples).
	ImportanceSamples int
	// Chunk is the number of decoder rows per pass (0: 4096).
	Chunk int
	// Progress, when set, is told after each group of examples how many
	// of those evaluated are done: with k importance samples each, the
	// bound of a whole test set takes minutes.
	Progress func(done, total int)
}

// metaInt reads metadata[section][key] as an integer.
func metaInt(md map[string]any, section, key string) (int, bool) {
	sec, _ := md[section].(map[string]any)
	return config.AsInt(sec[key])
}

// binarizer returns how evaluation binarises test data for a Bernoulli
// model, following metadata.training_defaults.binarization: "dynamic"
// draws each pixel once from its intensity with the "binarize" stream of
// rngs (the usual stochastically binarised test set), "static"
// thresholds at 0.5; otherwise the data is used as it is. Data that is
// already binary is unchanged by either.
func (b *Base) binarizer(rngs *tensor.Rngs) (data.Transform, error) {
	if b.opts.ReconstructionLoss != Bernoulli {
		return nil, nil
	}
	sec, _ := b.cfg.Metadata["training_defaults"].(map[string]any)
	switch sec["binarization"] {
	case "dynamic":
		if rngs == nil {
			return nil, fmt.Errorf("vae: evaluate: rngs must not be nil: dynamic binarisation draws the test pixels")
		}
		return data.DynamicBinarize(rngs.Stream("binarize")), nil
	case "static":
		return data.StaticBinarize(0.5), nil
	}
	return nil, nil
}

// evalSetup checks the test set against the model and returns the
// examples to evaluate, k and the chunk size.
func (b *Base) evalSetup(test *data.Dataset, o EvalOptions, needLabels bool) (n, k, chunk int, err error) {
	if test == nil || test.Len() == 0 {
		return 0, 0, 0, fmt.Errorf("vae: evaluate: empty test set")
	}
	if got := prod(test.ImageShape()); got != prod(b.shape) {
		return 0, 0, 0, fmt.Errorf("vae: evaluate: test examples of shape %v do not fit input_dim %v", test.ImageShape(), b.opts.InputShape)
	}
	if needLabels && test.Labels() == nil {
		return 0, 0, 0, fmt.Errorf("vae: evaluate: a conditional model needs a labelled test set")
	}
	n = test.Len()
	if o.Limit > 0 {
		n = min(n, o.Limit)
	}
	k = o.ImportanceSamples
	if k == 0 {
		k = DefaultImportanceSamples
		if mk, ok := metaInt(b.cfg.Metadata, "evaluation", "importance_samples"); ok {
			k = mk
		}
	}
	if k < 1 {
		return 0, 0, 0, fmt.Errorf("vae: evaluate: importance samples must be >= 1, got %d", k)
	}
	chunk = o.Chunk
	if chunk <= 0 {
		chunk = defaultChunk
	}
	return n, k, chunk, nil
}

// Evaluate implements models.Evaluator with the configuration's k; see
// EvaluateWith.
func (v *VAE) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	return v.EvaluateWith(test, EvalOptions{}, rngs)
}

// EvaluateWith estimates, in nats per example on the test set:
//
//   - "iwae_nll": the importance-weighted bound of Burda et al. (2016) on
//     -log p(x) with k samples, -log (1/k)·Σ_i p(x, z_i)/q(z_i|x): an upper
//     bound on the negative log-likelihood that tightens as k grows and
//     equals the negative ELBO in expectation for k = 1;
//   - "nelbo": the negative ELBO, the average of -log p(x, z_i)/q(z_i|x)
//     over the same samples, with its terms "reconstruction" and "kl"
//     (analytic);
//
// plus "importance_samples" (k) and "examples". Samples come from the
// "sample" stream of rngs; it runs in evaluation mode without gradients.
// Bernoulli models see test data binarised as
// metadata.training_defaults.binarization says ("dynamic": one Bernoulli
// draw per pixel from the "binarize" stream of rngs; "static": threshold
// 0.5). A ConditionalVAE evaluates -log p(x|y) with the test labels.
func (v *VAE) EvaluateWith(test *data.Dataset, o EvalOptions, rngs *tensor.Rngs) (map[string]float64, error) {
	n, k, chunk, err := v.evalSetup(test, o, v.classes > 0)
	if err != nil {
		return nil, err
	}
	if rngs == nil {
		return nil, fmt.Errorf("vae: evaluate: rngs must not be nil: the bound draws posterior samples")
	}
	if v.classes > 0 {
		for i, l := range test.Labels()[:n] {
			if l < 0 || l >= v.classes {
				return nil, fmt.Errorf("vae: evaluate: label %d of example %d outside [0, %d)", l, i, v.classes)
			}
		}
	}
	bin, err := v.binarizer(rngs)
	if err != nil {
		return nil, err
	}
	group := max(1, chunk/k) // examples per group
	per := min(k, chunk)     // samples per pass
	logw := make([]float64, group*k)
	var iwae, elbo, kl float64
	var recon float64
	v.eval(func() {
		for lo := 0; lo < n; lo += group {
			g := min(group, n-lo)
			x, cond := v.batchOf(test, lo, g, v.classes)
			if bin != nil {
				x = bin(x)
			}
			mu, logvar := v.encode(x, cond)
			kl += sumAll(tensor.SumAxes(tensor.KLStandardNormal(mu, logvar), []int{1}, false))
			for s0 := 0; s0 < k; s0 += per {
				s := min(per, k-s0)
				lw, lpx := v.logWeights(x, cond, mu, logvar, s, rngs)
				for e := range g {
					copy(logw[e*k+s0:e*k+s0+s], lw[e*s:(e+1)*s])
				}
				recon -= sumAll(lpx)
			}
			for e := range g {
				row := logw[e*k : (e+1)*k]
				iwae -= logSumExp(row) - math.Log(float64(k))
				for _, w := range row {
					elbo += w / float64(k)
				}
			}
			if o.Progress != nil {
				o.Progress(lo+g, n)
			}
		}
	})
	nf := float64(n)
	return map[string]float64{
		"iwae_nll":           iwae / nf,
		"nelbo":              -elbo / nf,
		"reconstruction":     recon / (nf * float64(k)),
		"kl":                 kl / nf,
		"importance_samples": float64(k),
		"examples":           nf,
	}, nil
}

// logWeights draws s posterior samples for each of the g examples of x
// and returns log p(x, z)/q(z|x) and log p(x|z), example-major ([g·s]).
func (v *VAE) logWeights(x, cond, mu, logvar *tensor.Tensor, s int, rngs *tensor.Rngs) ([]float64, *tensor.Tensor) {
	mu, logvar = tensor.RepeatInterleave(mu, s, 0), tensor.RepeatInterleave(logvar, s, 0)
	eps := rngs.Sample().Normal(mu.Shape()...)
	z := tensor.Add(mu, tensor.Mul(tensor.Exp(tensor.Scale(logvar, 0.5)), eps))
	if cond != nil {
		cond = tensor.RepeatInterleave(cond, s, 0)
	}
	logpx := tensor.Neg(v.nll(v.decode(z, cond), tensor.RepeatInterleave(x, s, 0)))
	// log N(z; 0, I) - log N(z; mu, e^logvar) = -½·Σ(z² - ε² - logvar);
	// the 2π terms cancel.
	ratio := tensor.Scale(tensor.SumAxes(tensor.Sub(tensor.Sub(tensor.Square(z), tensor.Square(eps)), logvar), []int{1}, false), -0.5)
	out := make([]float64, logpx.Size())
	for i, a := range logpx.Data() {
		out[i] = float64(a) + float64(ratio.Data()[i])
	}
	return out, logpx
}

// batchOf returns examples [lo, lo+g) of test in the model's layout, with
// their one-hot labels when classes > 0.
func (b *Base) batchOf(test *data.Dataset, lo, g, classes int) (x, cond *tensor.Tensor) {
	per := prod(b.shape)
	vals := make([]float32, g*per)
	for i := range g {
		copy(vals[i*per:], test.Image(lo+i))
	}
	x = tensor.FromSlice(vals, append([]int{g}, b.shape...)...)
	if classes > 0 {
		cond = tensor.OneHot(test.Labels()[lo:lo+g], classes)
	}
	return x, cond
}

// logSumExp returns log Σ e^w, stable for any magnitudes.
func logSumExp(w []float64) float64 {
	m := math.Inf(-1)
	for _, x := range w {
		m = math.Max(m, x)
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, x := range w {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}

func sumAll(t *tensor.Tensor) float64 {
	s := 0.0
	for _, x := range t.Data() {
		s += float64(x)
	}
	return s
}
