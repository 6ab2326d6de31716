package tensor

import "fmt"

// Where returns a where cond is nonzero and b elsewhere; cond is meant to
// hold 0s and 1s. All three broadcast together. Gradients flow to a and b
// (each gets the output gradient where it was chosen), never to cond.
func Where(cond, a, b *Tensor) *Tensor {
	shape := mustBroadcast("Where", mustBroadcast("Where", cond.shape, a.shape), b.shape)
	// Detached operands let Expand do the broadcasting without recording.
	c := Expand(cond.Detach(), shape).data
	av, bv := Expand(a.Detach(), shape).data, Expand(b.Detach(), shape).data
	out := empty(shape)
	for i, ci := range c {
		if ci != 0 {
			out.data[i] = av[i]
		} else {
			out.data[i] = bv[i]
		}
	}
	return record(out, "Where", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = SumTo(Mul(g, indicator(cond, true)), a.shape)
		}
		if b.requiresGrad {
			gb = SumTo(Mul(g, indicator(cond, false)), b.shape)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// indicator returns 1 where (t != 0) == nonzero and 0 elsewhere, with t's
// shape and no gradient history.
func indicator(t *Tensor, nonzero bool) *Tensor {
	out := empty(t.shape)
	for i, v := range t.data {
		if (v != 0) == nonzero {
			out.data[i] = 1
		}
	}
	return out
}

// MaskedFill returns x with value wherever mask (broadcastable to x's
// shape) is nonzero. The gradient of x is zero at the filled positions.
func MaskedFill(x, mask *Tensor, value float32) *Tensor {
	if s, err := BroadcastShapes(mask.shape, x.shape); err != nil || !SameShape(s, x.shape) {
		panic(fmt.Sprintf("MaskedFill: mask shape %v does not broadcast to input shape %v", mask.shape, x.shape))
	}
	m := Expand(mask.Detach(), x.shape).data
	out := x.Clone()
	for i, mi := range m {
		if mi != 0 {
			out.data[i] = value
		}
	}
	return record(out, "MaskedFill", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, indicator(mask, false))}
	}, x)
}

// Cumsum returns the running sum of x along axis. Its gradient is the
// running sum of the output gradient taken from the other end.
func Cumsum(x *Tensor, axis int) *Tensor {
	return cumsum(x, x.axis(axis, "Cumsum"), false)
}

// cumsum sums along axis a from the start, or from the end when reverse;
// each direction is the other's backward rule.
func cumsum(x *Tensor, a int, reverse bool) *Tensor {
	outer, n, inner := aroundAxis(x.shape, a)
	out := x.Clone()
	first, step := 1, 1
	if reverse {
		first, step = n-2, -1
	}
	for o := range outer {
		line := out.data[o*n*inner : (o+1)*n*inner]
		for i := first; i >= 0 && i < n; i += step {
			prev := line[(i-step)*inner : (i-step+1)*inner]
			for j, v := range prev {
				line[i*inner+j] += v
			}
		}
	}
	return record(out, "Cumsum", func(g *Tensor) []*Tensor {
		return []*Tensor{cumsum(g, a, !reverse)}
	}, x)
}
