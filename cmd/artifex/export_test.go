package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/train"
)

// pixels decodes a PNG grid into its RGBA bytes.
func pixels(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			b.Write([]byte{byte(cr >> 8), byte(cg >> 8), byte(cb >> 8)})
		}
	}
	return b.Bytes()
}

func TestExportThenSampleDrawsTheCheckpointsImagesAndTheCardSaysWhatItKnows(t *testing.T) {
	reg := traintest.NewRegistry()
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(64, 8)); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, reg, "train", "--config", writeFile(t, "tiny.yaml", tinyYAML), "--steps", "3", "--data-dir", dataDir, "--out", out, "--quiet", "--lr", "0.002"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", dataDir, "--limit", "20", "--out", filepath.Join(out, evaluationFile)); err != nil {
		t.Fatal(err)
	}
	notes := writeFile(t, "notes.md", "Trained by the export test.")
	sampleOf := func(dir string) []byte {
		grid := filepath.Join(t.TempDir(), "s.png")
		if _, err := run(t, reg, "sample", "--checkpoint", dir, "-n", "16", "--seed", "3", "--out", grid); err != nil {
			t.Fatal(err)
		}
		return pixels(t, grid)
	}
	want := sampleOf(out)
	for _, dtype := range []string{"float32", "float16"} {
		exp := filepath.Join(t.TempDir(), dtype)
		stdout, err := run(t, reg, "export", "--checkpoint", out, "--out", exp, "--dtype", dtype, "--notes", notes)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, job.WeightsFile) || !strings.Contains(stdout, dtype) {
			t.Errorf("export printed %q", stdout)
		}
		got := sampleOf(exp)
		differ := 0
		for i := range want {
			d := int(want[i]) - int(got[i])
			if d > 2 || d < -2 {
				differ++
			}
		}
		if dtype == "float32" && !bytes.Equal(got, want) {
			t.Errorf("float32 export: the sample grid differs from the checkpoint's")
		}
		if differ > len(want)/100 {
			t.Errorf("%s export: %d of %d pixel values differ by more than 2 levels from the checkpoint's samples", dtype, differ, len(want))
		}
		card, err := os.ReadFile(filepath.Join(exp, modelCardFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"# tiny", "3 steps", "`mnist`", "learning rate 0.002", "nelbo", "--config " + filepath.Join(exp, train.ConfigFile) + " --steps 3", "## Intended use and limits", "Trained by the export test."} {
			if !strings.Contains(string(card), s) {
				t.Errorf("%s card lacks %q:\n%s", dtype, s, card)
			}
		}
		if _, err := os.Stat(filepath.Join(exp, evaluationFile)); err != nil {
			t.Errorf("the evaluation was not copied into the export: %v", err)
		}
		// The exported configuration trains as the run did.
		if _, err := run(t, reg, "config", "validate", filepath.Join(exp, train.ConfigFile)); err != nil {
			t.Errorf("exported config.yaml: %v", err)
		}
	}
}

func TestExportRejectsBadUse(t *testing.T) {
	reg := traintest.NewRegistry()
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(64, 8)); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, reg, "train", "--config", writeFile(t, "tiny.yaml", tinyYAML), "--steps", "1", "--data-dir", dataDir, "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", t.TempDir(), "--dtype", "int8"}, `--dtype "int8"`},
		{[]string{"--out", out}, "holds a training checkpoint"},
		{[]string{"--out", t.TempDir(), "--metrics", filepath.Join(out, "missing.json")}, "missing.json"},
		{[]string{"--out", t.TempDir(), "--metrics", filepath.Join(out, train.ConfigFile)}, "want the JSON object evaluate --out writes"},
	} {
		args := append([]string{"export", "--checkpoint", out}, c.args...)
		if _, err := run(t, reg, args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.args, err, c.want)
		}
	}
}

func TestExportReadsMetricsWrittenBeforeTheyWereNamedForTheirFeatures(t *testing.T) {
	reg := traintest.NewRegistry()
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(32, 8)); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, reg, "train", "--config", writeFile(t, "tiny.yaml", tinyYAML), "--steps", "1", "--data-dir", dataDir, "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	// An evaluate.json of an earlier version: bare names on MNIST's classifier.
	old := `{"fid": 181.25, "kid_std": 4.5, "inception_score": 5.25, "num_samples": 1000, "nelbo": 99.5}`
	if err := os.WriteFile(filepath.Join(out, evaluationFile), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	exp := filepath.Join(t.TempDir(), "export")
	if _, err := run(t, reg, "export", "--checkpoint", out, "--out", exp); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(exp, evaluationFile))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"fid_mnist_classifier": 181.25, "kid_std_mnist_classifier": 4.5, "inception_score_mnist_classifier": 5.25, "num_samples": 1000, "nelbo": 99.5}
	if !maps.Equal(m, want) {
		t.Errorf("exported metrics %v, want %v", m, want)
	}
	card, err := os.ReadFile(filepath.Join(exp, modelCardFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(card), "\nfid_mnist_classifier ") || strings.Contains(string(card), "\nfid ") {
		t.Errorf("the card's evaluation:\n%s", card)
	}
}

func TestExportCardSaysTheWeightsAreTheRunsAverage(t *testing.T) {
	reg := traintest.NewRegistry()
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(32, 8)); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, reg, "train", "--config", writeFile(t, "tiny.yaml", tinyYAML), "--steps", "2", "--set", "ema_decay=0.9", "--data-dir", dataDir, "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	exp := filepath.Join(t.TempDir(), "export")
	if _, err := run(t, reg, "export", "--checkpoint", out, "--out", exp); err != nil {
		t.Fatal(err)
	}
	card, err := os.ReadFile(filepath.Join(exp, modelCardFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(card), "The weights are the exponential moving average of the trained weights (`ema_decay` 0.9)") {
		t.Errorf("the card does not say the weights are the average:\n%s", card)
	}
}
