//go:build long

package multimodal_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/modality/multimodal"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
)

// TestTrainedMVAEGeneratesDigitsFromWords trains the mvae_mnist_text preset
// (5 epochs of MNIST, 84 CPU-seconds for the whole test here), generates
// from each digit's word its posterior-mean image and 50 images at
// temperature 1, checks them with the nearest class mean of the real
// (binarised) test images, and reads words back from real test images.
// The judge is itself only about 80% right on real digits, hence the
// thresholds: every mean image right, at least 70% of the sampled ones
// (at least half per word). Evaluate's text → image accuracy judged by
// the MNIST classifier of package metrics must be at least 0.75.
// Measured: 10/10 mean images, 0.784 sampled (32/50 for the worst word),
// image → text 0.911; run again here, and on a CLI run of the preset
// (same weights): 10/10, 0.784 (32/50), image → text 0.907,
// classifier-judged text → image 0.856.
//
// ARTIFEX_MVAE_BUDGET (a duration, e.g. 3m) ends the training early once
// it has used that long on each of GOMAXPROCS cores in CPU time, as
// `artifex train --budget` does; ARTIFEX_MVAE_CHECKPOINT instead judges a
// run already trained (`artifex train --zoo mvae_mnist_text --out DIR`).
//
//	go test -tags long -run TestTrainedMVAEGeneratesDigitsFromWords -v ./modality/multimodal/
func TestTrainedMVAEGeneratesDigitsFromWords(t *testing.T) {
	if _, err := data.Load("mnist", "train", data.LoadOptions{}); errors.Is(err, data.ErrNotFound) {
		t.Skipf("MNIST is not installed here: %v", err)
	}
	out := os.Getenv("ARTIFEX_MVAE_CHECKPOINT")
	if out == "" {
		cfg := mvaeConfig(t)
		s, err := train.SettingsFromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var budget time.Duration
		if v := os.Getenv("ARTIFEX_MVAE_BUDGET"); v != "" {
			if budget, err = time.ParseDuration(v); err != nil {
				t.Fatalf("ARTIFEX_MVAE_BUDGET: %v", err)
			}
		}
		out = t.TempDir()
		res, err := job.Run(context.Background(), cfg, s, job.Options{Options: train.Options{OutDir: out, Quiet: true, Samples: -1, Budget: budget}})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("trained %d steps (%d epochs), budget spent: %v", res.Steps, res.Epoch, res.BudgetSpent)
	}
	c, err := job.LoadCheckpoint(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := c.Model.(*multimodal.MVAE)
	test, err := data.Load("mnist", "test", data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	means, err := multimodal.ClassMeans(data.StaticBinarize(0.5)(test.Images()), test.Labels(), 10)
	if err != nil {
		t.Fatal(err)
	}
	rngs := tensor.NewRngs(9)
	prototypes, err := m.ImagesFromText(multimodal.Digits, 0, rngs)
	if err != nil {
		t.Fatal(err)
	}
	for d, c := range multimodal.NearestMean(means, prototypes) {
		if c != d {
			t.Errorf("the posterior-mean image of %q is nearest to the mean %s", multimodal.Digits[d], multimodal.Digits[c])
		}
	}
	total := 0
	for d, word := range multimodal.Digits {
		words := make([]string, 50)
		for i := range words {
			words[i] = word
		}
		imgs, err := m.ImagesFromText(words, 1, rngs)
		if err != nil {
			t.Fatal(err)
		}
		ok := 0
		for _, c := range multimodal.NearestMean(means, imgs) {
			if c == d {
				ok++
			}
		}
		t.Logf("%-5s: %d/50 generated images nearest to the mean %s", word, ok, word)
		if ok < 25 {
			t.Errorf("%s: only %d/50 generated images judged %s", word, ok, word)
		}
		total += ok
	}
	acc := float64(total) / 500
	metrics, err := m.Evaluate(test, rngs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("text→image accuracy %.3f over 500 generated; evaluate: %v", acc, metrics)
	if acc < 0.7 || metrics["image_to_text_accuracy"] < 0.85 {
		t.Errorf("text→image %.3f (want >= 0.7), image→text %.3f (want >= 0.85)", acc, metrics["image_to_text_accuracy"])
	}
	// The shipped MNIST classifier is a far better judge (99% on the real
	// test digits) than the nearest class mean.
	if metrics["classifier_accuracy_real"] < 0.98 || metrics["text_to_image_classifier_accuracy"] < 0.75 {
		t.Errorf("classifier on real digits %.3f (want >= 0.98), on images generated from words %.3f (want >= 0.75)",
			metrics["classifier_accuracy_real"], metrics["text_to_image_classifier_accuracy"])
	}
}
