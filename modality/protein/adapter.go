package protein

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/models/geometric"
	"github.com/artifex-go/artifex/models/vae"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// Representations of a protein chain of L residues that models can see,
// told apart by the model's input_dim [L, width].
const (
	RepSequence = "sequence" // [L, 21] one-hot residues (OneHotSequences)
	RepAngles   = "angles"   // [L, 6] encoded internal coordinates (AngleWindows)
	RepBackbone = "backbone" // [L, 9] N, CA, C coordinates per residue, in coordinate_scale units
	RepCA       = "ca"       // [L, 3(+features)] CA coordinates (CATraces)
)

// Virtual CA–CA bond of a trans peptide, the bond-length target of a CA
// trace.
const BondCACA = 3.80

// Modality is the protein modality for factory.WithModality("protein").
// It adapts VAE, diffusion (DDPM, DDIM) and geometric GraphModel models
// whose input is a protein representation: their training loss gets
// backbone constraint terms on the model's prediction of clean data,
//
//	loss = family loss + bond_length_weight·L_bond + bond_angle_weight·L_angle
//
// where L_bond is the mean squared deviation (Å²) of bond lengths from
// N-CA 1.458, CA-C 1.523, C-N 1.329 Å (CA-CA 3.80 Å for CA traces) and
// L_angle the mean squared deviation of the cosines of the N-CA-C,
// CA-C-N and C-N-CA angles from those of 111.2°, 116.2° and 121.7° (for
// angle representations, the mean of 2(1 − cos Δ) over the bond-angle
// deviations Δ). The weights and coordinate_scale (Å per model unit,
// default 10) are read from the configuration's metadata — where zoo
// overrides of keys a family does not know land — and the defaults
// applied are recorded there.
type Modality struct{}

// Name implements factory.Modality.
func (Modality) Name() string { return "protein" }

// Metadata keys read by the adapter, with their defaults.
var adapterDefaults = map[string]float64{
	"bond_length_weight": 1.0,
	"bond_angle_weight":  1.0,
	"coordinate_scale":   CAScale,
	// constraint_t_fraction: diffusion models are measured on their
	// prediction of clean data from the less noisy part of the chain,
	// timesteps below this fraction of T, where that prediction is sharp
	// enough for bond geometry to mean something.
	"constraint_t_fraction": 0.25,
}

// Adapt implements factory.Modality.
func (Modality) Adapt(m models.Model, family string) (models.Model, error) {
	cfg := m.Config()
	if family != "vae" && family != "diffusion" && family != "geometric" {
		return nil, fmt.Errorf("protein: %s models are not supported; the protein modality adapts vae, diffusion and geometric models", family)
	}
	rep, err := representation(cfg.InputDim)
	if err != nil {
		return nil, err
	}
	a := &Adapted{family: family, rep: rep, length: cfg.InputDim[0], weights: map[string]float64{}}
	switch family {
	case "vae":
		v, ok := m.(vaeModel)
		if !ok {
			return nil, fmt.Errorf("protein: vae model %s has no Encode/Decode to measure; the protein modality serves VAE, BetaVAE", cfg.ModelClass)
		}
		if rep != RepSequence && rep != RepAngles && v.Options().ReconstructionLoss != "mse" {
			return nil, fmt.Errorf("protein: a VAE over %s must use reconstruction_loss mse, got %q", rep, v.Options().ReconstructionLoss)
		}
		a.Model, a.vae = v, v
	case "diffusion":
		d, ok := m.(*diffusion.DDPM)
		if !ok {
			return nil, fmt.Errorf("protein: diffusion class %s has no clean-data prediction to measure; the protein modality serves DDPM and DDIM", cfg.ModelClass)
		}
		a.Model, a.ddpm = d, d
	case "geometric":
		g, ok := m.(*geometric.GraphModel)
		if !ok {
			return nil, fmt.Errorf("protein: geometric class %s sees unordered points; the protein modality serves GraphModel, whose nodes are residues", cfg.ModelClass)
		}
		s := g.Settings()
		if s.Coords != 3 || s.IndexEmbedding == 0 {
			return nil, fmt.Errorf("protein: a GraphModel over residues needs coordinate_dim 3 and index_embedding_dim > 0 (residue-index conditioning); got %d and %d", s.Coords, s.IndexEmbedding)
		}
		a.rep = RepCA
		a.Model, a.graph = g, g
	}
	if cfg.Metadata == nil {
		cfg.Metadata = map[string]any{}
	}
	for k, def := range adapterDefaults {
		v, ok := cfg.Metadata[k]
		if !ok {
			cfg.Metadata[k] = def
			v = def
		}
		f, ok := config.AsFloat(v)
		if !ok || f < 0 || math.IsNaN(f) {
			return nil, fmt.Errorf("protein: metadata %s must be a number ≥ 0, got %v", k, v)
		}
		a.weights[k] = f
	}
	if a.weights["coordinate_scale"] == 0 {
		return nil, fmt.Errorf("protein: coordinate_scale must be positive")
	}
	cfg.Metadata["modality"] = "protein"
	cfg.Metadata["protein_representation"] = a.rep
	a.cfg = cfg
	if a.rep == RepSequence {
		return &Sequences{a}, nil
	}
	return a, nil
}

