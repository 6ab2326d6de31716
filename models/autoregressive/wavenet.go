package autoregressive

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// WaveNetOptions is the architecture of a WaveNet.
type WaveNetOptions struct {
	// Levels is the number of quantisation levels of a sample (256 for
	// 8-bit mu-law audio).
	Levels int
	// Residual, Dilation and Skip are the channel counts of the residual
	// stream, of the gated units and of the skip connections.
	Residual, Dilation, Skip int
	// Kernel is the causal convolutions' kernel size (2 in the paper).
	Kernel int
	// Dilations lists the dilation of every layer, e.g. 1, 2, 4, …, 512
	// repeated per stack.
	Dilations []int
	// SampleRate is the rate, in Hz, of the audio the model is trained on;
	// it does not change the network, only what a sample means.
	SampleRate int
}

// Validate reports the first value out of range.
func (o WaveNetOptions) Validate() error {
	switch {
	case o.Levels < 2:
		return fmt.Errorf("autoregressive: WaveNet num_levels must be ≥ 2, got %d", o.Levels)
	case o.Residual <= 0 || o.Dilation <= 0 || o.Skip <= 0:
		return fmt.Errorf("autoregressive: WaveNet residual, dilation and skip channels must be > 0, got %d, %d, %d", o.Residual, o.Dilation, o.Skip)
	case o.Kernel < 2:
		return fmt.Errorf("autoregressive: WaveNet kernel_size must be ≥ 2, got %d", o.Kernel)
	case len(o.Dilations) == 0:
		return fmt.Errorf("autoregressive: WaveNet needs at least one layer (dilations is empty)")
	case o.SampleRate <= 0:
		return fmt.Errorf("autoregressive: WaveNet sample_rate must be > 0, got %d", o.SampleRate)
	}
	for i, d := range o.Dilations {
		if d <= 0 {
			return fmt.Errorf("autoregressive: WaveNet dilations[%d] must be > 0, got %d", i, d)
		}
	}
	return nil
}

// WaveNet models a sequence of quantised audio samples (codes in
// [0, Levels)) as Π p(x_t | x_<t) with a stack of dilated causal
// convolutions, gated activations tanh(W_f∗x)·σ(W_g∗x), residual and skip
// connections and a softmax over the levels (van den Oord et al. 2016,
// WaveNet: A Generative Model for Raw Audio). The input is the sequence
// shifted right by one, starting from the code of silence, so output t
// predicts x_t from x_<t.
type WaveNet struct {
	Embed  *nn.Embedding // input codes → residual channels (a 1×1 conv of one-hot input)
	Layers []*waveNetLayer
	Out1   *nn.Conv1d
	Out2   *nn.Conv1d

	cfg  config.ModelConfiguration
	opts WaveNetOptions
}

// waveNetLayer is one dilated gated layer: a causal convolution to the
// filter and gate halves, a 1×1 residual and a 1×1 skip projection.
type waveNetLayer struct {
	Conv     *nn.Conv1d
	Residual *nn.Conv1d
	Skip     *nn.Conv1d
	dilation int
}

// NewWaveNet builds a WaveNet; cfg is the effective configuration it
// reports.
func NewWaveNet(cfg config.ModelConfiguration, o WaveNetOptions, rngs *nn.Rngs) (*WaveNet, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	w := &WaveNet{Embed: nn.NewEmbedding(rngs, o.Levels, o.Residual), cfg: cfg, opts: o}
	for _, d := range o.Dilations {
		w.Layers = append(w.Layers, &waveNetLayer{
			Conv:     nn.NewConv1d(rngs, o.Residual, 2*o.Dilation, o.Kernel, d, 0, true),
			Residual: nn.NewConv1d(rngs, o.Dilation, o.Residual, 1, 1, 0, false),
			Skip:     nn.NewConv1d(rngs, o.Dilation, o.Skip, 1, 1, 0, false),
			dilation: d,
		})
	}
	w.Out1 = nn.NewConv1d(rngs, o.Skip, o.Skip, 1, 1, 0, false)
	w.Out2 = nn.NewConv1d(rngs, o.Skip, o.Levels, 1, 1, 0, false)
	return w, nil
}

// Config returns the effective configuration the model was built from.
func (w *WaveNet) Config() config.ModelConfiguration { return w.cfg }

// Options returns the architecture.
func (w *WaveNet) Options() WaveNetOptions { return w.opts }

// Levels returns the number of quantisation levels.
func (w *WaveNet) Levels() int { return w.opts.Levels }

// SampleRate returns the sample rate of the audio the model is for.
func (w *WaveNet) SampleRate() int { return w.opts.SampleRate }

// ReceptiveField returns how many past samples an output sees:
// (Kernel-1)·Σ dilations + 1 positions of the shifted input, i.e. the
// prediction of x_t depends on x_{t-R} … x_{t-1} with R this value.
func (w *WaveNet) ReceptiveField() int {
	s := 0
	for _, d := range w.opts.Dilations {
		s += d
	}
	return (w.opts.Kernel-1)*s + 1
}

