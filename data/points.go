package data

import (
	"fmt"
	"math"
	"strings"

	"github.com/artifex-go/artifex/tensor"
)

// The 2-D densities Load generates instead of reading files: their
// analytic densities are the data, drawn with a fixed seed per split so
// that every run sees the same points (and a resumed run the same
// batches). Points are held as [N, 2, 1, 1] (two 1×1 channels), the
// labels say which component a point was drawn from.
const (
	// TwoMoons is two interleaved half circles of radius 1, the second
	// shifted by (1, -0.5), with N(0, 0.1²) noise on each coordinate;
	// label 0 or 1 is the moon.
	TwoMoons = "two_moons"
	// EightGaussians is eight N(·, 0.1²) modes evenly spaced on a circle
	// of radius 2; the label is the mode.
	EightGaussians = "8gaussians"
)

// PointSetSizes are the numbers of points of a generated density's train
// and test splits.
var PointSetSizes = map[string]int{"train": 10240, "test": 10000}

// pointSets are the generated densities, by name.
var pointSets = []struct {
	name string
	draw func(s *tensor.Stream, xy []float32) int // fills one point, returns its label
}{
	{TwoMoons, drawTwoMoons},
	{EightGaussians, drawEightGaussians},
}

// IsPointSet reports whether name is a generated 2-D density (its
// examples are points, not images).
func IsPointSet(name string) bool {
	_, ok := lookupPointSet(name)
	return ok
}

func lookupPointSet(name string) (int, bool) {
	key := strings.ToLower(strings.TrimSpace(name))
	for i, p := range pointSets {
		if key == p.name || key == strings.ReplaceAll(p.name, "_", "-") {
			return i, true
		}
	}
	return 0, false
}

// pointSet draws split of the density pointSets[i]: PointSetSizes[split]
// points from a stream whose seed depends only on the set and split.
func pointSet(i int, split string) (*Dataset, error) {
	n, ok := PointSetSizes[split]
	if !ok {
		return nil, fmt.Errorf("data: unknown split %q for %s; available: train, test", split, pointSets[i].name)
	}
	seed := uint64(1000*(i+1)) + map[string]uint64{"train": 1, "test": 2}[split]
	s := tensor.NewRngs(seed).Stream("data/" + pointSets[i].name + "/" + split)
	xy := make([]float32, 2*n)
	labels := make([]int, n)
	for j := range n {
		labels[j] = pointSets[i].draw(s, xy[2*j:2*j+2])
	}
	return NewDataset(xy, labels, 2, 1, 1)
}

func drawTwoMoons(s *tensor.Stream, xy []float32) int {
	a := math.Pi * s.Float64()
	x, y := math.Cos(a), math.Sin(a)
	moon := s.Intn(2)
	if moon == 1 {
		x, y = 1-x, 0.5-y
	}
	xy[0] = float32(x + 0.1*s.NormFloat64())
	xy[1] = float32(y + 0.1*s.NormFloat64())
	return moon
}

func drawEightGaussians(s *tensor.Stream, xy []float32) int {
	k := s.Intn(8)
	a := 2 * math.Pi * float64(k) / 8
	xy[0] = float32(2*math.Cos(a) + 0.1*s.NormFloat64())
	xy[1] = float32(2*math.Sin(a) + 0.1*s.NormFloat64())
	return k
}
