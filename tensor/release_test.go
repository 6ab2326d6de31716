package tensor

import (
	"strings"
	"testing"
)

func TestBackwardFreesTheGraphAndASecondPassSaysSo(t *testing.T) {
	w := FromSlice([]float32{1, 2}, 2).SetRequiresGrad(true)
	h := Mul(w, w)
	loss := Sum(Tanh(h))
	loss.Backward()
	first := append([]float32(nil), w.Grad().Data()...)
	if h.node == nil || h.node.inputs != nil {
		t.Fatalf("the intermediate still holds its inputs after Backward: %+v", h.node)
	}
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "graph an earlier Backward freed") {
			t.Errorf("a second Backward through the freed graph: %v", r)
		}
		if w.Grad().Data()[0] != first[0] {
			t.Error("the failed pass changed the gradient")
		}
	}()
	Sum(Mul(h, h)).Backward()
}

func TestGradKeepsTheGraphForALaterBackward(t *testing.T) {
	w := FromSlice([]float32{1, 2}, 2).SetRequiresGrad(true)
	y := Sum(Mul(w, w))
	g := Grad([]*Tensor{y}, []*Tensor{w}, false)[0]
	y.Backward() // the graph Grad walked is still there
	if g.Data()[1] != 4 || w.Grad().Data()[1] != 4 {
		t.Errorf("Grad %v, Backward %v; want 2w = [2 4] for both", g.Data(), w.Grad().Data())
	}
}
