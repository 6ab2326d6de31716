package vae

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// VQOptions are the settings of the vector-quantised latent.
type VQOptions struct {
	NumEmbeddings  int     // num_embeddings: codebook size K
	EmbeddingDim   int     // embedding_dim: size D of each code vector
	CommitmentCost float64 // commitment_cost: β of the commitment term
	UseEMA         bool    // use_ema: update the codebook by moving averages instead of gradients
	EMADecay       float64 // ema_decay: γ of those averages
}

func (o VQOptions) check() error {
	switch {
	case o.NumEmbeddings < 1:
		return fmt.Errorf("parameter %q must be >= 1, got %d", "num_embeddings", o.NumEmbeddings)
	case o.EmbeddingDim < 1:
		return fmt.Errorf("parameter %q must be >= 1, got %d", "embedding_dim", o.EmbeddingDim)
	case !(o.CommitmentCost >= 0) || math.IsInf(o.CommitmentCost, 0):
		return fmt.Errorf("parameter %q must be a finite number >= 0, got %g", "commitment_cost", o.CommitmentCost)
	case !(o.EMADecay >= 0 && o.EMADecay < 1):
		return fmt.Errorf("parameter %q must be in [0, 1), got %g", "ema_decay", o.EMADecay)
	}
	return nil
}

// emaEpsilon is the Laplace smoothing of the EMA cluster sizes, which
// keeps a code that no vector chose from dividing by zero.
const emaEpsilon = 1e-5

// VQVAE is the vector-quantised VAE of van den Oord et al. (2017). The
// encoder maps an example to output_dim vectors of embedding_dim values;
// each is replaced by its nearest codebook vector, and the decoder sees
// the quantised vectors. Gradients pass the quantisation unchanged (the
// straight-through estimator). The loss is
//
//	-log p(x|z_q) + ‖sg[z_e] − e‖² + β·‖z_e − sg[e]‖²,
//
// summed over the example's code vectors, with the codebook term dropped
// when the codebook follows exponential moving averages instead (use_ema).
// The prior over codes is uniform, so the KL term is the constant
// output_dim·log K and sampling draws codes uniformly.
type VQVAE struct {
	*Base
	PreQuant *nn.Linear     // encoder features → output_dim·embedding_dim
	Codebook *tensor.Tensor // [K, D]; trainable unless UseEMA
	// ClusterSize [K] and EmbedSum [K, D] are the moving averages of the
	// EMA update (non-trainable state; nil without UseEMA).
	ClusterSize, EmbedSum *tensor.Tensor

	vq VQOptions
}

// NewVQVAE builds a VQ-VAE; see NewVAE and VQOptions.
func NewVQVAE(cfg config.ModelConfiguration, o Options, q VQOptions, rngs *nn.Rngs) (*VQVAE, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	b, err := newBase(cfg, o, rngs, 0, o.LatentDim*q.EmbeddingDim)
	if err != nil {
		return nil, err
	}
	k := float32(q.NumEmbeddings)
	m := &VQVAE{
		Base:     b,
		PreQuant: nn.NewLinear(rngs, b.Encoder.features(), o.LatentDim*q.EmbeddingDim),
		// U(-1/K, 1/K), as the paper's reference implementation.
		Codebook: rngs.Params().Uniform(-1/k, 1/k, q.NumEmbeddings, q.EmbeddingDim),
		vq:       q,
	}
	if q.UseEMA {
		// Sizes of one and sums equal to the codes make the first average
		// reproduce the initial codebook for codes no vector chooses.
		m.ClusterSize = tensor.Ones(q.NumEmbeddings)
		m.EmbedSum = m.Codebook.Clone()
	} else {
		m.Codebook.SetRequiresGrad(true)
	}
	return m, nil
}

// VQ returns the quantisation settings.
func (m *VQVAE) VQ() VQOptions { return m.vq }

// Encode returns the encoder's continuous outputs z_e [N, output_dim,
// embedding_dim].
func (m *VQVAE) Encode(x *tensor.Tensor) *tensor.Tensor {
	h := m.PreQuant.Forward(m.Encoder.forward(m.layout(x), nil))
	return tensor.Reshape(h, h.Dim(0), m.opts.LatentDim, m.vq.EmbeddingDim)
}

// Quantize returns the codebook vectors nearest to each vector of ze
// [N, M, D] (differentiable in the codebook) and their indices [N·M].
func (m *VQVAE) Quantize(ze *tensor.Tensor) (zq *tensor.Tensor, codes []int) {
	d := m.vq.EmbeddingDim
	tensor.NoGrad(func() {
		flat := tensor.Reshape(ze, -1, d)
		// ‖z - e‖² = ‖z‖² - 2·z·e + ‖e‖²; ‖z‖² is the same for every code.
		dist := tensor.Add(tensor.Scale(tensor.MatMulT(flat, m.Codebook, false, true), -2),
			tensor.SumAxes(tensor.Square(m.Codebook), []int{1}, false))
		codes = tensor.Argmin(dist, 1)
	})
	return tensor.Embedding(m.Codebook, codes, ze.Dim(0), ze.Dim(1)), codes
}

