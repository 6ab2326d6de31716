package metrics

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// TrainOptions configure TrainFeatureNet.
type TrainOptions struct {
	Epochs       int
	BatchSize    int     // default 64
	LearningRate float64 // initial Adam rate, decayed by cosine to 0; default 2e-3
	Seed         uint64  // initialisation and data order
	// AfterEpoch, when set, is called after each epoch with its number
	// (from 1), the last batch's loss and the network.
	AfterEpoch func(epoch int, loss float64, net *FeatureNet) error
}

// TrainFeatureNet trains a new feature network on a labelled data set of
// [1, 28, 28] images by cross-entropy with Adam, deterministically for the
// seed: the training of the shipped weights (metrics/cmd/trainfeatures).
func TrainFeatureNet(train *data.Dataset, o TrainOptions) (*FeatureNet, error) {
	if o.Epochs <= 0 {
		return nil, fmt.Errorf("metrics: epochs must be > 0, got %d", o.Epochs)
	}
	if o.BatchSize == 0 {
		o.BatchSize = 64
	}
	if o.LearningRate == 0 {
		o.LearningRate = 2e-3
	}
	if sh := train.ImageShape(); sh[0] != 1 || sh[1] != 28 || sh[2] != 28 {
		return nil, fmt.Errorf("metrics: the feature network reads [1, 28, 28] images, the data set has %v", sh)
	}
	if train.Labels() == nil {
		return nil, fmt.Errorf("metrics: the feature network is a classifier and needs labelled images")
	}
	rngs := nn.NewRngs(o.Seed)
	net := NewFeatureNet(rngs)
	opt, err := optim.NewAdam(nn.Parameters(net), optim.AdamConfig{LR: o.LearningRate})
	if err != nil {
		return nil, err
	}
	it, err := data.NewIterator(train, data.BatchOptions{Size: o.BatchSize, Shuffle: rngs.Stream("data"), DropLast: true})
	if err != nil {
		return nil, err
	}
	per := it.BatchesPerEpoch()
	total := o.Epochs * per
	for step := 0; step < total; step++ {
		b, ok := it.Next()
		if !ok { // the end of an epoch: the next call starts the following one
			b, _ = it.Next()
		}
		opt.SetLR(o.LearningRate * 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(total))))
		nn.ZeroGrad(net)
		_, logits := net.Forward(b.Images)
		loss := tensor.Mean(tensor.CrossEntropy(logits, b.Labels))
		loss.Backward()
		opt.Step()
		if (step+1)%per == 0 && o.AfterEpoch != nil {
			if err := o.AfterEpoch((step+1)/per, float64(loss.Item()), net); err != nil {
				return nil, err
			}
		}
	}
	return net, nil
}
