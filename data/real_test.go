package data

import (
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"testing"
	"time"
)

// loadReal loads a real data set from the default places, skipping the test
// when it is not installed.
func loadReal(t *testing.T, name, split string) *Dataset {
	t.Helper()
	start := time.Now()
	d, err := Load(name, split, LoadOptions{})
	if errors.Is(err, ErrNotFound) {
		datatest.Skipf(t, "the real %s data set is not installed here; the loader said:\n%v", name, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s: %v in %v", name, split, d.Shape(), time.Since(start).Round(time.Millisecond))
	return d
}

// checkReal checks the facts every copy of an MNIST-style data set shares.
func checkReal(t *testing.T, d *Dataset, n, firstLabel int, meanPixel float64, perClass []int) {
	t.Helper()
	if got := d.Shape(); !equalInts(got, []int{n, 1, 28, 28}) {
		t.Fatalf("shape %v, want [%d 1 28 28]", got, n)
	}
	if d.Label(0) != firstLabel {
		t.Errorf("first label %d, want %d", d.Label(0), firstLabel)
	}
	counts := make([]int, 10)
	for _, l := range d.Labels() {
		counts[l]++ // ReadMNIST guarantees 0–9
	}
	if perClass != nil && !equalInts(counts, perClass) {
		t.Errorf("images per class %v, want %v", counts, perClass)
	}
	lo, hi, sum := float32(1), float32(0), 0.0
	for _, v := range d.Images().Data() {
		lo, hi = min(lo, v), max(hi, v)
		sum += float64(v)
	}
	mean := sum / float64(n*28*28)
	if lo != 0 || hi != 1 || math.Abs(mean-meanPixel) > 5e-4 {
		t.Errorf("pixels in [%v, %v] with mean %.4f, want [0, 1] with mean %.4f", lo, hi, mean, meanPixel)
	}
}

func TestRealMNIST(t *testing.T) {
	t.Setenv(EnvDataDir, "") // the default places only
	train := loadReal(t, "mnist", "train")
	checkReal(t, train, 60000, 5, 0.1307, []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949})
	test := loadReal(t, "mnist", "test")
	checkReal(t, test, 10000, 7, 0.1325, []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009})
}

func TestRealFashionMNIST(t *testing.T) {
	t.Setenv(EnvDataDir, "")
	train := loadReal(t, "fashion-mnist", "train")
	checkReal(t, train, 60000, 9, 0.2860, []int{6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000})
	test := loadReal(t, "fashion-mnist", "test")
	checkReal(t, test, 10000, 9, 0.2868, []int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000})
}