// Decode maps quantised vectors [N, M, D] (or [N, M·D]) to the
// likelihood's parameters.
func (m *VQVAE) Decode(zq *tensor.Tensor) *tensor.Tensor {
	return m.Decoder.forward(tensor.Reshape(zq, zq.Dim(0), -1))
}

// DecodeCodes decodes code indices [n·output_dim], example-major.
func (m *VQVAE) DecodeCodes(codes []int) *tensor.Tensor {
	n := len(codes) / m.opts.LatentDim
	return m.Decode(tensor.Embedding(m.Codebook, codes, n, m.opts.LatentDim))
}

// Loss returns the loss terms of a batch (rngs is unused: the model is
// deterministic, but the signature matches the other classes). In
// training mode with use_ema, outside NoGrad, it also moves the codebook
// towards the batch's assignments.
func (m *VQVAE) Loss(x *tensor.Tensor, rngs *tensor.Rngs) Losses {
	x = m.layout(x)
	ze := m.Encode(x)
	zq, codes := m.Quantize(ze)
	// Straight-through: the decoder sees z_q, the encoder gets its gradient.
	st := tensor.Add(ze, tensor.Sub(zq, ze).Detach())
	rec := tensor.Mean(m.nll(m.Decode(st), x))
	perExample := func(t *tensor.Tensor) *tensor.Tensor {
		return tensor.Mean(tensor.SumAxes(t, []int{1, 2}, false))
	}
	commit := perExample(tensor.Square(tensor.Sub(ze, zq.Detach())))
	total := tensor.Add(rec, tensor.Scale(commit, float32(m.vq.CommitmentCost)))
	var book *tensor.Tensor
	if m.vq.UseEMA {
		book = tensor.Scalar(0)
		if m.training && tensor.GradEnabled() {
			m.emaUpdate(ze, codes)
		}
	} else {
		book = perExample(tensor.Square(tensor.Sub(ze.Detach(), zq)))
		total = tensor.Add(total, book)
	}
	return Losses{Total: total, Reconstruction: rec, KL: tensor.Scalar(m.klConst()), Codebook: book, Commitment: commit}
}

// klConst is KL(q ‖ uniform prior) for a one-hot posterior: M·log K.
func (m *VQVAE) klConst() float32 {
	return float32(float64(m.opts.LatentDim) * math.Log(float64(m.vq.NumEmbeddings)))
}

// emaUpdate applies one step of the codebook's moving averages
// (van den Oord et al. 2017, appendix A.1): N_k ← γN_k + (1−γ)n_k,
// m_k ← γm_k + (1−γ)Σ z_e assigned to k, e_k = m_k / Ñ_k with Laplace
// smoothed sizes Ñ.
func (m *VQVAE) emaUpdate(ze *tensor.Tensor, codes []int) {
	k, d := m.vq.NumEmbeddings, m.vq.EmbeddingDim
	g := float32(m.vq.EMADecay)
	counts := make([]float32, k)
	sums := make([]float32, k*d)
	z := ze.Data()
	for i, c := range codes {
		counts[c]++
		for j := range d {
			sums[c*d+j] += z[i*d+j]
		}
	}
	size, sum, book := m.ClusterSize.Data(), m.EmbedSum.Data(), m.Codebook.Data()
	total := float32(0)
	for c := range k {
		size[c] = g*size[c] + (1-g)*counts[c]
		total += size[c]
	}
	for c := range k {
		smoothed := (size[c] + emaEpsilon) / (total + float32(k)*emaEpsilon) * total
		for j := range d {
			sum[c*d+j] = g*sum[c*d+j] + (1-g)*sums[c*d+j]
			book[c*d+j] = sum[c*d+j] / smoothed
		}
	}
}

// TrainLoss implements models.Trainable; each call counts one step.
func (m *VQVAE) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	l := m.Loss(batch.Images, rngs)
	m.countStep()
	return l.Total, map[string]float64{
		"loss":           float64(l.Total.Item()),
		"reconstruction": float64(l.Reconstruction.Item()),
		"codebook":       float64(l.Codebook.Item()),
		"commitment":     float64(l.Commitment.Item()),
		"nelbo":          float64(l.Reconstruction.Item() + l.KL.Item()),
	}
}