// ReceptiveFieldReport describes the receptive field in samples and
// milliseconds at the model's sample rate.
func (w *WaveNet) ReceptiveFieldReport() string {
	r := w.ReceptiveField()
	return fmt.Sprintf("WaveNet: %d layers, kernel %d, receptive field %d samples = %.1f ms at %d Hz",
		len(w.Layers), w.opts.Kernel, r, 1000*float64(r)/float64(w.opts.SampleRate), w.opts.SampleRate)
}

// silence is the code the shifted input starts with: the middle level,
// which mu-law decodes to (nearly) zero.
func (w *WaveNet) silence() int { return w.opts.Levels / 2 }

// checkCodes panics when codes do not hold n sequences of valid codes;
// callers inside the library pass them.
func (w *WaveNet) checkCodes(codes []int, n int, op string) int {
	if n <= 0 || len(codes)%n != 0 || len(codes) == 0 {
		panic(fmt.Sprintf("autoregressive: WaveNet.%s: %d codes are not %d sequences", op, len(codes), n))
	}
	for i, c := range codes {
		if c < 0 || c >= w.opts.Levels {
			panic(fmt.Sprintf("autoregressive: WaveNet.%s: code %d at %d outside [0, %d)", op, c, i, w.opts.Levels))
		}
	}
	return len(codes) / n
}

// Logits returns the logits [n, Levels, T] of p(x_t | x_<t) for n
// sequences of T codes each (codes holds them one after another).
func (w *WaveNet) Logits(codes []int, n int) *tensor.Tensor {
	t := w.checkCodes(codes, n, "Logits")
	shifted := make([]int, len(codes))
	for b := range n {
		shifted[b*t] = w.silence()
		copy(shifted[b*t+1:(b+1)*t], codes[b*t:(b+1)*t-1])
	}
	return w.forward(shifted, n, t)
}

// forward runs the network on n input sequences of t codes.
func (w *WaveNet) forward(in []int, n, t int) *tensor.Tensor {
	x := tensor.Permute(w.Embed.Forward(in, n, t), 0, 2, 1) // [n, R, t]
	var skip *tensor.Tensor
	for _, l := range w.Layers {
		var s *tensor.Tensor
		x, s = l.forward(x, w.opts.Dilation)
		if skip == nil {
			skip = s
		} else {
			skip = tensor.Add(skip, s)
		}
	}
	return w.Out2.Forward(tensor.ReLU(w.Out1.Forward(tensor.ReLU(skip))))
}

// forward returns the layer's residual output and its skip contribution.
func (l *waveNetLayer) forward(x *tensor.Tensor, dil int) (res, skip *tensor.Tensor) {
	h := l.Conv.Forward(x)
	z := tensor.Mul(tensor.Tanh(tensor.Narrow(h, 1, 0, dil)), tensor.Sigmoid(tensor.Narrow(h, 1, dil, dil)))
	return tensor.Add(x, l.Residual.Forward(z)), l.Skip.Forward(z)
}

// LogProb returns log p(x) in nats [n] of n sequences of codes.
func (w *WaveNet) LogProb(codes []int, n int) *tensor.Tensor {
	logits := w.Logits(codes, n)
	t := len(codes) / n
	flat := tensor.Reshape(tensor.Permute(logits, 0, 2, 1), n*t, w.opts.Levels)
	return tensor.Neg(tensor.SumAxes(tensor.Reshape(tensor.CrossEntropy(flat, codes), n, t), []int{1}, false))
}

// CodeLoss returns the mean negative log-likelihood in nats per sample of
// n code sequences and logs "nll_per_sample" (nats) and "bits_per_sample".
func (w *WaveNet) CodeLoss(codes []int, n int) (*tensor.Tensor, map[string]float64) {
	t := len(codes) / max(n, 1)
	loss := tensor.Scale(tensor.Neg(tensor.Mean(w.LogProb(codes, n))), float32(1/float64(t)))
	v := float64(loss.Item())
	return loss, map[string]float64{"nll_per_sample": v, "bits_per_sample": v / math.Ln2}
}

// TrainLoss reads each batch item as one code sequence with values
// code/(Levels-1) in [0, 1] (any [N, ...] shape; the audio modality feeds
// waveforms instead, mu-law encoding them first) and returns CodeLoss.
func (w *WaveNet) TrainLoss(batch data.Batch, _ *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x := batch.Images
	l := float64(w.opts.Levels - 1)
	codes := make([]int, x.Size())
	for i, v := range x.Data() {
		codes[i] = int(math.Round(min(max(float64(v), 0), 1) * l))
	}
	return w.CodeLoss(codes, x.Dim(0))
}

// Generate draws n sequences of length codes (one after another in the
// result) with the logits divided by temperature. Each new sample costs one
// step per layer: every layer keeps the inputs its dilated taps still need
// in a ring buffer, so nothing is recomputed. It runs without gradients.
func (w *WaveNet) Generate(n, length int, temperature float32, rngs *tensor.Rngs) ([]int, error) {
	if err := w.checkGenerate(n, length, temperature); err != nil {
		return nil, err
	}
	s := rngs.Sample()
	out := make([]int, n*length)
	tensor.NoGrad(func() {
		g := w.newGenerator(n)
		prev := make([]int, n)
		for b := range prev {
			prev[b] = w.silence()
		}
		for t := range length {
			logits := g.step(prev)
			codes := s.Categorical(tensor.Scale(logits, 1/temperature))
			for b, c := range codes {
				out[b*length+t] = c
				prev[b] = c
			}
		}
	})
	return out, nil
}

