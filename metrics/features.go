package metrics

import (
	"bytes"
	"embed"
	"fmt"
	"strings"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// FeatureDim is the length of the feature vectors FeatureNet.Features
// returns (its penultimate, ReLU layer).
const FeatureDim = 128

// FeatureNet is the classifier whose penultimate activations serve as the
// image features of FID, KID and precision/recall, and whose class
// probabilities give the Inception-style score: in the role Inception-v3
// plays for natural images, small enough to train here on 28×28 greyscale
// images. Inputs are [N, 1, 28, 28] with values in [0, 1].
//
//	conv 3×3 1→16, ReLU, max-pool 2 → conv 3×3 16→32, ReLU, max-pool 2
//	→ linear 1568→128, ReLU (the features) → linear 128→10 (the logits)
type FeatureNet struct {
	Conv1, Conv2 *nn.Conv2d
	Hidden, Out  *nn.Linear
}

// NewFeatureNet returns an untrained feature network initialised from rngs.
func NewFeatureNet(rngs *nn.Rngs) *FeatureNet {
	return &FeatureNet{
		Conv1:  nn.NewConv2d(rngs, 1, 16, 3, 1, 1),
		Conv2:  nn.NewConv2d(rngs, 16, 32, 3, 1, 1),
		Hidden: nn.NewLinear(rngs, 32*7*7, FeatureDim),
		Out:    nn.NewLinear(rngs, FeatureDim, 10),
	}
}

var pool2 = [2]int{2, 2}

// Forward returns the features [N, FeatureDim] and logits [N, 10] of x.
func (f *FeatureNet) Forward(x *tensor.Tensor) (features, logits *tensor.Tensor) {
	// Max-pooling before the ReLU is the same function (both are monotone)
	// with the ReLU on a quarter of the values.
	h := tensor.ReLU(tensor.MaxPool2d(f.Conv1.Forward(x), pool2, pool2, [2]int{}))
	h = tensor.ReLU(tensor.MaxPool2d(f.Conv2.Forward(h), pool2, pool2, [2]int{}))
	features = tensor.ReLU(f.Hidden.Forward(tensor.Reshape(h, h.Dim(0), -1)))
	return features, f.Out.Forward(features)
}

// Activations runs the network over images [N, 1, 28, 28] in [0, 1] in
// batches, without recording gradients, and returns the features as N rows
// of FeatureDim values and the class probabilities as N rows of 10.
func (f *FeatureNet) Activations(images *tensor.Tensor) (features, probs [][]float64, err error) {
	return f.activations(images, nil)
}

// activations is Activations telling report, when not nil, how many
// images are done after each batch.
func (f *FeatureNet) activations(images *tensor.Tensor, report func(done int)) (features, probs [][]float64, err error) {
	if images.NDim() != 4 || images.Dim(1) != 1 || images.Dim(2) != 28 || images.Dim(3) != 28 {
		return nil, nil, fmt.Errorf("metrics: feature network takes [N, 1, 28, 28] images, got shape %v", images.Shape())
	}
	const batch = 500
	n := images.Dim(0)
	features, probs = make([][]float64, 0, n), make([][]float64, 0, n)
	tensor.NoGrad(func() {
		for start := 0; start < n; start += batch {
			x := tensor.Narrow(images, 0, start, min(batch, n-start))
			feat, logits := f.Forward(x)
			features = appendRows(features, feat)
			probs = appendRows(probs, tensor.Softmax(logits, 1))
			if report != nil {
				report(len(features))
			}
		}
	})
	return features, probs, nil
}

func appendRows(rows [][]float64, t *tensor.Tensor) [][]float64 {
	d, w := t.Data(), t.Dim(1)
	for i := 0; i < t.Dim(0); i++ {
		row := make([]float64, w)
		for j := range row {
			row[j] = float64(d[i*w+j])
		}
		rows = append(rows, row)
	}
	return rows
}

// Accuracy returns the fraction of d's images the network classifies as
// labelled.
func (f *FeatureNet) Accuracy(d *data.Dataset) (float64, error) {
	classes, err := f.Classify(d.Images())
	if err != nil {
		return 0, err
	}
	correct := 0
	for i, c := range classes {
		if c == d.Label(i) {
			correct++
		}
	}
	return float64(correct) / float64(len(classes)), nil
}

// Save writes the network's parameters as a safetensors file.
func (f *FeatureNet) Save(path string, metadata map[string]string) error {
	return checkpoint.SaveParams(path, nn.State(f), metadata)
}

// Load replaces the network's parameters with those of a safetensors file
// held in memory; every parameter must be there with its shape.
func (f *FeatureNet) Load(file []byte) error {
	st, err := checkpoint.Decode(file)
	if err != nil {
		return err
	}
	params := nn.State(f)
	if len(st.Tensors) != len(params) {
		return fmt.Errorf("metrics: feature weights hold %d tensors, the network has %d", len(st.Tensors), len(params))
	}
	for _, p := range params {
		e, ok := st.Get(p.Name)
		if !ok {
			return fmt.Errorf("metrics: feature weights lack %s", p.Name)
		}
		t, err := e.ToTensor()
		if err != nil {
			return fmt.Errorf("metrics: feature weights %s: %w", p.Name, err)
		}
		if !tensor.SameShape(t.Shape(), p.Tensor.Shape()) {
			return fmt.Errorf("metrics: feature weights %s: shape %v, network expects %v", p.Name, t.Shape(), p.Tensor.Shape())
		}
		copy(p.Tensor.Data(), t.Data())
	}
	return nil
}

//go:embed weights/*.safetensors
var weights embed.FS

// FeatureDatasets returns the data sets a trained feature network ships
// for (the files in metrics/weights), sorted.
func FeatureDatasets() []string {
	entries, _ := weights.ReadDir("weights")
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".safetensors"); ok {
			names = append(names, name)
		}
	}
	return names
}

// featureNetName returns the name of the weights file, less its
// extension, of the feature network for dataset: the spellings of a data
// set's name (fashion_mnist, FashionMNIST) share one network.
func featureNetName(dataset string) string {
	name := strings.ToLower(strings.ReplaceAll(dataset, "_", "-"))
	if name == "fashionmnist" {
		name = "fashion-mnist"
	}
	return name
}

// TrainedFeatureNet returns the feature network trained on the named data
// set (mnist or fashion-mnist), whose weights ship with the package
// (metrics/weights, made by `go run ./metrics/cmd/trainfeatures`).
func TrainedFeatureNet(dataset string) (*FeatureNet, error) {
	name := featureNetName(dataset)
	file, err := weights.ReadFile("weights/" + name + ".safetensors")
	if err != nil {
		return nil, fmt.Errorf("metrics: no trained feature network for data set %q; available: %s", dataset, strings.Join(FeatureDatasets(), ", "))
	}
	f := NewFeatureNet(nn.NewRngs(0))
	if err := f.Load(bytes.Clone(file)); err != nil {
		return nil, fmt.Errorf("metrics: %s feature network: %w", name, err)
	}
	return f, nil
}
