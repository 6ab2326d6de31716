package backbone

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// checkpointGrads trains one step of the network that build returns
// (twice: two steps draw different dropout masks) and returns the loss and
// every parameter's gradient of the second step.
func checkpointGrads(t *testing.T, build func() (nn.Module, func() *tensor.Tensor)) (float32, [][]float32) {
	t.Helper()
	m, loss := build()
	var l *tensor.Tensor
	for range 2 {
		nn.ZeroGrad(m)
		l = loss()
		l.Backward()
	}
	var grads [][]float32
	for _, p := range nn.Parameters(m) {
		if p.Tensor.Grad() == nil {
			t.Fatalf("%s has no gradient", p.Name)
		}
		grads = append(grads, p.Tensor.Grad().Data())
	}
	return l.Item(), grads
}

// Gradient checkpointing recomputes the blocks during backward, dropout
// masks included: the loss equals that of the recorded network and every
// gradient agrees to float32 rounding (a gradient that several blocks add
// to, the UNet's time embedding's, is summed in another order).
func TestGradientCheckpointingGivesTheRecordedGradients(t *testing.T) {
	transformer := func(ckpt bool) func() (nn.Module, func() *tensor.Tensor) {
		return func() (nn.Module, func() *tensor.Tensor) {
			m, err := NewTransformer(nn.NewRngs(0), TransformerConfig{Length: 6, Dim: 3, Width: 16, Layers: 2, Heads: 2, Dropout: 0.2, GradientCheckpointing: ckpt})
			if err != nil {
				t.Fatal(err)
			}
			x := tensor.NewRngs(1).Sample().Normal(2, 6, 3)
			return m, func() *tensor.Tensor {
				return tensor.Mean(tensor.Square(m.Forward(x, tensor.FromSlice([]float32{3, 70}, 2))))
			}
		}
	}
	unet := func(ckpt bool) func() (nn.Module, func() *tensor.Tensor) {
		return func() (nn.Module, func() *tensor.Tensor) {
			u, err := NewUNet(nn.NewRngs(0), UNetConfig{InChannels: 1, OutChannels: 1, Height: 8, Width: 8, Channels: []int{8, 16}, NumResBlocks: 1, Dropout: 0.2, GradientCheckpointing: ckpt})
			if err != nil {
				t.Fatal(err)
			}
			for i := range u.Out.Weight.Data() {
				u.Out.Weight.Data()[i] = 0.01
			}
			x := tensor.NewRngs(1).Sample().Normal(2, 1, 8, 8)
			return u, func() *tensor.Tensor {
				return tensor.Mean(tensor.Square(u.Forward(x, tensor.FromSlice([]float32{3, 70}, 2))))
			}
		}
	}
	for name, nets := range map[string]func(bool) func() (nn.Module, func() *tensor.Tensor){"transformer": transformer, "unet": unet} {
		wantLoss, want := checkpointGrads(t, nets(false))
		loss, got := checkpointGrads(t, nets(true))
		if loss != wantLoss {
			t.Fatalf("%s: checkpointed loss %g, recorded %g", name, loss, wantLoss)
		}
		for k := range want {
			for i := range want[k] {
				if d := float64(got[k][i] - want[k][i]); math.Abs(d) > 1e-5*math.Max(1e-3, math.Abs(float64(want[k][i]))) {
					t.Fatalf("%s: parameter %d gradient[%d]: checkpointed %g, recorded %g", name, k, i, got[k][i], want[k][i])
				}
			}
		}
	}
}

// The UNet releases its intermediates after their last use. In a
// poisoning arena (every recycled buffer NaN) its sampling forward pass
// and its training gradients, with and without checkpointing, must be
// what they are without an arena, bit for bit: a buffer released while
// still read would show.
func TestUNetReleasesNothingItStillReads(t *testing.T) {
	for _, ckpt := range []bool{false, true} {
		run := func(arena string) (out []float32, grads [][]float32) {
			t.Setenv("ARTIFEX_ARENA", arena)
			u, err := NewUNet(nn.NewRngs(0), UNetConfig{InChannels: 1, OutChannels: 1, Height: 16, Width: 16, Channels: []int{8, 16}, NumResBlocks: 1, Dropout: 0.2, GradientCheckpointing: ckpt})
			if err != nil {
				t.Fatal(err)
			}
			s := tensor.NewRngs(1).Sample()
			for _, p := range nn.Parameters(u) {
				// The output layer starts at zero, which would hide every
				// value before it.
				copy(p.Tensor.Data(), s.NormalScaled(0, 0.2, p.Tensor.Shape()...).Data())
			}
			x, tt := s.Normal(8, 1, 16, 16), tensor.FromSlice([]float32{1, 5, 9, 13, 200, 400, 600, 999}, 8)
			a := tensor.NewArena()
			for range 2 { // the second step reuses the first one's buffers
				a.Step(func() {
					tensor.NoGrad(func() { out = append([]float32(nil), u.Forward(x, tt).Data()...) })
				}, u)
				a.Step(func() {
					nn.ZeroGrad(u)
					tensor.Mean(tensor.Square(u.Forward(x, tt))).Backward()
				}, u)
			}
			for _, p := range nn.Parameters(u) {
				grads = append(grads, p.Tensor.Grad().Data())
			}
			return out, grads
		}
		wantOut, wantGrads := run("off")
		gotOut, gotGrads := run("poison")
		for i, v := range wantOut {
			if math.Float32bits(gotOut[i]) != math.Float32bits(v) {
				t.Fatalf("checkpointing %v: output %d is %v in the arena, %v without", ckpt, i, gotOut[i], v)
			}
		}
		for i, g := range wantGrads {
			for j, v := range g {
				if math.Float32bits(gotGrads[i][j]) != math.Float32bits(v) {
					t.Fatalf("checkpointing %v: gradient %d[%d] is %v in the arena, %v without", ckpt, i, j, gotGrads[i][j], v)
				}
			}
		}
	}
}