// representation tells the protein representation from input_dim.
func representation(in config.Dims) (string, error) {
	if len(in) == 2 && in[0] > 1 {
		switch in[1] {
		case VocabSize:
			return RepSequence, nil
		case 6:
			return RepAngles, nil
		case 9:
			return RepBackbone, nil
		case 3:
			return RepCA, nil
		}
		if in[1] > 3 {
			return RepCA, nil // CA coordinates followed by node features (GraphModel)
		}
	}
	return "", fmt.Errorf("protein: input_dim %v is not a protein layout; use [L, 21] one-hot sequences, [L, 6] backbone angles, [L, 9] N/CA/C coordinates or [L, 3] CA coordinates", []int(in))
}

// vaeModel is what the adapter needs of a VAE.
type vaeModel interface {
	models.Trainable
	Encode(x *tensor.Tensor) (mu, logvar *tensor.Tensor)
	Decode(z *tensor.Tensor) *tensor.Tensor
	Options() vae.Options
}

// Adapted is a model adapted to proteins: it trains the wrapped model on
// its family loss plus the backbone constraint terms, and logs each term.
// A model of structures is an Adapted; a model of sequences is a
// Sequences, which holds one.
type Adapted struct {
	Model   models.Trainable
	family  string
	rep     string
	length  int
	cfg     config.ModelConfiguration
	weights map[string]float64
	vae     vaeModel
	ddpm    *diffusion.DDPM
	graph   *geometric.GraphModel
}

// Config implements models.Model: the wrapped model's configuration with
// the adapter's settings in its metadata.
func (a *Adapted) Config() config.ModelConfiguration { return a.cfg.Clone() }

// Unwrap returns the wrapped model.
func (a *Adapted) Unwrap() models.Trainable { return a.Model }

// EMA implements models.Averager with the wrapped model's own weight
// average (a DDPM's ema_decay), nil when it keeps none, so that the
// trainer saves it in checkpoints and restores it on resume and reload.
// Without it a reloaded model sampled with the average it was built with:
// its initial weights.
func (a *Adapted) EMA() *optim.EMA {
	if av, ok := a.Model.(models.Averager); ok {
		return av.EMA()
	}
	return nil
}

// Representation returns what the model sees: RepSequence, RepAngles,
// RepBackbone or RepCA.
func (a *Adapted) Representation() string { return a.rep }

// SetTraining switches the wrapped model between training and evaluation.
func (a *Adapted) SetTraining(on bool) {
	if s, ok := a.Model.(interface{ SetTraining(bool) }); ok {
		s.SetTraining(on)
	}
}

// TrainLoss implements models.Trainable.
//
// The constraint terms need a second forward pass of the wrapped model
// (its prediction of clean data at another timestep). That pass is a
// checkpoint (nn.Checkpoint): it runs without recording here, and the
// backward pass runs it again, recording, only after it has finished with
// the family loss's graph, which is released by then. So the two graphs
// are never held together and training holds one forward pass of
// activations, not two, for a third forward pass of compute.
func (a *Adapted) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	loss, logs := a.Model.TrainLoss(batch, rngs)
	predict := a.cleanPredictor(batch.Images, rngs)
	out := map[string]float64{}
	for k, v := range logs {
		out[k] = v
	}
	out["family_loss"] = float64(loss.Item())
	if names := a.constraintNames(); predict != nil && len(names) > 0 {
		terms := nn.Checkpoint(a.Model, func([]*tensor.Tensor) *tensor.Tensor { return a.constraints(predict()) })
		w := make([]float32, len(names))
		for i, name := range names {
			out[name] = float64(terms.Data()[i])
			w[i] = float32(a.weights[name+"_weight"])
		}
		// The constraint comes first: the backward pass visits the
		// operands of an op in reverse, so the checkpoint is recomputed
		// after the family loss's graph has been walked and released.
		loss = tensor.Add(tensor.Sum(tensor.Mul(terms, tensor.FromSlice(w, len(w)))), loss)
	}
	out["loss"] = float64(loss.Item())
	return loss, out
}

