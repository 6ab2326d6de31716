package audio

import (
	"fmt"
	"maps"
	"math"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/tensor"
)

// WaveformModel is an autoregressive model of quantised audio samples
// (WaveNet): it scores and draws sequences of codes in [0, Levels) at
// SampleRate samples per second.
type WaveformModel interface {
	models.Model
	Levels() int
	SampleRate() int
	// CodeLoss returns the mean negative log-likelihood per sample of n
	// code sequences laid one after another.
	CodeLoss(codes []int, n int) (*tensor.Tensor, map[string]float64)
	// Logits returns the logits [n, Levels, T] of p(x_t | x_<t) for n
	// code sequences of T codes laid one after another.
	Logits(codes []int, n int) *tensor.Tensor
	// Generate draws n sequences of length codes.
	Generate(n, length int, temperature float32, rngs *tensor.Rngs) ([]int, error)
}

// Modality is the audio modality. Adapt turns a waveform model into a
// Model that trains on waveforms and generates Clips: samples are mu-law
// quantised to the model's levels on the way in and expanded on the way
// out, at the model's sample rate.
type Modality struct{}

// Name returns "audio".
func (Modality) Name() string { return "audio" }

// Adapt wraps a waveform model of the autoregressive family in a Model.
// Other families, and autoregressive models of other data (PixelCNN,
// Transformer), are refused with an error saying why.
func (Modality) Adapt(m models.Model, family string) (models.Model, error) {
	if family != "autoregressive" {
		return nil, fmt.Errorf("the audio modality serves autoregressive waveform models (WaveNet); family %q has none", family)
	}
	w, ok := m.(WaveformModel)
	if !ok {
		return nil, fmt.Errorf("the audio modality serves autoregressive waveform models (WaveNet); %s (%T) does not model audio samples", m.Config().ModelClass, m)
	}
	return &Waveform{Model: w}, nil
}

// Waveform is a waveform model adapted to audio.
type Waveform struct {
	Model WaveformModel
}

// Config returns the model's configuration with metadata.modality "audio"
// and metadata.sample_rate.
func (a *Waveform) Config() config.ModelConfiguration {
	cfg := a.Model.Config().Clone()
	md := maps.Clone(cfg.Metadata)
	if md == nil {
		md = map[string]any{}
	}
	md["modality"] = "audio"
	md["sample_rate"] = a.Model.SampleRate()
	md["quantization"] = fmt.Sprintf("mu-law, %d levels", a.Model.Levels())
	cfg.Metadata = md
	return cfg
}

// SampleFile implements models.FileSampler: the trainer writes one clip,
// samples.wav, at the end of a run.
func (a *Waveform) SampleFile() string { return "samples.wav" }

// WriteSample draws one second of audio at temperature 1 and writes it to
// path as a 16-bit mono WAV file at the model's rate.
func (a *Waveform) WriteSample(path string, rngs *tensor.Rngs) error {
	clips, err := a.Generate(1, 1, 1, rngs)
	if err != nil {
		return err
	}
	return WriteWAVFile(path, clips[0])
}

// SampleRate returns the model's sample rate.
func (a *Waveform) SampleRate() int { return a.Model.SampleRate() }

// SegmentLength returns the number of samples per training segment, the
// model's input_dim.
func (a *Waveform) SegmentLength() (int, error) {
	cfg := a.Model.Config()
	if len(cfg.InputDim) != 1 || cfg.InputDim[0] <= 0 {
		return 0, fmt.Errorf("audio: model %q: input_dim must be one positive number, the training segment length in samples; got %v", cfg.Name, cfg.InputDim)
	}
	return cfg.InputDim[0], nil
}

// Encode returns the mu-law codes of a clip: mixed to mono and resampled
// to the model's rate.
func (a *Waveform) Encode(c *Clip) ([]int, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	x, err := Resample(c.Mono(), c.SampleRate, a.Model.SampleRate(), 16)
	if err != nil {
		return nil, err
	}
	return MuLawEncode(x, a.Model.Levels())
}

// TrainLoss reads each batch item as one waveform stored the way data
// sets store values, in [0, 1] ((x+1)/2 for a sample x in [-1, 1]; see
// Dataset), mu-law encodes it and returns the model's loss per sample.
func (a *Waveform) TrainLoss(batch data.Batch, _ *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x := batch.Images
	codes, _, err := a.codes(x)
	if err != nil {
		panic(err) // Levels ≥ 2 is checked when the model is built
	}
	return a.Model.CodeLoss(codes, x.Dim(0))
}

// codes mu-law encodes a batch of waveform segments stored as (x+1)/2.
func (a *Waveform) codes(x *tensor.Tensor) ([]int, []float32, error) {
	wave := make([]float32, x.Size())
	for i, v := range x.Data() {
		wave[i] = 2*v - 1
	}
	codes, err := MuLawEncode(wave, a.Model.Levels())
	return codes, wave, err
}

// evalBatch is the number of segments Evaluate scores at once.
const evalBatch = 16

