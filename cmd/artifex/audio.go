package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/sampling"
)

// audioSampling are the sample command's settings for waveform models.
type audioSampling struct {
	seconds     float64
	temperature float64
}

// write draws n clips from a waveform model and writes them as 16-bit
// mono WAV files at the model's sample rate: out itself for one clip,
// out with _1, _2, ... before its extension for several.
func (as audioSampling) write(w io.Writer, c *job.Checkpointed, m audio.ClipSampler, n int, seed uint64, out string) error {
	if n <= 0 {
		return fmt.Errorf("sample: number of samples must be > 0, got %d", n)
	}
	if !(as.seconds > 0) || !(as.temperature > 0) {
		return fmt.Errorf("sample: --seconds (%g) and --temperature (%g) must be > 0 for audio", as.seconds, as.temperature)
	}
	if ext := strings.ToLower(filepath.Ext(out)); ext != ".wav" {
		return fmt.Errorf("sample: model %s draws audio; --out must name a .wav file, got %q", sampling.Describe(m), out)
	}
	nn.SetTraining(m, false)
	clips, err := m.Generate(n, as.seconds, float32(as.temperature), nn.NewRngs(seed))
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	for i, clip := range clips {
		path := out
		if n > 1 {
			ext := filepath.Ext(out)
			path = fmt.Sprintf("%s_%d%s", strings.TrimSuffix(out, ext), i+1, ext)
		}
		if err := audio.WriteWAVFile(path, clip); err != nil {
			return err
		}
		fmt.Fprintf(w, "%.2f s of audio from %s (step %d) at %d Hz written to %s\n", clip.Duration(), c.Config.Name, c.Checkpoint.Step, clip.SampleRate, path)
	}
	return nil
}
