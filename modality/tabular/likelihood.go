package tabular

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// Likelihood is the mixed-type likelihood of an encoded row given a
// decoder's output of the same width: a Gaussian with a learned scale per
// numerical and ordinal column, a categorical distribution (softmax of
// the group's logits) per categorical column and a Bernoulli (sigmoid of
// one logit) per binary column. Its negative log is in nats per row, the
// densities of the continuous entries included.
type Likelihood struct {
	width      int
	continuous []int     // entries of numerical and ordinal columns
	binary     []int     // entries of binary columns
	groups     []Segment // categorical columns
}

// NewLikelihood returns the likelihood of the encoder's rows.
func NewLikelihood(e *Encoder) *Likelihood {
	l := &Likelihood{width: e.Width()}
	for _, s := range e.Segments() {
		switch s.Kind {
		case Numerical, Ordinal:
			l.continuous = append(l.continuous, s.Offset)
		case Binary:
			l.binary = append(l.binary, s.Offset)
		case Categorical:
			l.groups = append(l.groups, s)
		}
	}
	return l
}

// Continuous returns the number of Gaussian entries, the size of the
// log-scale vector NLL takes.
func (l *Likelihood) Continuous() int { return len(l.continuous) }

var halfLog2Pi = float32(0.5 * math.Log(2*math.Pi))

// NLL returns -log p(x | out) per row [N] for encoded rows x and decoder
// outputs out, both [N, width]; logScale [Continuous()] holds the log
// standard deviations of the Gaussian entries. It is differentiable in
// out and logScale.
func (l *Likelihood) NLL(out, x, logScale *tensor.Tensor) *tensor.Tensor {
	n := x.Dim(0)
	out, x = tensor.Reshape(out, n, -1), tensor.Reshape(x, n, -1)
	if out.Dim(1) != l.width || x.Dim(1) != l.width {
		panic(fmt.Sprintf("tabular: likelihood of rows of %d entries got outputs %v and rows %v", l.width, out.Shape(), x.Shape()))
	}
	var terms []*tensor.Tensor
	if len(l.continuous) > 0 {
		mu, v := tensor.IndexSelect(out, 1, l.continuous), tensor.IndexSelect(x, 1, l.continuous)
		ls := tensor.Reshape(logScale, 1, -1)
		z := tensor.Mul(tensor.Sub(v, mu), tensor.Exp(tensor.Neg(ls)))
		per := tensor.AddScalar(tensor.Add(tensor.Scale(tensor.Square(z), 0.5), ls), halfLog2Pi)
		terms = append(terms, tensor.SumAxes(per, []int{1}, false))
	}
	if len(l.binary) > 0 {
		b := tensor.BCEWithLogits(tensor.IndexSelect(out, 1, l.binary), tensor.IndexSelect(x, 1, l.binary))
		terms = append(terms, tensor.SumAxes(b, []int{1}, false))
	}
	for _, g := range l.groups {
		terms = append(terms, tensor.CrossEntropySoft(tensor.Narrow(out, 1, g.Offset, g.Width), tensor.Narrow(x, 1, g.Offset, g.Width)))
	}
	total := terms[0]
	for _, t := range terms[1:] {
		total = tensor.Add(total, t)
	}
	return total
}

// Mean maps decoder outputs [N, width] to the likelihood's means in data
// space, the input of Encoder.Decode: Gaussian means as they are,
// sigmoid of binary logits, softmax of each categorical group. It returns
// new values and records no gradient.
func (l *Likelihood) Mean(out *tensor.Tensor) []float32 {
	v := append([]float32(nil), out.Data()...)
	for i := 0; i < len(v); i += l.width {
		row := v[i : i+l.width]
		for _, j := range l.binary {
			row[j] = float32(1 / (1 + math.Exp(-float64(row[j]))))
		}
		for _, g := range l.groups {
			softmaxInPlace(row[g.Offset : g.Offset+g.Width])
		}
	}
	return v
}

func softmaxInPlace(xs []float32) {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	var s float64
	for i, x := range xs {
		e := math.Exp(float64(x - m))
		xs[i] = float32(e)
		s += e
	}
	for i := range xs {
		xs[i] = float32(float64(xs[i]) / s)
	}
}
