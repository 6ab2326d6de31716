package audio

import (
	"fmt"
	"math"
)

// MuLawEncode maps samples in [-1, 1] (clipped) to mu-law codes in
// [0, levels): F(x) = sign(x)·ln(1+μ|x|)/ln(1+μ) with μ = levels-1, then
// code = ⌊(F+1)/2·μ + ½⌋ (ITU-T G.711's companding law, as WaveNet uses).
func MuLawEncode(x []float32, levels int) ([]int, error) {
	if levels < 2 {
		return nil, fmt.Errorf("audio: mu-law needs at least 2 levels, got %d", levels)
	}
	mu := float64(levels - 1)
	lmu := math.Log1p(mu)
	out := make([]int, len(x))
	for i, v := range x {
		a := min(max(float64(v), -1), 1)
		f := math.Copysign(math.Log1p(mu*math.Abs(a))/lmu, a)
		out[i] = int(math.Floor((f+1)/2*mu + 0.5))
	}
	return out, nil
}

// MuLawDecode maps codes in [0, levels) back to samples in [-1, 1], the
// inverse of MuLawEncode up to its quantisation: y = 2·code/μ - 1,
// x = sign(y)·((1+μ)^|y| - 1)/μ.
func MuLawDecode(codes []int, levels int) ([]float32, error) {
	if levels < 2 {
		return nil, fmt.Errorf("audio: mu-law needs at least 2 levels, got %d", levels)
	}
	mu := float64(levels - 1)
	out := make([]float32, len(codes))
	for i, c := range codes {
		if c < 0 || c >= levels {
			return nil, fmt.Errorf("audio: mu-law code %d at position %d is outside [0, %d)", c, i, levels)
		}
		y := 2*float64(c)/mu - 1
		out[i] = float32(math.Copysign((math.Pow(1+mu, math.Abs(y))-1)/mu, y))
	}
	return out, nil
}
