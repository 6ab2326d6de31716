package audio

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
)

// SpeechDataset is the name of the audio data set (training_defaults.dataset)
// read from a folder of WAV files, such as the spoken digits gen_speech.sh
// synthesises.
const SpeechDataset = "speech"

// speechTestEvery puts every tenth WAV file, in name order, in the test
// split.
const speechTestEvery = 10

// IsDataset reports whether name is the audio data set, which LoadDataset
// reads for a waveform model instead of data.Load.
func IsDataset(name string) bool { return strings.EqualFold(name, SpeechDataset) }

// LoadDataset reads split ("train" or "test") of the speech data set for
// the waveform model m (a *Waveform: metadata.modality audio), cut to
// what m trains on: m's sample rate and segments of m's input_dim samples.
// The WAV files are searched for in dir (the CLI's --data-dir), then in
// $ARTIFEX_DATA, each directory's speech/ folder first; see SpeechSplit.
func LoadDataset(m models.Model, name, split, dir string) (*data.Dataset, error) {
	if !IsDataset(name) {
		return nil, fmt.Errorf("audio: unknown data set %q; available: %s", name, SpeechDataset)
	}
	w, ok := m.(*Waveform)
	if !ok {
		return nil, fmt.Errorf("audio: the %s data set holds waveforms; model %q (%s) is not adapted to audio (set metadata.modality: audio on a WaveNet)",
			SpeechDataset, m.Config().Name, m.Config().ModelClass)
	}
	length, err := w.SegmentLength()
	if err != nil {
		return nil, err
	}
	var looked []string
	for _, root := range []struct{ dir, origin string }{{dir, "--data-dir"}, {os.Getenv(data.EnvDataDir), "$" + data.EnvDataDir}} {
		if root.dir == "" {
			continue
		}
		for _, d := range []string{filepath.Join(root.dir, SpeechDataset), root.dir} {
			paths, _ := filepath.Glob(filepath.Join(d, "*.wav"))
			if len(paths) > 0 {
				return SpeechSplit(paths, split, w.SampleRate(), length)
			}
			looked = append(looked, fmt.Sprintf("  %s (%s)", d, root.origin))
		}
	}
	if len(looked) == 0 {
		looked = append(looked, "  nowhere: neither --data-dir nor $"+data.EnvDataDir+" is set")
	}
	return nil, fmt.Errorf("audio: %s %s split %w: no .wav files; looked in:\n%s\n"+
		"To make them (espeak-ng, nothing downloaded): `sh modality/audio/gen_speech.sh DIR` (apt-get install espeak-ng), then pass --data-dir DIR.",
		SpeechDataset, split, data.ErrNotFound, strings.Join(looked, "\n"))
}

// SpeechSplit makes split of a set of WAV files for a model at rate Hz
// trained on segments of length samples. The files, in name order, are
// numbered; every tenth (numbers 9, 19, ...; with fewer than ten files the
// last one) is in the test split, the rest in train. Each file is mixed to
// mono and resampled to rate; train cuts it into segments overlapping by
// half, test into disjoint ones (see Dataset). Values are the data
// package's (x+1)/2, which Waveform.TrainLoss mu-law encodes.
func SpeechSplit(paths []string, split string, rate, length int) (*data.Dataset, error) {
	if split != "train" && split != "test" {
		return nil, fmt.Errorf("audio: unknown split %q for %s; available: train, test", split, SpeechDataset)
	}
	if len(paths) < 2 {
		return nil, fmt.Errorf("audio: the %s data set needs at least 2 WAV files (every tenth, at least one, is the test split), got %d", SpeechDataset, len(paths))
	}
	sorted := append([]string(nil), paths...)
	sort.Strings(sorted)
	var chosen []string
	for i, p := range sorted {
		test := i%speechTestEvery == speechTestEvery-1 || (len(sorted) < speechTestEvery && i == len(sorted)-1)
		if test == (split == "test") {
			chosen = append(chosen, p)
		}
	}
	waves, err := loadFiles(chosen, rate)
	if err != nil {
		return nil, fmt.Errorf("audio: %s: %w", SpeechDataset, err)
	}
	hop := length
	if split == "train" {
		hop = max(1, length/2)
	}
	ds, err := Dataset(waves, length, hop)
	if err != nil {
		return nil, fmt.Errorf("audio: %s %s split (%d files at %d Hz): %w", SpeechDataset, split, len(chosen), rate, err)
	}
	return ds, nil
}
