package audio

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/artifex-go/artifex/data"
)

// SpeechDataset is the name of the audio data set (training_defaults.dataset)
// read from a folder of WAV files, such as the spoken digits gen_speech.sh
// synthesises.
const SpeechDataset = "speech"

// speechTestEvery puts every tenth WAV file, in name order, in the test
// split.
const speechTestEvery = 10

// DataSources returns the speech data set as data.Load reads it once
// RegisterDataSets has run: the WAV files of a folder (its speech/ folder
// first), split by SpeechSplit and cut to data.LoadOptions.SampleRate and
// SegmentLength, which an audio model sets (Waveform.FitLoadOptions).
func DataSources() []data.Source {
	return []data.Source{{
		Name:    SpeechDataset,
		Subdirs: []string{SpeechDataset},
		Read:    readSpeech,
		HowTo:   "To make them (espeak-ng, nothing downloaded): `sh modality/audio/gen_speech.sh DIR` (apt-get install espeak-ng), then pass --data-dir DIR.",
	}}
}

// readSpeech reads split of the WAV files in dir.
func readSpeech(dir, split string, opts data.LoadOptions) (*data.Dataset, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
	if len(paths) == 0 {
		return nil, fmt.Errorf("no .wav files: %w", data.ErrNotFound)
	}
	if opts.SampleRate <= 0 || opts.SegmentLength <= 0 {
		return nil, fmt.Errorf("audio: the %s data set is cut to a model's sample rate and segment length (data.LoadOptions.SampleRate %d and SegmentLength %d); load it for an audio model (a WaveNet with metadata.modality: audio)",
			SpeechDataset, opts.SampleRate, opts.SegmentLength)
	}
	return SpeechSplit(paths, split, opts.SampleRate, opts.SegmentLength)
}

var registerOnce = data.RegisterSourcesOnce(DataSources)

// RegisterDataSets registers DataSources with data.Load; calling it again
// does nothing.
func RegisterDataSets() error { return registerOnce() }

// FitLoadOptions returns opts with the sample rate and segment length the
// model trains on, so that data.Load cuts the speech data set for it (the
// trainer asks every model that has this method). It registers the speech
// data set first.
func (a *Waveform) FitLoadOptions(opts data.LoadOptions) (data.LoadOptions, error) {
	if err := RegisterDataSets(); err != nil {
		return opts, err
	}
	length, err := a.SegmentLength()
	if err != nil {
		return opts, err
	}
	opts.SampleRate, opts.SegmentLength = a.SampleRate(), length
	return opts, nil
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