// cleanPredictor draws what the wrapped model's estimate of the clean
// batch [B, L, width] needs at random (a timestep, noise) and returns the
// function that computes the estimate from those draws, with its gradient;
// nil for sequences. The function is deterministic (apart from dropout,
// which the checkpoint replays), so the backward pass can compute it again.
func (a *Adapted) cleanPredictor(x *tensor.Tensor, rngs *tensor.Rngs) func() *tensor.Tensor {
	if a.rep == RepSequence {
		return nil
	}
	b := x.Dim(0)
	width := x.Size() / (b * a.length)
	x = tensor.Reshape(x, b, a.length, width)
	if a.vae != nil {
		return func() *tensor.Tensor {
			mu, _ := a.vae.Encode(x)
			return tensor.Reshape(a.vae.Decode(mu), b, a.length, width)
		}
	}
	s := rngs.Stream("protein/constraint")
	if a.graph != nil {
		t := s.Intn(max(1, int(a.weights["constraint_t_fraction"]*float64(a.graph.Timesteps()))))
		seed := s.Uint64()
		return func() *tensor.Tensor {
			_, clean, err := a.graph.DenoiseAt(x, t, tensor.NewRngs(seed))
			if err != nil {
				panic(err)
			}
			return clean
		}
	}
	maxT := max(1, int(a.weights["constraint_t_fraction"]*float64(a.ddpm.Schedule().Len())))
	t := s.Intn(maxT)
	ts := make([]int, b)
	for i := range ts {
		ts[i] = t
	}
	xt := a.ddpm.QSample(x, ts, s.Normal(x.Shape()...))
	return func() *tensor.Tensor {
		_, _, _, x0 := a.ddpm.PMeanVariance(xt, t)
		return tensor.Reshape(x0, b, a.length, width)
	}
}

// constraintNames lists the constraint terms of the representation, in
// the order constraints returns them.
func (a *Adapted) constraintNames() []string {
	switch a.rep {
	case RepAngles:
		return []string{"bond_angle"}
	case RepCA:
		return []string{"bond_length"}
	case RepBackbone:
		return []string{"bond_length", "bond_angle"}
	}
	return nil
}

// constraints returns the constraint terms of clean [B, L, width], one
// value per entry of constraintNames.
func (a *Adapted) constraints(clean *tensor.Tensor) *tensor.Tensor {
	scale := float32(a.weights["coordinate_scale"])
	var terms []*tensor.Tensor
	switch a.rep {
	case RepAngles:
		dev := tensor.Narrow(clean, 2, 3, 3) // encoded bond angles: deviations from ideal
		terms = []*tensor.Tensor{tensor.Mean(tensor.Scale(tensor.AddScalar(tensor.Neg(tensor.Cos(dev)), 1), 2))}
	case RepCA:
		ca := tensor.Scale(tensor.Narrow(clean, 2, 0, 3), scale)
		terms = []*tensor.Tensor{BondLengthLoss(ca, []float64{BondCACA})}
	case RepBackbone:
		b, l := clean.Dim(0), clean.Dim(1)
		atoms := tensor.Scale(tensor.Reshape(clean, b, 3*l, 3), scale) // N, CA, C, N, CA, C ...
		terms = []*tensor.Tensor{BondLengthLoss(atoms, []float64{BondNCA, BondCAC, BondCN}),
			BondAngleLoss(atoms, []float64{AngleNCAC, AngleCACN, AngleCNCA})}
	}
	for i, t := range terms {
		terms[i] = tensor.Reshape(t, 1)
	}
	return tensor.Concat(0, terms...)
}

// BondLengthLoss returns the mean squared deviation of the distances
// between consecutive atoms of chains [B, M, 3] (ångström) from ideal,
// which repeats along the chain (N-CA, CA-C, C-N for a backbone).
func BondLengthLoss(atoms *tensor.Tensor, ideal []float64) *tensor.Tensor {
	m := atoms.Dim(1)
	d := tensor.Sub(tensor.Narrow(atoms, 1, 1, m-1), tensor.Narrow(atoms, 1, 0, m-1))
	length := tensor.Sqrt(tensor.AddScalar(tensor.SumAxes(tensor.Square(d), []int{2}, false), 1e-8))
	return tensor.Mean(tensor.Square(tensor.Sub(length, periodic(ideal, m-1, func(v float64) float64 { return v }))))
}

