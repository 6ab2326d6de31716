package tabular

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/internal/goldentest"
)

type golden struct {
	KS []struct {
		Name      string    `json:"name"`
		A         []float64 `json:"a"`
		B         []float64 `json:"b"`
		Statistic float64   `json:"statistic"`
	} `json:"ks"`
	TVD struct {
		A     []int   `json:"a"`
		B     []int   `json:"b"`
		K     int     `json:"k"`
		Value float64 `json:"value"`
	} `json:"tvd"`
	Correlation struct {
		D         int       `json:"d"`
		X         []float32 `json:"x"`
		Y         []float32 `json:"y"`
		CorrX     []float64 `json:"corr_x"`
		Frobenius float64   `json:"frobenius"`
		MeanAbs   float64   `json:"mean_abs"`
	} `json:"correlation"`
	DCR struct {
		D         int       `json:"d"`
		Query     []float32 `json:"query"`
		Reference []float32 `json:"reference"`
		Distances []float64 `json:"distances"`
		Median    float64   `json:"median"`
		P5        float64   `json:"p5"`
	} `json:"dcr"`
}

// loadGolden reads testdata/golden.json (testdata/gen_golden.py, numpy
// and scipy).
func loadGolden(t *testing.T) golden { return goldentest.Load[golden](t, "testdata/golden.json") }

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*(1+math.Abs(b)) }

func TestMetricsMatchScipyAndNumpy(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.KS {
		if got := KS(c.A, c.B); !near(got, c.Statistic, 1e-12) {
			t.Errorf("KS %s = %v, scipy ks_2samp %v", c.Name, got, c.Statistic)
		}
	}
	if got := TVD(g.TVD.A, g.TVD.B, g.TVD.K); !near(got, g.TVD.Value, 1e-12) {
		t.Errorf("TVD = %v, numpy %v", got, g.TVD.Value)
	}
	c := g.Correlation
	corr := Correlation(c.X, c.D)
	for i, want := range c.CorrX {
		if !near(corr[i], want, 1e-9) {
			t.Fatalf("Correlation[%d] = %v, numpy.corrcoef %v", i, corr[i], want)
		}
	}
	fro, mean := CorrelationDifference(c.X, c.Y, c.D)
	if !near(fro, c.Frobenius, 1e-9) || !near(mean, c.MeanAbs, 1e-9) {
		t.Errorf("CorrelationDifference = %v, %v; numpy %v, %v", fro, mean, c.Frobenius, c.MeanAbs)
	}
	d := g.DCR
	dist := DCR(d.Query, d.Reference, d.D)
	for i, want := range d.Distances {
		if !near(dist[i], want, 1e-9) {
			t.Fatalf("DCR[%d] = %v, scipy cdist min %v", i, dist[i], want)
		}
	}
	if got := Quantile(dist, 0.5); !near(got, d.Median, 1e-9) {
		t.Errorf("median DCR = %v, numpy %v", got, d.Median)
	}
	if got := Quantile(dist, 0.05); !near(got, d.P5, 1e-9) {
		t.Errorf("5th percentile DCR = %v, numpy %v", got, d.P5)
	}
}

func TestMetricsOnKnownCases(t *testing.T) {
	a := []float64{1, 2, 3, 4}
	if got := KS(a, a); got != 0 {
		t.Errorf("KS of a sample with itself = %v, want 0", got)
	}
	if got := KS(a, []float64{10, 11}); got != 1 {
		t.Errorf("KS of disjoint samples = %v, want 1", got)
	}
	if got := TVD([]int{0, 0, 1, 1}, []int{1, 0}, 2); got != 0 {
		t.Errorf("TVD of equal frequencies = %v, want 0", got)
	}
	if got := TVD([]int{0, 0}, []int{2, 2, 2}, 3); got != 1 {
		t.Errorf("TVD of disjoint supports = %v, want 1", got)
	}
	// A column that never varies correlates 0 with the others, 1 with itself.
	x := []float32{1, 0, 2, 0, 3, 0}
	c := Correlation(x, 2)
	if c[0] != 1 || c[1] != 0 || c[2] != 0 || c[3] != 1 {
		t.Errorf("Correlation with a constant column = %v, want [1 0 0 1]", c)
	}
	if fro, mean := CorrelationDifference(x, x, 2); fro != 0 || mean != 0 {
		t.Errorf("CorrelationDifference of a table with itself = %v, %v; want 0, 0", fro, mean)
	}
	if d := DCR([]float32{0, 0, 3, 4}, []float32{3, 4, 0, 1}, 2); d[0] != 1 || d[1] != 0 {
		t.Errorf("DCR = %v, want [1 0]", d)
	}
}

func TestLogisticRegressionSeparatesClassesAndIsDeterministic(t *testing.T) {
	// Three clusters along two features, with a noise feature.
	var x []float32
	var y []int
	for i := range 90 {
		c := i % 3
		x = append(x, float32(c*3)+float32(i%7)*0.2, float32(-c*2)+float32(i%5)*0.3, float32(i%11))
		y = append(y, c)
	}
	m, err := FitLogistic(x, 3, y, 3, LogisticOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if acc := m.Accuracy(x, y); acc < 0.99 {
		t.Errorf("training accuracy on separable clusters = %v, want >= 0.99", acc)
	}
	m2, _ := FitLogistic(x, 3, y, 3, LogisticOptions{})
	for i := range m.W {
		if m.W[i] != m2.W[i] {
			t.Fatal("two fits of the same data differ")
		}
	}
	if _, err := FitLogistic(x, 3, append([]int{5}, y[1:]...), 3, LogisticOptions{}); err == nil {
		t.Error("a label outside [0, k) was accepted")
	}
}
