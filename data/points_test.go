package data

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestGeneratedDensitiesAreSeededPointSetsOfTheRightShape(t *testing.T) {
	for _, name := range []string{TwoMoons, EightGaussians} {
		train, err := Load(name, "train", LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		again, _ := Load(name, "train", LoadOptions{})
		test, _ := Load(name, "test", LoadOptions{})
		if train.Len() != PointSetSizes["train"] || test.Len() != PointSetSizes["test"] || !slices.Equal(train.ImageShape(), []int{2, 1, 1}) {
			t.Fatalf("%s: %d train, %d test points of shape %v", name, train.Len(), test.Len(), train.ImageShape())
		}
		if !slices.Equal(train.Images().Data(), again.Images().Data()) {
			t.Errorf("%s: two loads differ", name)
		}
		if slices.Equal(train.Image(0), test.Image(0)) {
			t.Errorf("%s: train and test splits start with the same point", name)
		}
		// Each point lies near its component: a moon of radius 1 or a mode at radius 2.
		for i := range 500 {
			x, y := float64(train.Image(i)[0]), float64(train.Image(i)[1])
			var dist float64
			switch name {
			case TwoMoons:
				if train.Label(i) == 1 {
					x, y = 1-x, 0.5-y
				}
				dist = math.Abs(math.Hypot(x, y) - 1)
			case EightGaussians:
				a := 2 * math.Pi * float64(train.Label(i)) / 8
				dist = math.Hypot(x-2*math.Cos(a), y-2*math.Sin(a))
			}
			if dist > 0.6 {
				t.Fatalf("%s point %d (%g, %g), label %d, is %g from its component", name, i, x, y, train.Label(i), dist)
			}
		}
	}
	if _, err := Load("two-moons", "test", LoadOptions{}); err != nil {
		t.Errorf("two-moons spelling: %v", err)
	}
	if _, err := Load(TwoMoons, "valid", LoadOptions{}); err == nil || !strings.Contains(err.Error(), "train, test") {
		t.Errorf("unknown split: %v", err)
	}
	if _, err := Load("three_moons", "train", LoadOptions{}); err == nil || !strings.Contains(err.Error(), "two_moons (generated), 8gaussians (generated)") {
		t.Errorf("unknown set: %v", err)
	}
}
