package nn

import (
	"reflect"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

type testLayer struct {
	Weight  *tensor.Tensor
	Bias    *tensor.Tensor
	Running *tensor.Tensor
	scratch *tensor.Tensor
}

type testModel struct {
	Encoder struct{ Layers []*testLayer }
	Head    testLayer      `nn:"out"`
	Skip    *tensor.Tensor `nn:"-"`
	Blocks  map[string]*testLayer
}

func newTestLayer() *testLayer {
	return &testLayer{
		Weight:  tensor.Zeros(2, 2).SetRequiresGrad(true),
		Bias:    tensor.Zeros(2).SetRequiresGrad(true),
		Running: tensor.Zeros(2),
		scratch: tensor.Zeros(1),
	}
}

func TestWalkFindsTensorsByPathInFieldOrder(t *testing.T) {
	m := &testModel{Skip: tensor.Zeros(1), Blocks: map[string]*testLayer{"b": newTestLayer(), "a": newTestLayer()}}
	m.Encoder.Layers = []*testLayer{newTestLayer(), newTestLayer()}
	m.Head = *newTestLayer()
	var names []string
	for _, p := range Parameters(m) {
		names = append(names, p.Name)
	}
	want := []string{
		"encoder/layers/0/weight", "encoder/layers/0/bias",
		"encoder/layers/1/weight", "encoder/layers/1/bias",
		"out/weight", "out/bias",
		"blocks/a/weight", "blocks/a/bias", "blocks/b/weight", "blocks/b/bias",
	}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("parameter paths:\n got %v\nwant %v", names, want)
	}
	if n := len(State(m)); n != 15 {
		t.Fatalf("State has %d tensors, want 15 (10 parameters + 5 running buffers)", n)
	}
}

func TestWalkReportsSharedTensorOnce(t *testing.T) {
	w := tensor.Zeros(3).SetRequiresGrad(true)
	m := struct{ A, B *testLayer }{&testLayer{Weight: w}, &testLayer{Weight: w}}
	if ps := Parameters(m); len(ps) != 1 || ps[0].Name != "a/weight" {
		t.Fatalf("shared weight reported as %v", ps)
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{"HiddenLayers": "hidden_layers", "QKV": "qkv", "Weight": "weight", "QKVProj": "qkv_proj", "Conv1": "conv1"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}
