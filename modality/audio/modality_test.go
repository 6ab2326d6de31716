package audio

import (
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/internal/fittest"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func smallWaveNet(t *testing.T) *autoregressive.WaveNet {
	t.Helper()
	w, err := autoregressive.NewWaveNet(config.ModelConfiguration{Name: "wn", Metadata: map[string]any{"experiment": "a"}}, autoregressive.WaveNetOptions{
		Levels: 256, Residual: 16, Dilation: 16, Skip: 32, Kernel: 2, Dilations: []int{1, 2, 4, 8, 16, 32, 64}, SampleRate: 8000,
	}, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestModalityRefusesWhatItCannotServe(t *testing.T) {
	w := smallWaveNet(t)
	if _, err := (Modality{}).Adapt(w, "vae"); err == nil || !strings.Contains(err.Error(), `family "vae"`) {
		t.Errorf("vae family: err = %v", err)
	}
	p, err := autoregressive.NewPixelCNN(config.ModelConfiguration{ModelClass: "PixelCNN"}, autoregressive.PixelCNNOptions{
		Channels: 1, Height: 4, Width: 4, Hidden: 4, FirstKernel: 3, Kernel: 3, OutputHidden: 4, Levels: 2}, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Modality{}).Adapt(p, "autoregressive"); err == nil || !strings.Contains(err.Error(), "does not model audio samples") {
		t.Errorf("PixelCNN: err = %v", err)
	}
}

// TestAdaptedWaveNetLearnsRealSpeech trains a small WaveNet, through the
// modality, on the espeak-ng word "seven" resampled to 8 kHz: the NLL per
// sample must fall clearly; then it generates clips at the model's rate.
func TestAdaptedWaveNetLearnsRealSpeech(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	m, err := (Modality{}).Adapt(smallWaveNet(t), "autoregressive")
	if err != nil {
		t.Fatal(err)
	}
	a := m.(*Waveform)
	cfg := a.Config()
	if cfg.Metadata["modality"] != "audio" || cfg.Metadata["sample_rate"] != 8000 || cfg.Metadata["experiment"] != "a" {
		t.Errorf("adapted metadata %v", cfg.Metadata)
	}
	clip, err := ReadWAVFile("testdata/seven_espeak.wav")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := a.Encode(clip)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 5915 {
		t.Errorf("%d codes at 8 kHz, want 5915", len(codes))
	}
	wave, _ := Resample(clip.Mono(), clip.SampleRate, 8000, 16)
	ds, err := Dataset([][]float32{wave}, 800, 800)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 7 {
		t.Fatalf("%d segments, want 7", ds.Len())
	}
	batch := data.Batch{Images: tensor.Narrow(ds.Images(), 0, 0, 4)}
	first, last := fittest.Fit(t, a, batch, nil, 1e-2, 30, "nll_per_sample")
	t.Logf("NLL per sample %.3f → %.3f nats", first, last)
	if !(last < first-1) {
		t.Errorf("NLL per sample went from %.3f to %.3f nats; want a fall of 1", first, last)
	}
	clips, err := a.Generate(2, 0.01, 1, tensor.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(clips) != 2 || clips[0].SampleRate != 8000 || clips[0].Len() != 80 {
		t.Fatalf("generated %d clips of %d samples at %d Hz", len(clips), clips[0].Len(), clips[0].SampleRate)
	}
	if _, err := a.Generate(1, 0, 1, tensor.NewRngs(1)); err == nil {
		t.Error("zero duration accepted")
	}
}
