// Command fid scores images on the feature network of a data set: FID, KID,
// the Inception-style score and precision/recall/density/coverage.
//
// Without --samples it scores the real test split against the real
// training split: the values a perfect generator would get (the "floor" of
// FID and KID), to read model scores against:
//
//	go run ./metrics/cmd/fid --dataset mnist
//	go run ./metrics/cmd/fid --dataset fashion-mnist
//
// With --samples it scores generated images, a safetensors file holding an
// F32 tensor "samples" [N, 1, 28, 28] in [0, 1], against the test split:
//
//	go run ./metrics/cmd/fid --dataset mnist --samples ddim_samples.safetensors
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/metrics"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func main() {
	dataset := flag.String("dataset", "mnist", "data set: mnist or fashion-mnist")
	dataDir := flag.String("data-dir", "", "directory searched first for the data set")
	samples := flag.String("samples", "", `safetensors file with a tensor "samples" [N, 1, 28, 28] in [0, 1] to score against the test split`)
	seed := flag.Uint64("seed", 0, "seed of the KID and PRDC subsets")
	flag.Parse()
	if err := run(*dataset, *dataDir, *samples, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "fid:", err)
		os.Exit(1)
	}
}

func run(dataset, dataDir, samples string, seed uint64) error {
	net, err := metrics.TrainedFeatureNet(dataset)
	if err != nil {
		return err
	}
	test, err := data.Load(dataset, "test", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return err
	}
	var real, scored *tensor.Tensor
	var what string
	if samples == "" {
		train, err := data.Load(dataset, "train", data.LoadOptions{Dir: dataDir})
		if err != nil {
			return err
		}
		real, scored = train.Images(), test.Images()
		what = fmt.Sprintf("test split (%d images) against train split (%d images)", test.Len(), train.Len())
	} else {
		f, err := checkpoint.Load(samples)
		if err != nil {
			return err
		}
		e, ok := f.Get("samples")
		if !ok {
			return fmt.Errorf("%s holds no tensor named \"samples\"", samples)
		}
		if scored, err = e.ToTensor(); err != nil {
			return fmt.Errorf("%s: %w", samples, err)
		}
		real = test.Images()
		what = fmt.Sprintf("%d images of %s against the test split (%d images)", scored.Dim(0), samples, test.Len())
	}
	start := time.Now()
	q, err := metrics.SampleQuality(net, real, scored, metrics.QualityOptions{}, nn.NewRngs(seed).Stream("metrics"))
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s, %.0f s\n", dataset, what, time.Since(start).Seconds())
	named := map[string]float64{} // named for the features, as artifex evaluate does
	for k, v := range q {
		named[metrics.ClassifierKey(k, dataset)] = v
	}
	for _, k := range slices.Sorted(maps.Keys(named)) {
		fmt.Printf("  %-38s %.6g\n", k, named[k])
	}
	return nil
}