// generateNaive draws like Generate but recomputes the whole prefix with
// the convolutional network for every sample: the reference the cached
// generator must match.
func (w *WaveNet) generateNaive(n, length int, temperature float32, rngs *tensor.Rngs) ([]int, error) {
	if err := w.checkGenerate(n, length, temperature); err != nil {
		return nil, err
	}
	s := rngs.Sample()
	out := make([]int, n*length)
	tensor.NoGrad(func() {
		for t := range length {
			prefix := make([]int, n*(t+1))
			for b := range n {
				copy(prefix[b*(t+1):b*(t+1)+t], out[b*length:b*length+t])
			}
			last := tensor.Squeeze(tensor.Narrow(w.Logits(prefix, n), 2, t, 1), 2)
			for b, c := range s.Categorical(tensor.Scale(last, 1/temperature)) {
				out[b*length+t] = c
			}
		}
	})
	return out, nil
}

func (w *WaveNet) checkGenerate(n, length int, temperature float32) error {
	switch {
	case n <= 0:
		return fmt.Errorf("autoregressive: WaveNet.Generate: number of sequences must be > 0, got %d", n)
	case length <= 0:
		return fmt.Errorf("autoregressive: WaveNet.Generate: length must be > 0, got %d", length)
	case !(temperature > 0):
		return fmt.Errorf("autoregressive: WaveNet.Generate: temperature must be > 0, got %g", temperature)
	}
	return nil
}

// waveNetGenerator holds, for each layer, a ring buffer of the layer's
// last (Kernel-1)·dilation inputs [n, R] (zeros before the start, as the
// causal padding), and the per-tap weights.
type waveNetGenerator struct {
	w     *WaveNet
	n     int
	taps  [][]*tensor.Tensor // [layer][tap] → [2D, R]
	queue [][]*tensor.Tensor // [layer] ring of past inputs
	pos   []int              // [layer] next write slot
}

func (w *WaveNet) newGenerator(n int) *waveNetGenerator {
	o := w.opts
	g := &waveNetGenerator{w: w, n: n}
	for _, l := range w.Layers {
		taps := make([]*tensor.Tensor, o.Kernel)
		for j := range taps {
			taps[j] = tensor.Squeeze(tensor.Narrow(l.Conv.Weight, 2, j, 1), 2).Clone() // [2D, R]
		}
		g.taps = append(g.taps, taps)
		q := make([]*tensor.Tensor, (o.Kernel-1)*l.dilation)
		for i := range q {
			q[i] = tensor.Zeros(n, o.Residual)
		}
		g.queue = append(g.queue, q)
		g.pos = append(g.pos, 0)
	}
	return g
}

// step feeds one input code per sequence and returns the logits [n, Levels]
// of the next sample.
func (g *waveNetGenerator) step(in []int) *tensor.Tensor {
	w, o := g.w, g.w.opts
	x := w.Embed.Forward(in, g.n) // [n, R]
	var skip *tensor.Tensor
	for li, l := range w.Layers {
		q, d := g.queue[li], l.dilation
		// Tap j of the causal kernel reads the input (Kernel-1-j)·d steps
		// back; the ring holds the last len(q) inputs, oldest at pos.
		h := tensor.MatMulT(x, g.taps[li][o.Kernel-1], false, true)
		for j := range o.Kernel - 1 {
			back := (o.Kernel - 1 - j) * d
			past := q[(g.pos[li]+len(q)-back)%len(q)]
			h = tensor.Add(h, tensor.MatMulT(past, g.taps[li][j], false, true))
		}
		h = tensor.Add(h, l.Conv.Bias)
		q[g.pos[li]] = x
		g.pos[li] = (g.pos[li] + 1) % len(q)
		z := tensor.Mul(tensor.Tanh(tensor.Narrow(h, 1, 0, o.Dilation)), tensor.Sigmoid(tensor.Narrow(h, 1, o.Dilation, o.Dilation)))
		x = tensor.Add(x, pointwise(l.Residual, z))
		s := pointwise(l.Skip, z)
		if skip == nil {
			skip = s
		} else {
			skip = tensor.Add(skip, s)
		}
	}
	return pointwise(w.Out2, tensor.ReLU(pointwise(w.Out1, tensor.ReLU(skip))))
}

// pointwise applies a 1×1 Conv1d to one time step x [n, in].
func pointwise(c *nn.Conv1d, x *tensor.Tensor) *tensor.Tensor {
	wt := tensor.Reshape(c.Weight, c.Weight.Dim(0), c.Weight.Dim(1))
	return tensor.Add(tensor.MatMulT(x, wt, false, true), c.Bias)
}
