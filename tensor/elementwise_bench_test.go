package tensor

import "testing"

// BenchmarkElementwise times the arithmetic ops, SumTo and Concat on the
// shapes the workloads of issue 17 use: activations of a UNet at batch 32
// ([32, 64, 32, 32], 8 MiB), a transformer's [2048, 512] hidden layer, and
// a tensor that fits in cache.
func BenchmarkElementwise(b *testing.B) {
	act, act2, bias := randn(1, 32, 64, 32, 32), randn(2, 32, 64, 32, 32), randn(3, 1, 64, 1, 1)
	hid, row := randn(4, 2048, 512), randn(5, 512)
	small, small2 := randn(6, 64, 64), randn(7, 64, 64)
	skip, up := randn(8, 32, 64, 16, 16), randn(9, 32, 64, 16, 16)
	cases := []struct {
		name string
		f    func()
	}{
		{"Add/same/cache", func() { Add(small, small2) }},
		{"Add/same/8MiB", func() { Add(act, act2) }},
		{"Add/bias/8MiB", func() { Add(act, bias) }},
		{"Mul/row/4MiB", func() { Mul(hid, row) }},
		{"Sub/same/8MiB", func() { Sub(act, act2) }},
		{"Scale/4MiB", func() { Scale(hid, 0.5) }},
		{"SumTo/bias/8MiB", func() { SumTo(act, bias.shape) }},
		{"SumTo/row/4MiB", func() { SumTo(hid, row.shape) }},
		{"Concat/4MiB", func() { Concat(1, skip, up) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.f()
			}
		})
	}
}
