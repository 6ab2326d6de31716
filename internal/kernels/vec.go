package kernels

// Sum adds s in 32 lanes (four vectors of eight), so the additions do not
// wait on each other, on the vector kernel where the CPU has it; the lanes
// are then added in a fixed tree order, so the result does not depend on
// which path ran.
func Sum(s []float32) float32 {
	var lanes [8]float32
	done := vectorSum(&lanes, s)
	if done == 0 {
		done = sumGo(&lanes, s)
	}
	t := ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
	for _, v := range s[done:] {
		t += v
	}
	return t
}

// sumGo is the Go twin of sumAVX: the same lanes, added in the same order,
// for the longest prefix of x that is a multiple of 8, whose length it
// returns.
func sumGo(lanes *[8]float32, x []float32) int {
	var acc [4][8]float32
	i := 0
	for ; i+32 <= len(x); i += 32 {
		for r := range acc {
			q := x[i+8*r : i+8*r+8 : i+8*r+8]
			for j := range acc[r] {
				acc[r][j] += q[j]
			}
		}
	}
	for ; i+8 <= len(x); i += 8 {
		for j := range acc[0] {
			acc[0][j] += x[i+j]
		}
	}
	for j := range lanes {
		lanes[j] = (acc[0][j] + acc[1][j]) + (acc[2][j] + acc[3][j])
	}
	return i
}

// fill sets every element of s to v: vector stores where the CPU has them
// (a convolution's bias rows are a few hundred floats, where the doubling
// copies that did this before cost ten memmove calls each), then a loop.
func fill(s []float32, v float32) {
	done := vectorFill(s, v)
	for i := done; i < len(s); i++ {
		s[i] = v
	}
}

// addTo adds s to d elementwise; len(s) must not exceed len(d).
func addTo(d, s []float32) {
	d = d[:len(s)]
	// Unrolled because Go does not vectorise; four independent adds per
	// iteration halve the loop overhead that otherwise bounds this loop.
	i := 0
	for ; i+4 <= len(s); i += 4 {
		dd, ss := d[i:i+4:i+4], s[i:i+4:i+4]
		dd[0] += ss[0]
		dd[1] += ss[1]
		dd[2] += ss[2]
		dd[3] += ss[3]
	}
	for ; i < len(s); i++ {
		d[i] += s[i]
	}
}
