package audio

import (
	"fmt"
	"maps"

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

// SampleRate returns the model's sample rate.
func (a *Waveform) SampleRate() int { return a.Model.SampleRate() }

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
	wave := make([]float32, x.Size())
	for i, v := range x.Data() {
		wave[i] = 2*v - 1
	}
	codes, err := MuLawEncode(wave, a.Model.Levels())
	if err != nil {
		panic(err) // Levels ≥ 2 is checked when the model is built
	}
	return a.Model.CodeLoss(codes, x.Dim(0))
}

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