// Sample decodes n sets of codes drawn uniformly from the codebook (the
// model's prior) into the likelihood's means; a learned prior over codes
// (the paper's PixelCNN) would replace the uniform draw.
func (m *VQVAE) Sample(n int, rngs *tensor.Rngs) *tensor.Tensor {
	var out *tensor.Tensor
	m.eval(func() {
		codes := make([]int, n*m.opts.LatentDim)
		s := rngs.Sample()
		for i := range codes {
			codes[i] = s.Intn(m.vq.NumEmbeddings)
		}
		out = m.mean(m.DecodeCodes(codes))
	})
	return out
}

// SampleImages implements models.ImageSampler.
func (m *VQVAE) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	return m.asImages(m.Sample(n, rngs))
}

// Reconstruct returns the means decoded from the quantised encoding of x.
func (m *VQVAE) Reconstruct(x *tensor.Tensor) *tensor.Tensor {
	var out *tensor.Tensor
	m.eval(func() {
		zq, _ := m.Quantize(m.Encode(x))
		out = m.mean(m.Decode(zq))
	})
	return out
}

// Interpolate decodes steps points between the continuous encodings of
// two examples, each quantised before decoding.
func (m *VQVAE) Interpolate(x1, x2 *tensor.Tensor, steps int) *tensor.Tensor {
	var out *tensor.Tensor
	m.eval(func() {
		ze := m.Encode(tensor.Concat(0, m.one(x1), m.one(x2)))
		line := lerp(tensor.Reshape(ze, 2, -1), steps)
		zq, _ := m.Quantize(tensor.Reshape(line, steps, m.opts.LatentDim, m.vq.EmbeddingDim))
		out = m.mean(m.Decode(zq))
	})
	return out
}

// LatentTraversal encodes one example and replaces the code at position
// pos (of output_dim) by each of codes in turn: [len(codes), example
// shape...].
func (m *VQVAE) LatentTraversal(x *tensor.Tensor, pos int, codes []int) *tensor.Tensor {
	if pos < 0 || pos >= m.opts.LatentDim {
		panic(fmt.Sprintf("vae: LatentTraversal: position %d out of range for %d codes", pos, m.opts.LatentDim))
	}
	var out *tensor.Tensor
	m.eval(func() {
		_, base := m.Quantize(m.Encode(m.one(x)))
		all := make([]int, 0, len(codes)*len(base))
		for _, c := range codes {
			if c < 0 || c >= m.vq.NumEmbeddings {
				panic(fmt.Sprintf("vae: LatentTraversal: code %d outside [0, %d)", c, m.vq.NumEmbeddings))
			}
			row := append([]int(nil), base...)
			row[pos] = c
			all = append(all, row...)
		}
		out = m.mean(m.DecodeCodes(all))
	})
	return out
}

// Evaluate implements models.Evaluator; see EvaluateWith.
func (m *VQVAE) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	return m.EvaluateWith(test, EvalOptions{}, rngs)
}

// EvaluateWith reports, in nats per example, "nelbo" (reconstruction plus
// the constant KL output_dim·log K; with a one-hot posterior the IWAE
// bound equals it for every k, so none is computed), "reconstruction",
// "kl", and "perplexity", e^(entropy of code usage), how many codes are
// effectively in use. Only Limit and Chunk of o apply.
func (m *VQVAE) EvaluateWith(test *data.Dataset, o EvalOptions, rngs *tensor.Rngs) (map[string]float64, error) {
	n, _, chunk, err := m.evalSetup(test, EvalOptions{Limit: o.Limit, ImportanceSamples: 1, Chunk: o.Chunk}, false)
	if err != nil {
		return nil, err
	}
	bin, err := m.binarizer(rngs)
	if err != nil {
		return nil, err
	}
	usage := make([]float64, m.vq.NumEmbeddings)
	var rec float64
	m.eval(func() {
		for lo := 0; lo < n; lo += chunk {
			g := min(chunk, n-lo)
			x, _ := m.batchOf(test, lo, g, 0)
			if bin != nil {
				x = bin(x)
			}
			zq, codes := m.Quantize(m.Encode(x))
			rec += sumAll(m.nll(m.Decode(zq), x))
			for _, c := range codes {
				usage[c]++
			}
		}
	})
	total, ent := float64(n*m.opts.LatentDim), 0.0
	for _, u := range usage {
		if u > 0 {
			p := u / total
			ent -= p * math.Log(p)
		}
	}
	nf := float64(n)
	kl := float64(m.klConst())
	return map[string]float64{
		"nelbo":          rec/nf + kl,
		"reconstruction": rec / nf,
		"kl":             kl,
		"perplexity":     math.Exp(ent),
		"examples":       nf,
	}, nil
}
