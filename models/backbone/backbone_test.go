package backbone

import (
	"slices"
	"testing"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func TestUNetKeepsTheInputShapeAtEveryConfiguration(t *testing.T) {
	for _, c := range []UNetConfig{
		{InChannels: 1, OutChannels: 1, Height: 28, Width: 28, Channels: []int{8, 16, 16}, NumResBlocks: 1},
		{InChannels: 3, OutChannels: 3, Height: 16, Width: 8, Channels: []int{8, 16}, AttentionResolutions: []int{16, 8}, NumClasses: 10},
		{InChannels: 2, OutChannels: 2, Height: 4, Width: 4, Channels: []int{12}, Heads: 3, Dropout: 0.1},
	} {
		u, err := NewUNet(nn.NewRngs(0), c)
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.NewRngs(1).Sample().Normal(3, c.InChannels, c.Height, c.Width)
		y := u.ForwardLabels(x, tensor.FromSlice([]float32{0, 10, 999}, 3), []int{1, -1, 2}[:3*min(c.NumClasses, 1)])
		if !slices.Equal(y.Shape(), x.Shape()) {
			t.Errorf("%+v: output shape %v, want %v", c, y.Shape(), x.Shape())
		}
	}
}

func TestUNetTrainsEveryParameter(t *testing.T) {
	u, err := NewUNet(nn.NewRngs(0), UNetConfig{InChannels: 1, OutChannels: 1, Height: 8, Width: 8, Channels: []int{8, 16}, NumResBlocks: 1, NumClasses: 3})
	if err != nil {
		t.Fatal(err)
	}
	// The output layer starts at zero, so give it weights to pass
	// gradients back through.
	for i := range u.Out.Weight.Data() {
		u.Out.Weight.Data()[i] = 0.01
	}
	x := tensor.NewRngs(1).Sample().Normal(4, 1, 8, 8)
	tensor.Mean(tensor.Square(u.ForwardLabels(x, tensor.FromSlice([]float32{1, 2, 3, 4}, 4), []int{0, 1, 2, -1}))).Backward()
	for _, p := range nn.Parameters(u) {
		if p.Tensor.Grad() == nil {
			t.Errorf("%s has no gradient", p.Name)
		}
	}
}

func TestUNetRejectsImpossibleConfigurations(t *testing.T) {
	for _, c := range []UNetConfig{
		{InChannels: 1, OutChannels: 1, Height: 28, Width: 28, Channels: []int{8, 8, 8, 8}}, // 28 does not halve 3 times
		{InChannels: 1, OutChannels: 1, Height: 8, Width: 8},                                // no levels
		{InChannels: 1, OutChannels: 1, Height: 8, Width: 8, Channels: []int{8, -1}},
		{InChannels: 1, OutChannels: 1, Height: 8, Width: 8, Channels: []int{10}, Groups: 4},
		{InChannels: 1, OutChannels: 1, Height: 8, Width: 8, Channels: []int{8}, Dropout: 1},
	} {
		if _, err := NewUNet(nn.NewRngs(0), c); err == nil {
			t.Errorf("NewUNet(%+v) gave no error", c)
		}
	}
}

func TestMLPAndTransformerKeepTheInputShape(t *testing.T) {
	m, err := NewMLP(nn.NewRngs(0), MLPConfig{Dim: 2, Hidden: []int{16, 16}})
	if err != nil {
		t.Fatal(err)
	}
	s := tensor.NewRngs(1).Sample()
	if y := m.Forward(s.Normal(5, 2), tensor.Full(3, 5)); !slices.Equal(y.Shape(), []int{5, 2}) {
		t.Errorf("MLP output shape %v, want [5 2]", y.Shape())
	}
	tr, err := NewTransformer(nn.NewRngs(0), TransformerConfig{Length: 7, Dim: 6, Width: 32, Layers: 2, Heads: 4})
	if err != nil {
		t.Fatal(err)
	}
	if y := tr.Forward(s.Normal(2, 7, 6), tensor.Full(3, 2)); !slices.Equal(y.Shape(), []int{2, 7, 6}) {
		t.Errorf("Transformer output shape %v, want [2 7 6]", y.Shape())
	}
}