// Evaluate scores the test segments (a Dataset of waveforms) under the
// model: the negative log-likelihood per sample of their mu-law codes,
// nll_per_sample in nats and bits_per_sample, and, with teacher forcing,
// how well the one-step-ahead prediction matches the signal in spectrum:
// the prediction of sample t is the mean waveform value of p(x_t | x_<t),
// and spectral_convergence and log_spectral_distance_db compare the test
// segments, laid end to end, with their predictions (STFT of 256 samples,
// hop 64, fewer for shorter segments; left out when the test audio is
// silent, where spectral convergence is undefined).
func (a *Waveform) Evaluate(test *data.Dataset, _ *tensor.Rngs) (map[string]float64, error) {
	levels := a.Model.Levels()
	all := make([]int, levels)
	for i := range all {
		all[i] = i
	}
	decoded, err := MuLawDecode(all, levels)
	if err != nil {
		return nil, err
	}
	images := test.Images()
	var ref, pred []float32
	nll, count := 0.0, 0
	for start := 0; start < test.Len(); start += evalBatch {
		n := min(evalBatch, test.Len()-start)
		codes, wave, err := a.codes(tensor.Narrow(images, 0, start, n))
		if err != nil {
			return nil, err
		}
		logits := a.Model.Logits(codes, n).Data() // [n, levels, t]
		t := len(codes) / n
		for b := range n {
			for i := range t {
				// Log-softmax over the levels of sample i, and the mean
				// waveform value under it.
				at := func(c int) float64 { return float64(logits[(b*levels+c)*t+i]) }
				hi := at(0)
				for c := 1; c < levels; c++ {
					hi = max(hi, at(c))
				}
				z, mean := 0.0, 0.0
				for c := range levels {
					e := math.Exp(at(c) - hi)
					z += e
					mean += e * float64(decoded[c])
				}
				nll += hi + math.Log(z) - at(codes[b*t+i])
				pred = append(pred, float32(mean/z))
			}
		}
		ref = append(ref, wave...)
		count += len(codes)
	}
	if count == 0 {
		return nil, fmt.Errorf("audio: the test set holds no segments")
	}
	nll /= float64(count)
	out := map[string]float64{"nll_per_sample": nll, "bits_per_sample": nll / math.Ln2, "test_samples": float64(count)}
	o := STFTOptions{NFFT: 256, Hop: 64, Center: true}
	for o.NFFT > 2 && o.NFFT/2 >= len(ref) {
		o.NFFT /= 2
		o.Hop = max(1, o.NFFT/4)
	}
	if sc, err := SpectralConvergence(ref, pred, o); err == nil {
		out["spectral_convergence"] = sc
		if lsd, err := LogSpectralDistance(ref, pred, o); err == nil {
			out["log_spectral_distance_db"] = lsd
		}
	}
	return out, nil
}

// ClipSampler is a model that draws audio clips: n clips of the given
// duration in seconds, at a temperature. The CLI and the server find
// audio models through it, not through a model type.
type ClipSampler interface {
	models.Model
	Generate(n int, seconds float64, temperature float32, rngs *tensor.Rngs) ([]*Clip, error)
}

var _ ClipSampler = (*Waveform)(nil)

// Generate draws n clips of the given duration in seconds at the model's
// sample rate.
func (a *Waveform) Generate(n int, seconds float64, temperature float32, rngs *tensor.Rngs) ([]*Clip, error) {
	length := int(seconds * float64(a.Model.SampleRate()))
	if length <= 0 {
		return nil, fmt.Errorf("audio: duration %g s gives no samples at %d Hz", seconds, a.Model.SampleRate())
	}
	codes, err := a.Model.Generate(n, length, temperature, rngs)
	if err != nil {
		return nil, err
	}
	clips := make([]*Clip, n)
	for i := range clips {
		x, err := MuLawDecode(codes[i*length:(i+1)*length], a.Model.Levels())
		if err != nil {
			return nil, err
		}
		clips[i] = &Clip{SampleRate: a.Model.SampleRate(), Channels: [][]float32{x}}
	}
	return clips, nil
}

// Dataset cuts mono waveforms into segments of length samples (dropping
// each clip's remainder; hop is the step between segment starts) and holds
// them as a data.Dataset of [1, 1, length] "images" with values (x+1)/2,
// the data package's [0, 1] convention, which Waveform.TrainLoss reads.
func Dataset(waves [][]float32, length, hop int) (*data.Dataset, error) {
	if length <= 0 || hop <= 0 {
		return nil, fmt.Errorf("audio: segment length and hop must be > 0, got %d and %d", length, hop)
	}
	var vals []float32
	for _, w := range waves {
		for s := 0; s+length <= len(w); s += hop {
			for _, v := range w[s : s+length] {
				vals = append(vals, (min(max(v, -1), 1)+1)/2)
			}
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("audio: no clip is as long as one segment of %d samples", length)
	}
	return data.NewDataset(vals, nil, 1, 1, length)
}
