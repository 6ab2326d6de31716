package audio

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// writeVowels writes n WAV files w00.wav … of a quarter second at 16 kHz:
// a voiced sound (harmonics of a pitch that differs per file) under a
// rising and falling envelope, file i stereo when i is odd.
func writeVowels(t *testing.T, dir string, n int) []string {
	t.Helper()
	var paths []string
	for i := range n {
		const rate, length = 16000, 4000
		x := make([]float32, length)
		f0 := 100 + 10*float64(i)
		for j := range x {
			env := math.Sin(math.Pi * float64(j) / length)
			v := 0.0
			for h := 1; h <= 5; h++ {
				v += math.Sin(2*math.Pi*f0*float64(h)*float64(j)/rate) / float64(h)
			}
			x[j] = float32(0.4 * env * v)
		}
		c := &Clip{SampleRate: rate, Channels: [][]float32{x}}
		if i%2 == 1 {
			c.Channels = append(c.Channels, x)
		}
		p := filepath.Join(dir, fmt.Sprintf("w%02d.wav", i))
		if err := WriteWAVFile(p, c); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestSpeechSplitHoldsOutEveryTenthFileResampledAndCut(t *testing.T) {
	paths := writeVowels(t, t.TempDir(), 12)
	slices.Reverse(paths) // the split follows name order, not argument order
	train, err := SpeechSplit(paths, "train", 8000, 400)
	if err != nil {
		t.Fatal(err)
	}
	test, err := SpeechSplit(paths, "test", 8000, 400)
	if err != nil {
		t.Fatal(err)
	}
	// 4000 samples at 16 kHz are 2000 at 8 kHz: 9 half-overlapping
	// training segments per file, 5 disjoint test segments.
	if train.Len() != 11*9 || test.Len() != 5 {
		t.Fatalf("%d train and %d test segments, want 99 and 5", train.Len(), test.Len())
	}
	if !slices.Equal(test.ImageShape(), []int{1, 1, 400}) {
		t.Errorf("segment shape %v", test.ImageShape())
	}
	// The test split is w09, resampled to 8 kHz, as (x+1)/2.
	w09, err := LoadDir(filepath.Dir(paths[0]), 8000)
	if err != nil {
		t.Fatal(err)
	}
	for s := range 5 {
		for j, v := range test.Image(s) {
			if want := (w09[9][s*400+j] + 1) / 2; v != want {
				t.Fatalf("test segment %d sample %d = %v, want w09's %v", s, j, v, want)
			}
		}
	}
	again, _ := SpeechSplit(paths, "train", 8000, 400)
	if !slices.Equal(again.Images().Data(), train.Images().Data()) {
		t.Error("two reads of the train split differ")
	}
	few, err := SpeechSplit(paths[:3], "test", 8000, 400)
	if err != nil || few.Len() != 5 {
		t.Errorf("3 files: the last is the test split; got %v segments, %v", few, err)
	}
	if _, err := SpeechSplit(paths[:1], "train", 8000, 400); err == nil || !strings.Contains(err.Error(), "at least 2 WAV files") {
		t.Errorf("one file: err = %v", err)
	}
	if _, err := SpeechSplit(paths, "valid", 8000, 400); err == nil || !strings.Contains(err.Error(), "available: train, test") {
		t.Errorf("split valid: err = %v", err)
	}
	if _, err := SpeechSplit(paths, "test", 8000, 4000); err == nil || !strings.Contains(err.Error(), "no clip is as long") {
		t.Errorf("segments longer than the clips: err = %v", err)
	}
}

func TestSpeechIsCutForTheModelAndSaysHowToMakeIt(t *testing.T) {
	t.Setenv(data.EnvDataDir, "")
	w, err := autoregressive.NewWaveNet(config.ModelConfiguration{Name: "wn", InputDim: config.Dims{500}}, autoregressive.WaveNetOptions{
		Levels: 256, Residual: 4, Dilation: 4, Skip: 4, Kernel: 2, Dilations: []int{1, 2}, SampleRate: 4000,
	}, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	m, err := (Modality{}).Adapt(w, "autoregressive")
	if err != nil {
		t.Fatal(err)
	}
	// FitLoadOptions registers the data set and sets the model's cut.
	opts, err := m.(*Waveform).FitLoadOptions(data.LoadOptions{Dir: t.TempDir()})
	if err != nil || opts.SampleRate != 4000 || opts.SegmentLength != 500 {
		t.Fatalf("FitLoadOptions = %+v, %v; want rate 4000 and length 500", opts, err)
	}
	_, err = data.Load("speech", "train", opts)
	if err == nil || !errors.Is(err, data.ErrNotFound) || !strings.Contains(err.Error(), "gen_speech.sh DIR") {
		t.Errorf("no WAVs: err = %v", err)
	}
	root := t.TempDir()
	sub := filepath.Join(root, "speech")
	os.Mkdir(sub, 0o755)
	writeVowels(t, sub, 10)
	t.Setenv(data.EnvDataDir, root)
	opts.Dir = ""
	test, err := data.Load("Speech", "test", opts)
	if err != nil {
		t.Fatal(err)
	}
	// w09 at the model's 4 kHz: 1000 samples, two segments of 500.
	if test.Len() != 2 || !slices.Equal(test.ImageShape(), []int{1, 1, 500}) {
		t.Errorf("%d test segments of shape %v, want 2 of [1 1 500]", test.Len(), test.ImageShape())
	}
	if _, err := data.Load("speech", "train", data.LoadOptions{Dir: root}); err == nil || !strings.Contains(err.Error(), "metadata.modality: audio") {
		t.Errorf("no sample rate or segment length: err = %v", err)
	}
	// smallWaveNet has no input_dim: the segment length is missing.
	noLength, _ := (Modality{}).Adapt(smallWaveNet(t), "autoregressive")
	if _, err := noLength.(*Waveform).FitLoadOptions(data.LoadOptions{}); err == nil || !strings.Contains(err.Error(), "input_dim") {
		t.Errorf("no input_dim: err = %v", err)
	}
}

func TestEvaluateScoresTestSegmentsAsTheTrainingLossDoes(t *testing.T) {
	m, err := (Modality{}).Adapt(smallWaveNet(t), "autoregressive")
	if err != nil {
		t.Fatal(err)
	}
	a := m.(*Waveform)
	test, err := SpeechSplit(writeVowels(t, t.TempDir(), 10), "test", 8000, 400)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]float64
	tensor.NoGrad(func() { got, err = a.Evaluate(test, nil) })
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]float64
	tensor.NoGrad(func() { _, want = a.TrainLoss(data.Batch{Images: test.Images()}, nil) })
	if math.Abs(got["nll_per_sample"]-want["nll_per_sample"]) > 1e-4 || math.Abs(got["bits_per_sample"]-got["nll_per_sample"]/math.Ln2) > 1e-9 {
		t.Errorf("evaluate %v; the training loss gives %v", got, want)
	}
	if got["test_samples"] != 2000 {
		t.Errorf("scored %v samples, want 5 segments of 400", got["test_samples"])
	}
	// An untrained model predicts nearly silence: the prediction's
	// spectrum is far from the signal's.
	if sc := got["spectral_convergence"]; !(sc > 0.5 && sc < 2) || !(got["log_spectral_distance_db"] > 0) {
		t.Errorf("spectral metrics %v", got)
	}
}
