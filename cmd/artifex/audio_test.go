package main

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/audio"
)

const tinyWaveNetYAML = `name: tiny_wavenet
model_class: artifex.generative_models.models.autoregressive.WaveNet
input_dim: 400
hidden_dims: [8, 8, 16]
parameters: {num_stacks: 1, layers_per_stack: 4, sample_rate: 8000}
metadata:
  modality: audio
  training_defaults: {dataset: speech, batch_size: 4, learning_rate: 0.003, epochs: 1}
`

// writeSpeech writes n WAV files of a quarter second at 16 kHz, each a
// voiced sound of its own pitch, into dir.
func writeSpeech(t *testing.T, dir string, n int) {
	t.Helper()
	for i := range n {
		x := make([]float32, 4000)
		for j := range x {
			f := 2 * math.Pi * (120 + 15*float64(i)) * float64(j) / 16000
			x[j] = float32(0.3 * math.Sin(math.Pi*float64(j)/4000) * (math.Sin(f) + 0.5*math.Sin(2*f) + 0.25*math.Sin(3*f)))
		}
		if err := audio.WriteWAVFile(filepath.Join(dir, fmt.Sprintf("word%02d.wav", i)), &audio.Clip{SampleRate: 16000, Channels: [][]float32{x}}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTrainEvaluateAndSampleAWaveNetOnAFolderOfWAVs(t *testing.T) {
	reg := factory.DefaultRegistry()
	t.Setenv(data.EnvDataDir, "")
	cfg := writeFile(t, "wavenet.yaml", tinyWaveNetYAML)
	out := filepath.Join(t.TempDir(), "run")
	_, err := run(t, reg, "train", "--config", cfg, "--steps", "2", "--data-dir", t.TempDir(), "--out", out, "--quiet")
	if err == nil || !strings.Contains(err.Error(), "gen_speech.sh") {
		t.Errorf("train without WAVs: err = %v, want it to say how to make them", err)
	}

	dataDir := t.TempDir()
	writeSpeech(t, dataDir, 10)
	if _, err := run(t, reg, "train", "--config", cfg, "--steps", "3", "--data-dir", dataDir, "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	// The trainer's own sample: one second at the model's rate.
	if c, err := audio.ReadWAVFile(filepath.Join(out, "samples.wav")); err != nil || c.SampleRate != 8000 || c.Len() != 8000 {
		t.Errorf("train's samples.wav: %v, err %v; want 1 s at 8 kHz", c, err)
	}
	stdout, err := run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", dataDir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var metrics map[string]float64
	if err := json.Unmarshal([]byte(stdout), &metrics); err != nil {
		t.Fatalf("evaluate printed %q: %v", stdout, err)
	}
	// One test file, word09: 2000 samples at 8 kHz in 5 segments.
	if nll := metrics["nll_per_sample"]; !(nll > 0 && nll < 7) || metrics["test_samples"] != 2000 {
		t.Errorf("metrics %v: want an NLL per sample below log(256) ≈ 5.5 nats plus what 3 steps may cost, on 2000 samples", metrics)
	}

	wav := filepath.Join(t.TempDir(), "speech.wav")
	if _, err := run(t, reg, "sample", "--checkpoint", out, "-n", "2", "--seconds", "0.05", "--out", wav); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"speech_1.wav", "speech_2.wav"} {
		c, err := audio.ReadWAVFile(filepath.Join(filepath.Dir(wav), name))
		if err != nil {
			t.Fatal(err)
		}
		if c.SampleRate != 8000 || len(c.Channels) != 1 || c.Len() != 400 {
			t.Errorf("%s: %d Hz, %d channels, %d samples; want 8000 Hz mono, 400 samples", name, c.SampleRate, len(c.Channels), c.Len())
		}
	}
	if _, err := run(t, reg, "sample", "--checkpoint", out, "--out", "x.png"); err == nil || !strings.Contains(err.Error(), ".wav") {
		t.Errorf("--out x.png: err = %v", err)
	}
}
