//go:build long

package metrics

import (
	"slices"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// TestRealDataFloor scores each test split against its training split on
// the shipped feature networks (go test -tags long -run Floor ./metrics, or go run ./metrics/cmd/fid;
// minutes): the FID a perfect generator would get, which the README
// reports. It must stay small next to any model's.
func TestRealDataFloor(t *testing.T) {
	for _, c := range []struct {
		dataset string
		maxFID  float64
	}{{"mnist", 5}, {"fashion-mnist", 5}} {
		t.Run(c.dataset, func(t *testing.T) {
			if !slices.Contains(FeatureDatasets(), c.dataset) {
				t.Skipf("no %s feature weights in metrics/weights", c.dataset)
			}
			train, test := loadSplit(t, c.dataset, "train"), loadSplit(t, c.dataset, "test")
			net, err := TrainedFeatureNet(c.dataset)
			if err != nil {
				t.Fatal(err)
			}
			q, err := SampleQuality(net, train.Images(), test.Images(), QualityOptions{}, tensor.NewRngs(0).Stream("metrics"))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s floor: %v", c.dataset, q)
			if q[KeyFID] > c.maxFID || q[KeyPrecision] < 0.9 || q[KeyRecall] < 0.9 {
				t.Errorf("%s test vs train: %v; want FID ≤ %g, precision and recall ≥ 0.9", c.dataset, q, c.maxFID)
			}
		})
	}
}
