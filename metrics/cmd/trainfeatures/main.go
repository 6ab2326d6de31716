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
	"math"
	"os"
	"strconv"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/metrics"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
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
	if epochs <= 0 {
		return fmt.Errorf("epochs must be > 0, got %d", epochs)
	}
	train, err := data.Load(dataset, "train", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return err
	}
	test, err := data.Load(dataset, "test", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return err
	}
	rngs := nn.NewRngs(seed)
	net := metrics.NewFeatureNet(rngs)
	opt, err := optim.NewAdam(nn.Parameters(net), optim.AdamConfig{LR: lr})
	if err != nil {
		return err
	}
	it, err := data.NewIterator(train, data.BatchOptions{Size: 64, Shuffle: rngs.Stream("data"), DropLast: true})
	if err != nil {
		return err
	}
	total := epochs * it.BatchesPerEpoch()
	start := time.Now()
	for step := 0; step < total; step++ {
		b, ok := it.Next()
		if !ok { // the end of an epoch: the next call starts the following one
			b, _ = it.Next()
		}
		opt.SetLR(lr * 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(total))))
		nn.ZeroGrad(net)
		_, logits := net.Forward(b.Images)
		loss := tensor.Mean(tensor.CrossEntropy(logits, b.Labels))
		loss.Backward()
		opt.Step()
		if (step+1)%it.BatchesPerEpoch() == 0 {
			acc, err := net.Accuracy(test)
			if err != nil {
				return err
			}
			fmt.Printf("epoch %d: loss %.4f, test accuracy %.2f%% (%.0f s)\n",
				(step+1)/it.BatchesPerEpoch(), loss.Item(), 100*acc, time.Since(start).Seconds())
		}
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
