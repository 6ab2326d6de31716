package geometric

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/tensor"
)

// Primitives are the analytic shapes SamplePrimitive draws from, in label
// order.
var Primitives = []string{"sphere", "torus", "cube"}

// SamplePrimitive returns n points drawn uniformly from the surface of a
// unit primitive: a sphere of radius 1, a torus of radii 0.7 and 0.3 about
// the z axis, or the cube [-1, 1]³.
func SamplePrimitive(kind string, n int, s *tensor.Stream) ([]Point, error) {
	pts := make([]Point, n)
	switch kind {
	case "sphere":
		for i := range pts {
			p := Point{s.NormFloat64(), s.NormFloat64(), s.NormFloat64()}
			r := math.Sqrt(sqDist(p, Point{}))
			pts[i] = Point{p[0] / r, p[1] / r, p[2] / r}
		}
	case "torus":
		const R, r = 0.7, 0.3
		for i := range pts {
			// Area element ∝ R + r cos v: rejection-sample v.
			var v float64
			for {
				v = 2 * math.Pi * s.Float64()
				if s.Float64()*(R+r) <= R+r*math.Cos(v) {
					break
				}
			}
			u := 2 * math.Pi * s.Float64()
			pts[i] = Point{(R + r*math.Cos(v)) * math.Cos(u), (R + r*math.Cos(v)) * math.Sin(u), r * math.Sin(v)}
		}
	case "cube":
		for i := range pts {
			face := s.Intn(6)
			a, b := 2*s.Float64()-1, 2*s.Float64()-1
			sign := float64(1 - 2*(face%2))
			switch face / 2 {
			case 0:
				pts[i] = Point{sign, a, b}
			case 1:
				pts[i] = Point{a, sign, b}
			default:
				pts[i] = Point{a, b, sign}
			}
		}
	default:
		return nil, fmt.Errorf("geometric: unknown primitive %q; available: sphere, torus, cube", kind)
	}
	return pts, nil
}

// randomRotation returns a uniformly random rotation (from a random unit
// quaternion).
func randomRotation(s *tensor.Stream) [3][3]float64 {
	w, x, y, z := s.NormFloat64(), s.NormFloat64(), s.NormFloat64(), s.NormFloat64()
	n := math.Sqrt(w*w + x*x + y*y + z*z)
	w, x, y, z = w/n, x/n, y/n, z/n
	return [3][3]float64{
		{w*w + x*x - y*y - z*z, 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), w*w - x*x + y*y - z*z, 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), w*w - x*x - y*y + z*z},
	}
}

// PrimitiveDataset returns count point clouds of n points each, shape
// [count, 1, n, 3], labelled by primitive (the index in Primitives, taken
// in turn): each a primitive scaled by a factor in [0.5, 1] and, with
// rotate, randomly rotated.
func PrimitiveDataset(count, n int, rotate bool, s *tensor.Stream) (*data.Dataset, error) {
	if count <= 0 || n <= 0 {
		return nil, fmt.Errorf("geometric: PrimitiveDataset needs positive counts, got %d shapes of %d points", count, n)
	}
	vals := make([]float32, 0, count*n*3)
	labels := make([]int, count)
	for k := range count {
		labels[k] = k % len(Primitives)
		pts, err := SamplePrimitive(Primitives[labels[k]], n, s)
		if err != nil {
			return nil, err
		}
		scale := 0.5 + 0.5*s.Float64()
		rot := [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
		if rotate {
			rot = randomRotation(s)
		}
		for _, p := range pts {
			for i := range 3 {
				vals = append(vals, float32(scale*(rot[i][0]*p[0]+rot[i][1]*p[1]+rot[i][2]*p[2])))
			}
		}
	}
	return data.NewDataset(vals, labels, 1, n, 3)
}

// Sizes of the shape_primitives data set.
const (
	PrimitivePoints = 256
	primitiveTrain  = 1536
	primitiveTest   = 384
)

// DataSources returns the synthetic data set shape_primitives that
// data.Load makes once RegisterDataSets has run: randomly rotated and
// scaled spheres, tori and cubes of PrimitivePoints surface points, 1536
// for "train" and 384 for "test", drawn from fixed seeds that differ
// between the splits.
func DataSources() []data.Source {
	return []data.Source{{
		Name: "shape_primitives",
		Generate: func(split string) (*data.Dataset, error) {
			switch split {
			case "train":
				return PrimitiveDataset(primitiveTrain, PrimitivePoints, true, tensor.NewRngs(1).Stream("shape_primitives/train"))
			case "test":
				return PrimitiveDataset(primitiveTest, PrimitivePoints, true, tensor.NewRngs(2).Stream("shape_primitives/test"))
			}
			return nil, fmt.Errorf("geometric: unknown split %q for shape_primitives; available: train, test", split)
		},
	}}
}

var registerOnce = data.RegisterSourcesOnce(DataSources)

// RegisterDataSets registers DataSources with data.Load; calling it again
// does nothing.
func RegisterDataSets() error { return registerOnce() }
