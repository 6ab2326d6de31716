// Command trainfeatures trains the feature network of package metrics on a
// data set and writes its weights, the files metrics/weights ships:
//
//	go run ./metrics/cmd/trainfeatures --dataset mnist --epochs 3 --out metrics/weights/mnist.safetensors
//	go run ./metrics/cmd/trainfeatures --dataset fashion-mnist --epochs 8 --out metrics/weights/fashion-mnist.safetensors
//
// Training is deterministic for a seed: Adam on cross-entropy, batches of 64
// in a shuffled order, learning rate decayed by cosine to zero. It prints the
// test accuracy, which is also stored in the file's metadata.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/metrics"
)

func main() {
	dataset := flag.String("dataset", "mnist", "data set: mnist or fashion-mnist")
	epochs := flag.Int("epochs", 3, "passes over the training set")
	lr := flag.Float64("lr", 2e-3, "initial Adam learning rate")
	seed := flag.Uint64("seed", 1, "seed of initialisation and data order")
	dataDir := flag.String("data-dir", "", "directory searched first for the data set")
	out := flag.String("out", "", "safetensors file to write (default metrics/weights/<dataset>.safetensors)")
	flag.Parse()
	if *out == "" {
		*out = "metrics/weights/" + *dataset + ".safetensors"
	}
	if err := run(*dataset, *dataDir, *out, *epochs, *lr, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "trainfeatures:", err)
		os.Exit(1)
	}
}

func run(dataset, dataDir, out string, epochs int, lr float64, seed uint64) error {
	train, err := data.Load(dataset, "train", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return err
	}
	test, err := data.Load(dataset, "test", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return err
	}
	start := time.Now()
	net, err := metrics.TrainFeatureNet(train, metrics.TrainOptions{
		Epochs: epochs, LearningRate: lr, Seed: seed,
		AfterEpoch: func(epoch int, loss float64, net *metrics.FeatureNet) error {
			acc, err := net.Accuracy(test)
			if err != nil {
				return err
			}
			fmt.Printf("epoch %d: loss %.4f, test accuracy %.2f%% (%.0f s)\n", epoch, loss, 100*acc, time.Since(start).Seconds())
			return nil
		},
	})
	if err != nil {
		return err
	}
	acc, err := net.Accuracy(test)
	if err != nil {
		return err
	}
	meta := map[string]string{
		"dataset": dataset, "epochs": strconv.Itoa(epochs), "seed": strconv.FormatUint(seed, 10),
		"learning_rate": strconv.FormatFloat(lr, 'g', -1, 64), "test_accuracy": strconv.FormatFloat(acc, 'f', 4, 64),
	}
	if err := net.Save(out, meta); err != nil {
		return err
	}
	fmt.Printf("%s: test accuracy %.2f%%, weights written to %s\n", dataset, 100*acc, out)
	return nil
}
