//go:build long

package audio_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// TestWaveNetSpeechTrainsAndSpeaks trains the zoo's wavenet_speech through
// the audio modality on spoken digits synthesised by espeak-ng
// (gen_speech.sh; $ARTIFEX_SPEECH names a directory of WAVs made before, or
// the test makes them), holds out the voice en+f4 as the test set, and
// writes one second of generated audio to $ARTIFEX_WAVENET_OUT (default: a
// temporary directory). $ARTIFEX_WAVENET_STEPS sets the number of steps
// (default 400), $ARTIFEX_WAVENET_EVAL the number of held-out segments
// scored (default 64) and $ARTIFEX_WAVENET_SECONDS the length of the
// generated clip (default 1).
//
//	go test -tags long -run WaveNetSpeech -v -timeout 2h ./modality/audio/
func TestWaveNetSpeechTrainsAndSpeaks(t *testing.T) {
	dir := os.Getenv("ARTIFEX_SPEECH")
	if dir == "" {
		if _, err := exec.LookPath("espeak-ng"); err != nil {
			t.Skip("espeak-ng is not installed and $ARTIFEX_SPEECH is not set")
		}
		dir = t.TempDir()
		if out, err := exec.Command("sh", "gen_speech.sh", dir).CombinedOutput(); err != nil {
			t.Fatalf("gen_speech.sh: %v\n%s", err, out)
		}
	}
	steps, evalSegments := envInt(t, "ARTIFEX_WAVENET_STEPS", 400), envInt(t, "ARTIFEX_WAVENET_EVAL", 64)
	seconds := 1.0
	if s := os.Getenv("ARTIFEX_WAVENET_SECONDS"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		seconds = v
	}
	m, err := zoo.CreateModel("wavenet_speech", nn.NewRngs(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	wn := m.(*autoregressive.WaveNet)
	t.Log(wn.ReceptiveFieldReport())
	adapted, err := (audio.Modality{}).Adapt(wn, "autoregressive")
	if err != nil {
		t.Fatal(err)
	}
	a := adapted.(*audio.Waveform)

	paths, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
	var train, test [][]float32
	for _, p := range paths {
		c, err := audio.ReadWAVFile(p)
		if err != nil {
			t.Fatal(err)
		}
		x, err := audio.Resample(c.Mono(), c.SampleRate, a.SampleRate(), 16)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(filepath.Base(p), "_en+f4_") {
			test = append(test, x)
		} else {
			train = append(train, x)
		}
	}
	length := m.Config().InputDim[0]
	trainSet, err := audio.Dataset(train, length, length/2)
	if err != nil {
		t.Fatal(err)
	}
	testSet, err := audio.Dataset(test, length, length)
	if err != nil {
		t.Fatal(err)
	}
	if testSet.Len() > evalSegments {
		if testSet, _, err = testSet.Split(evalSegments); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d training segments, %d test segments of %d samples", trainSet.Len(), testSet.Len(), length)

	rngs := tensor.NewRngs(1)
	it, err := data.NewIterator(trainSet, data.BatchOptions{Size: 8, Shuffle: rngs.Stream("data"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	opt, err := optim.NewAdam(nn.Parameters(a), optim.AdamConfig{LR: 2e-3})
	if err != nil {
		t.Fatal(err)
	}
	evaluate := func() float64 {
		total, n := 0.0, 0
		tensor.NoGrad(func() {
			eit, _ := data.NewIterator(testSet, data.BatchOptions{Size: 16})
			for b, ok := eit.Next(); ok; b, ok = eit.Next() {
				_, logs := a.TrainLoss(b, nil)
				total += logs["nll_per_sample"] * float64(b.Images.Dim(0))
				n += b.Images.Dim(0)
			}
		})
		return total / float64(n)
	}
	before := evaluate()
	start := time.Now()
	for step := range steps {
		b, _ := it.Next()
		opt.ZeroGrad()
		loss, logs := a.TrainLoss(b, nil)
		loss.Backward()
		opt.Step()
		if step%50 == 0 || step == steps-1 {
			t.Logf("step %d: train NLL %.3f nats/sample (%.0f s)", step, logs["nll_per_sample"], time.Since(start).Seconds())
		}
	}
	after := evaluate()
	t.Logf("held-out voice NLL: %.3f → %.3f nats/sample (%.3f → %.3f bits), %d steps in %.0f s", before, after, before/0.6931, after/0.6931, steps, time.Since(start).Seconds())
	if !(after < before-1) {
		t.Errorf("held-out NLL fell only from %.3f to %.3f nats/sample", before, after)
	}

	out := os.Getenv("ARTIFEX_WAVENET_OUT")
	if out == "" {
		out = t.TempDir()
	}
	gen := time.Now()
	clips, err := a.Generate(1, seconds, 1, tensor.NewRngs(2))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated %g s (%d samples) in %.1f s", seconds, clips[0].Len(), time.Since(gen).Seconds())
	path := filepath.Join(out, "wavenet_speech_sample.wav")
	if err := audio.WriteWAVFile(path, clips[0]); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("$%s: %v", name, err)
	}
	return v
}
