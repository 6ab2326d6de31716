package nn

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

func TestGroupNormForwardSiLUIsSiLUOfForward(t *testing.T) {
	g := NewGroupNorm(2, 4)
	rng := tensor.NewRngs(3).Stream("x")
	copy(g.Weight.Data(), rng.Normal(4).Data())
	copy(g.Bias.Data(), rng.Normal(4).Data())
	x := rng.Normal(2, 4, 3, 3)
	fused, ref := g.ForwardSiLU(x), tensor.SiLU(g.Forward(x))
	for i, v := range ref.Data() {
		if math.Abs(float64(fused.Data()[i]-v)) > 1e-6 {
			t.Fatalf("value %d: fused %v, SiLU of Forward %v", i, fused.Data()[i], v)
		}
	}
}
