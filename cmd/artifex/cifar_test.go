package main

import (
	"context"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

// writeCIFAR10 writes the six files of the CIFAR-10 binary version into
// dir/cifar-10-batches-bin, perRecords records each, in the real format:
// one label byte, then the 32×32 image as 1024 red, 1024 green and 1024
// blue bytes. Image i of a file is a colour gradient whose hue depends on
// its label, so that the images differ in every channel.
func writeCIFAR10(t *testing.T, dir string, perFile int) string {
	t.Helper()
	folder := filepath.Join(dir, "cifar-10-batches-bin")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	names := []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}
	for f, name := range names {
		b := make([]byte, 0, perFile*3073)
		for i := range perFile {
			label := (f*perFile + i) % 10
			b = append(b, byte(label))
			for c := range 3 {
				for y := range 32 {
					for x := range 32 {
						b = append(b, byte((x*8*(c+1)+y*(label+1)*3+i*17)%256))
					}
				}
			}
		}
		if err := os.WriteFile(filepath.Join(folder, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return folder
}

func TestGANCIFAR10TrainsOnCIFARBinaryBatchesThroughTrainRun(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the full-size gan_cifar10 for a few steps")
	}
	t.Setenv(data.EnvDataDir, "")
	dataDir := t.TempDir()
	writeCIFAR10(t, dataDir, 8)
	cfg, err := zoo.GetConfig("gan_cifar10")
	if err != nil {
		t.Fatal(err)
	}
	s, err := train.SettingsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dataset != "cifar10" {
		t.Fatalf("gan_cifar10 trains on %q, want cifar10", s.Dataset)
	}
	const steps = 3
	s.Steps, s.BatchSize = steps, 8
	out := filepath.Join(t.TempDir(), "run")
	var losses []map[string]float64
	res, err := job.Run(context.Background(), cfg, s, job.Options{
		Options: train.Options{
			OutDir: out, Quiet: true, LogEvery: 1, Samples: 4,
			OnStep: func(info train.StepInfo) { losses = append(losses, info.Logs) },
		},
		DataDir: dataDir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != steps || len(losses) != steps {
		t.Fatalf("ran %d steps (%d logged), want %d", res.Steps, len(losses), steps)
	}
	for i, logs := range losses {
		for _, k := range []string{"d_loss", "g_loss"} {
			v, ok := logs[k]
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("step %d: %s = %v (logged: %v), want a finite value", i+1, k, v, ok)
			}
		}
	}

	c, err := checkpoint.Read(res.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if c.Step != steps {
		t.Errorf("checkpoint at step %d, want %d", c.Step, steps)
	}
	reloaded, err := job.LoadCheckpoint(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := []int(reloaded.Config.OutputDim); !slices.Equal(got, []int{32, 32, 3}) {
		t.Errorf("reloaded output_dim %v, want [32 32 3]", got)
	}
	x, err := sampling.SampleImages(reloaded.Model, 2, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x.Shape(), []int{2, 3, 32, 32}) {
		t.Errorf("reloaded model draws images of shape %v, want [2 3 32 32]", x.Shape())
	}

	f, err := os.Open(res.Samples)
	if err != nil {
		t.Fatalf("sample grid: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("sample grid %s: %v", res.Samples, err)
	}
	if b := img.Bounds(); b.Dx() < 2*32 || b.Dy() < 2*32 {
		t.Errorf("sample grid of 4 images is %dx%d, want at least 64x64", b.Dx(), b.Dy())
	}
	if !coloured(img) {
		t.Error("the sample grid of a 3-channel model is grey")
	}
}

// coloured reports whether any pixel of img has channels that differ.
func coloured(img image.Image) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r != g || g != bl {
				return true
			}
		}
	}
	return false
}

func TestTrainGANCIFAR10WithoutTheDataSaysWhereToPutIt(t *testing.T) {
	t.Setenv(data.EnvDataDir, "")
	empty := t.TempDir()
	for _, dirFlag := range [][]string{nil, {"--data-dir", empty}} {
		args := append([]string{"train", "--zoo", "gan_cifar10", "--steps", "1", "--out", filepath.Join(t.TempDir(), "run"), "--quiet"}, dirFlag...)
		_, err := run(t, factory.DefaultRegistry(), args...)
		if err == nil {
			t.Fatalf("artifex %v with no CIFAR-10 files: no error", args)
		}
		msg := err.Error()
		want := []string{
			"cifar10 train split not found",
			"data_batch_1.bin", "data_batch_5.bin", "test_batch.bin",
			"cifar-10-binary.tar.gz", "cifar-10-batches-bin/", "--data-dir",
		}
		if dirFlag == nil {
			want = append(want, "--data-dir: not given", "$ARTIFEX_DATA: not set")
		} else {
			want = append(want, filepath.Join(empty, "cifar-10-batches-bin")+" (--data-dir)")
		}
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("artifex %v: error lacks %q:\n%s", args, w, msg)
			}
		}
	}
}
