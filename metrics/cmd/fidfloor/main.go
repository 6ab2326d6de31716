// Command fidfloor measures the sample-quality metrics of real data against
// real data: the test split of a data set scored as if it were generated,
// against the training split. These are the values a perfect generator
// would get (the "floor" of FID and KID), to read model scores against:
//
//	go run ./metrics/cmd/fidfloor --dataset mnist
//	go run ./metrics/cmd/fidfloor --dataset fashion-mnist
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/metrics"
	"github.com/artifex-go/artifex/nn"
)

func main() {
	dataset := flag.String("dataset", "mnist", "data set: mnist or fashion-mnist")
	dataDir := flag.String("data-dir", "", "directory searched first for the data set")
	seed := flag.Uint64("seed", 0, "seed of the KID and PRDC subsets")
	flag.Parse()
	if err := run(*dataset, *dataDir, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "fidfloor:", err)
		os.Exit(1)
	}
}

func run(dataset, dataDir string, seed uint64) error {
	net, err := metrics.TrainedFeatureNet(dataset)
	if err != nil {
		return err
	}
	train, err := data.Load(dataset, "train", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return err
	}
	test, err := data.Load(dataset, "test", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return err
	}
	start := time.Now()
	q, err := metrics.SampleQuality(net, train.Images(), test.Images(), metrics.QualityOptions{}, nn.NewRngs(seed).Stream("metrics"))
	if err != nil {
		return err
	}
	fmt.Printf("%s: test split (%d images) against train split (%d images), %.0f s\n", dataset, test.Len(), train.Len(), time.Since(start).Seconds())
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Printf("  %-20s %.6g\n", k, q[k])
	}
	return nil
}
