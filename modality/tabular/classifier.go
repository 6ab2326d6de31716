package tabular

import (
	"fmt"
	"math"
)

// LogisticOptions are the settings of FitLogistic; zero values take the
// defaults in brackets.
type LogisticOptions struct {
	Iterations   int     // full-batch gradient steps [500]
	LearningRate float64 // step size on standardised features [0.5]
	L2           float64 // weight decay on the weights, not the biases [1e-3]
}

// Logistic is a multinomial logistic regression: softmax(W·s(x) + b) over
// K classes, where s standardises each feature with the mean and standard
// deviation of the rows it was fit on.
type Logistic struct {
	D, K      int
	W         []float64 // [K, D]
	B         []float64 // [K]
	Mean, Std []float64 // [D]
}

// FitLogistic fits a logistic regression of labels y (in [0, k)) on the
// rows of x (row-major, d columns) by full-batch gradient descent on the
// mean cross-entropy plus L2·‖W‖²/2, from zero weights: deterministic.
func FitLogistic(x []float32, d int, y []int, k int, o LogisticOptions) (*Logistic, error) {
	n := len(y)
	if d <= 0 || k < 2 || n == 0 || len(x) != n*d {
		return nil, fmt.Errorf("tabular: logistic regression needs %d rows of d > 0 features and k >= 2 classes, got %d values, d = %d, k = %d", n, len(x), d, k)
	}
	for i, c := range y {
		if c < 0 || c >= k {
			return nil, fmt.Errorf("tabular: logistic regression: label %d of row %d is outside [0, %d)", c, i, k)
		}
	}
	if o.Iterations == 0 {
		o.Iterations = 500
	}
	if o.LearningRate == 0 {
		o.LearningRate = 0.5
	}
	if o.L2 == 0 {
		o.L2 = 1e-3
	}
	m := &Logistic{D: d, K: k, W: make([]float64, k*d), B: make([]float64, k), Mean: make([]float64, d), Std: make([]float64, d)}
	for i := range n {
		for j := range d {
			m.Mean[j] += float64(x[i*d+j])
		}
	}
	for j := range d {
		m.Mean[j] /= float64(n)
	}
	for i := range n {
		for j := range d {
			t := float64(x[i*d+j]) - m.Mean[j]
			m.Std[j] += t * t
		}
	}
	for j := range d {
		m.Std[j] = math.Sqrt(m.Std[j] / float64(n))
		if m.Std[j] < 1e-12 {
			m.Std[j] = 1
		}
	}
	s := make([]float64, n*d)
	for i := range n {
		for j := range d {
			s[i*d+j] = (float64(x[i*d+j]) - m.Mean[j]) / m.Std[j]
		}
	}
	gw, gb, p := make([]float64, k*d), make([]float64, k), make([]float64, k)
	for range o.Iterations {
		clear(gw)
		clear(gb)
		for i := range n {
			row := s[i*d : (i+1)*d]
			m.probs(row, p)
			p[y[i]]--
			for c := range k {
				gb[c] += p[c]
				for j, v := range row {
					gw[c*d+j] += p[c] * v
				}
			}
		}
		for c := range k {
			m.B[c] -= o.LearningRate * gb[c] / float64(n)
			for j := range d {
				w := &m.W[c*d+j]
				*w -= o.LearningRate * (gw[c*d+j]/float64(n) + o.L2**w)
			}
		}
	}
	return m, nil
}

// probs writes the class probabilities of a standardised row into p.
func (m *Logistic) probs(row, p []float64) {
	top := math.Inf(-1)
	for c := range m.K {
		z := m.B[c]
		for j, v := range row {
			z += m.W[c*m.D+j] * v
		}
		p[c] = z
		top = max(top, z)
	}
	sum := 0.0
	for c := range p {
		p[c] = math.Exp(p[c] - top)
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
}

// Predict returns the most probable class of each row of x.
func (m *Logistic) Predict(x []float32) []int {
	n := len(x) / m.D
	out := make([]int, n)
	row, p := make([]float64, m.D), make([]float64, m.K)
	for i := range n {
		for j := range m.D {
			row[j] = (float64(x[i*m.D+j]) - m.Mean[j]) / m.Std[j]
		}
		m.probs(row, p)
		best := 0
		for c := range p {
			if p[c] > p[best] {
				best = c
			}
		}
		out[i] = best
	}
	return out
}

// Accuracy returns the share of rows of x whose predicted class is y's.
func (m *Logistic) Accuracy(x []float32, y []int) float64 {
	pred := m.Predict(x)
	ok := 0
	for i, c := range pred {
		if c == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(max(len(y), 1))
}