// BondAngleLoss returns the mean squared deviation of the cosines of the
// angles at every interior atom of chains [B, M, 3] from the cosines of
// ideal, which repeats along the chain starting at the second atom (the
// angle at CA, at C, at N for a backbone).
func BondAngleLoss(atoms *tensor.Tensor, ideal []float64) *tensor.Tensor {
	m := atoms.Dim(1)
	u := tensor.Sub(tensor.Narrow(atoms, 1, 0, m-2), tensor.Narrow(atoms, 1, 1, m-2))
	v := tensor.Sub(tensor.Narrow(atoms, 1, 2, m-2), tensor.Narrow(atoms, 1, 1, m-2))
	nrm := func(x *tensor.Tensor) *tensor.Tensor {
		return tensor.Sqrt(tensor.AddScalar(tensor.SumAxes(tensor.Square(x), []int{2}, false), 1e-8))
	}
	cos := tensor.Div(tensor.SumAxes(tensor.Mul(u, v), []int{2}, false), tensor.Mul(nrm(u), nrm(v)))
	return tensor.Mean(tensor.Square(tensor.Sub(cos, periodic(ideal, m-2, math.Cos))))
}

// periodic returns [n] values f(ideal[i mod len(ideal)]).
func periodic(ideal []float64, n int, f func(float64) float64) *tensor.Tensor {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(f(ideal[i%len(ideal)]))
	}
	return tensor.FromSlice(v, n)
}

// SampleBackbones draws n structures from the wrapped model and returns
// their backbones in ångström: N, CA, C per residue for angle and
// backbone representations (angles are rebuilt with BuildBackbone), CA
// only for CA traces. Sequences have no structure: an error.
func (a *Adapted) SampleBackbones(n int, rngs *tensor.Rngs) ([][]Vec3, error) {
	return a.SampleBackbonesWith(n, diffusion.SampleOptions{Eta: -1}, rngs)
}

// SampleBackbonesWith is SampleBackbones with the sampler, steps and eta
// of opts for a wrapped DDPM (other models ignore them), recording no
// gradient. Switch training-mode layers off first (SetTraining(false)).
func (a *Adapted) SampleBackbonesWith(n int, opts diffusion.SampleOptions, rngs *tensor.Rngs) ([][]Vec3, error) {
	var bbs [][]Vec3
	var err error
	tensor.NoGrad(func() { bbs, err = a.sampleBackbones(n, opts, rngs) })
	return bbs, err
}

func (a *Adapted) sampleBackbones(n int, opts diffusion.SampleOptions, rngs *tensor.Rngs) ([][]Vec3, error) {
	var x *tensor.Tensor
	var err error
	switch {
	case a.rep == RepSequence:
		return nil, fmt.Errorf("protein: a sequence model has no structures to sample")
	case a.graph != nil:
		x = a.graph.Sample(n, rngs)
	case a.ddpm != nil:
		x, err = a.ddpm.Sample(n, opts, rngs)
	default:
		sampler, ok := a.vae.(priorSampler)
		if !ok {
			return nil, fmt.Errorf("protein: the wrapped VAE cannot sample")
		}
		x = sampler.Sample(n, 1, rngs)
	}
	if err != nil {
		return nil, err
	}
	return a.Backbones(x)
}

// Backbones returns the structures of examples x [n, (1,) L, width] of the
// model's representation in ångström, as SampleBackbones does.
func (a *Adapted) Backbones(x *tensor.Tensor) ([][]Vec3, error) {
	if a.rep == RepSequence {
		return nil, fmt.Errorf("protein: sequences have no structure")
	}
	n := x.Dim(0)
	width := x.Size() / (n * a.length)
	if width*n*a.length != x.Size() || (a.rep == RepAngles && width != 6) {
		return nil, fmt.Errorf("protein: examples of shape %v are not %d residues of the %s representation", x.Shape(), a.length, a.rep)
	}
	vals := x.Data()
	scale := a.weights["coordinate_scale"]
	out := make([][]Vec3, n)
	for k := range n {
		row := vals[k*a.length*width : (k+1)*a.length*width]
		switch a.rep {
		case RepAngles:
			ang := make([][6]float64, a.length)
			for i := range ang {
				var e [6]float64
				for j := range 6 {
					e[j] = float64(row[i*6+j])
				}
				ang[i] = DecodeAngles(e)
			}
			out[k] = BuildBackbone(ang)
		default:
			per := 3
			if a.rep == RepBackbone {
				per = 9
			}
			for i := range a.length {
				for j := 0; j < per; j += 3 {
					o := i*width + j
					out[k] = append(out[k], Vec3{float64(row[o]) * scale, float64(row[o+1]) * scale, float64(row[o+2]) * scale})
				}
			}
		}
	}
	return out, nil
}
