package kernels

import "unsafe"

// sgemmKernelGo is the portable 4×4 micro-kernel, used where no vector
// kernel exists. Sixteen scalar accumulators are about as many as the Go
// compiler keeps in registers, and the packed layout is the same as for the
// assembly kernels so one driver serves all of them.
func sgemmKernelGo(k int, a *float32, sa int, b *float32, sb int, c *float32, ldc int, beta float32) {
	const mr, nr = 4, 4
	if k == 0 {
		sgemmTileStore(unsafe.Slice(c, 3*ldc+nr), ldc, &[mr * nr]float32{}, beta)
		return
	}
	as := unsafe.Slice(a, (k-1)*sa+mr)
	bs := unsafe.Slice(b, (k-1)*sb+nr)
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := 0; p < k; p++ {
		ap := as[p*sa : p*sa+mr : p*sa+mr]
		bp := bs[p*sb : p*sb+nr : p*sb+nr]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := ap[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := ap[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	acc := [mr * nr]float32{
		c00, c01, c02, c03, c10, c11, c12, c13,
		c20, c21, c22, c23, c30, c31, c32, c33,
	}
	sgemmTileStore(unsafe.Slice(c, 3*ldc+nr), ldc, &acc, beta)
}

// sgemmTileStore writes the 4×4 tile acc into c as beta*c + acc; beta == 0
// overwrites, so NaNs already in c do not survive.
func sgemmTileStore(c []float32, ldc int, acc *[16]float32, beta float32) {
	for i := 0; i < 4; i++ {
		row := c[i*ldc : i*ldc+4 : i*ldc+4]
		t := acc[i*4 : i*4+4 : i*4+4]
		if beta == 0 {
			copy(row, t)
			continue
		}
		for j := range row {
			row[j] = beta*row[j] + t[j]
		}
	}
}
