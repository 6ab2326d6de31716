package ebm_test

import (
	"testing"

	"github.com/artifex-go/artifex/models/ebm"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

func TestZooEBMCifarBuildsAsWritten(t *testing.T) {
	built, err := zoo.CreateModel("ebm_cifar", nn.NewRngs(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := built.(*ebm.EBM)
	o := m.Options()
	l := o.Langevin
	if o.Network != ebm.CNN || l.Steps != 60 || l.StepSize != 10 || l.NoiseScale != 0.005 || l.GradClip != 0.01 ||
		o.BufferSize != 10000 || o.ReinitProb != 0.05 || o.Alpha != 1 || o.Activation != "swish" {
		t.Errorf("ebm_cifar options %+v, want the values of zoo/configs/vision/ebm_cifar.yaml", o)
	}
	if got := m.Buffer.Samples.Shape(); !tensor.SameShape(got, []int{10000, 3, 32, 32}) {
		t.Errorf("replay buffer shape %v, want [10000 3 32 32]", got)
	}
	var e *tensor.Tensor
	tensor.NoGrad(func() { e = m.Energy(tensor.Zeros(2, 3, 32, 32)) })
	if !tensor.SameShape(e.Shape(), []int{2}) {
		t.Errorf("energy of two CIFAR images has shape %v, want [2]", e.Shape())
	}
}
