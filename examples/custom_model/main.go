// Command custom_model is a user's program that extends Artifex-Go without
// editing it, following the seed's "Adding New Model Types" in Go: it
// registers a model type of its own (a denoising autoencoder) with a
// builder and a class-name pattern, and a diffusion backbone of its own
// under a name; it builds both from zoo YAML files of its own directory,
// trains each for a few steps on MNIST, and reloads each from its
// checkpoint.
//
//	go run ./examples/custom_model -out runs/custom -steps 20
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

// MyModel is a denoising autoencoder: it corrupts its input by zeroing a
// fraction of the pixels and learns to reconstruct the clean image.
type MyModel struct {
	Encoder, Decoder *nn.MLP
	corruption       float32
	cfg              config.ModelConfiguration
}

// Config implements factory.Model.
func (m *MyModel) Config() config.ModelConfiguration { return m.cfg }

// TrainLoss implements models.Trainable: the Bernoulli negative
// log-likelihood of the clean pixels, in nats per image.
func (m *MyModel) TrainLoss(b data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	n := b.Images.Shape()[0]
	x := tensor.Reshape(b.Images, n, -1)
	keep := rngs.Stream("corruption").Uniform(0, 1, x.Shape()...)
	for i, u := range keep.Data() {
		keep.Data()[i] = 0
		if u >= m.corruption {
			keep.Data()[i] = 1
		}
	}
	logits := m.Decoder.Forward(m.Encoder.Forward(tensor.Mul(x, keep)))
	loss := tensor.Scale(tensor.Mean(tensor.BCEWithLogits(logits, x)), float32(x.Shape()[1]))
	return loss, map[string]float64{"nll": float64(loss.Item())}
}

// MyModelBuilder builds MyModel: input_dim is the image, hidden_dims the
// encoder's widths (the decoder mirrors them), output_dim the code size.
type MyModelBuilder struct{}

// Classes and ParameterSchema make the factory check the configuration
// before building (factory.Describer): a misspelt parameter is an error.
func (MyModelBuilder) Classes() []string { return []string{"MyModel"} }

// ParameterSchema lists the parameters MyModel reads.
func (MyModelBuilder) ParameterSchema(string) config.ParameterSchema {
	return config.ParameterSchema{Family: "my_model", Known: []string{"corruption"}}
}

// Build follows the seed's clean parameter pattern: the user's parameters
// are kept, defaults fill in the rest, and the model reports the result.
func (MyModelBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...factory.Option) (factory.Model, error) {
	cfg.Parameters = factory.WithDefaults(cfg.Parameters, map[string]any{"corruption": 0.25})
	if cfg.Activation == "" {
		cfg.Activation = "relu"
	}
	corruption, err := factory.GetFloat(cfg.Parameters, "corruption", 0)
	if err != nil {
		return nil, err
	}
	if corruption < 0 || corruption >= 1 {
		return nil, fmt.Errorf("parameter %q must be in [0, 1), got %g", "corruption", corruption)
	}
	if len(cfg.OutputDim) != 1 {
		return nil, fmt.Errorf("output_dim is the code size, one number; got %v", []int(cfg.OutputDim))
	}
	sizes := append([]int{cfg.InputDim.Size()}, cfg.HiddenDims...)
	sizes = append(sizes, cfg.OutputDim[0])
	enc, err := nn.NewMLP(rngs, sizes, cfg.Activation)
	if err != nil {
		return nil, err
	}
	rev := make([]int, len(sizes))
	for i, s := range sizes {
		rev[len(sizes)-1-i] = s
	}
	dec, err := nn.NewMLP(rngs, rev, cfg.Activation)
	if err != nil {
		return nil, err
	}
	return &MyModel{Encoder: enc, Decoder: dec, corruption: float32(corruption), cfg: cfg}, nil
}

// TinyDenoiser is a diffusion backbone: one hidden layer over the
// flattened image, with the timestep's sinusoidal embedding added.
type TinyDenoiser struct {
	In, Time, Out *nn.Linear
	shape         []int
	timeDim       int
}

// Forward implements factory.Backbone.
func (d *TinyDenoiser) Forward(x, t *tensor.Tensor) *tensor.Tensor {
	n := x.Shape()[0]
	emb := nn.SinusoidalEmbedding(t.Data(), d.timeDim)
	h := tensor.SiLU(tensor.Add(d.In.Forward(tensor.Reshape(x, n, -1)), d.Time.Forward(emb)))
	return tensor.Reshape(d.Out.Forward(h), append([]int{n}, d.shape...)...)
}

// newTinyDenoiser is TinyDenoiser's factory.BackboneConstructor; it reads
// the parameter denoiser_width.
func newTinyDenoiser(spec factory.BackboneSpec, rngs *nn.Rngs) (factory.Backbone, error) {
	width, err := factory.GetInt(spec.Config.Parameters, "denoiser_width", 256)
	if err != nil {
		return nil, err
	}
	size := 1
	for _, s := range spec.Shape {
		size *= s
	}
	const timeDim = 64
	return &TinyDenoiser{
		In: nn.NewLinear(rngs, size, width), Time: nn.NewLinear(rngs, timeDim, width), Out: nn.NewLinear(rngs, width, size),
		shape: spec.Shape, timeDim: timeDim,
	}, nil
}

// register adds the program's model type, its detection pattern and its
// backbone to the factory's default registry: the seed's steps 2 and 3.
func register() error {
	if err := factory.Register("my_model", MyModelBuilder{}); err != nil {
		return err
	}
	if err := factory.RegisterPattern(`.*MyModel$`, "my_model"); err != nil {
		return err
	}
	return factory.RegisterBackbone("tiny_denoiser", newTinyDenoiser, "denoiser_width")
}

// run trains each of the program's zoo configurations for steps steps
// into out/<name> and reloads it from its checkpoint, writing what it did
// to w.
func run(ctx context.Context, zooDir, out string, steps int, w io.Writer) error {
	if err := register(); err != nil {
		return err
	}
	if err := zoo.AddDir(zooDir); err != nil {
		return err
	}
	for _, name := range []string{"my_model_config", "my_ddpm"} {
		cfg, err := zoo.GetConfig(name)
		if err != nil {
			return err
		}
		s, err := train.SettingsFromConfig(cfg)
		if err != nil {
			return err
		}
		s.Steps = steps
		res, err := job.Run(ctx, cfg, s, job.Options{Options: train.Options{OutDir: filepath.Join(out, name), Quiet: true, Samples: 16}})
		if err != nil {
			return err
		}
		c, err := job.LoadCheckpoint(res.Checkpoint, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %s, %d parameters, loss %.2f after %d steps; reloaded from %s",
			name, factory.DetectModelType(c.Config.ModelClass), nn.CountParameters(c.Model), res.Loss, res.Steps, res.Checkpoint)
		if b, ok := c.Config.Parameters["backbone"]; ok {
			fmt.Fprintf(w, " with backbone %v", b)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func main() {
	out := flag.String("out", "runs/custom", "output directory")
	steps := flag.Int("steps", 20, "training steps per model")
	flag.Parse()
	_, file, _, _ := runtime.Caller(0)
	if err := run(context.Background(), filepath.Join(filepath.Dir(file), "zoo"), *out, *steps, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
