package metrics

import (
	"github.com/artifex-go/artifex/internal/goldentest"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

type golden struct {
	X, Y, Probs    [][]float64
	Sym            []float64
	SymEigenvalues []float64          `json:"sym_eigenvalues"`
	PSD            []float64          `json:"psd"`
	PSDSqrt        []float64          `json:"psd_sqrt"`
	FID            float64            `json:"fid"`
	MMD2Poly       float64            `json:"mmd2_poly"`
	MMD2RBF        float64            `json:"mmd2_rbf_sigma2"`
	PRDC           map[string]float64 `json:"prdc_k5"`
	InceptionScore [2]float64         `json:"inception_score_splits3"`
}

func loadGolden(t *testing.T) golden { return goldentest.Load[golden](t, "testdata/golden.json") }

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

func TestSymEigenMatchesNumpy(t *testing.T) {
	g := loadGolden(t)
	vals, vecs, err := SymEigen(g.Sym, 6)
	if err != nil {
		t.Fatal(err)
	}
	sorted := append([]float64(nil), vals...)
	for i := range sorted { // insertion sort: eigvalsh reports them ascending
		for j := i; j > 0 && sorted[j] < sorted[j-1]; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	for i, want := range g.SymEigenvalues {
		near(t, "eigenvalue", sorted[i], want, 1e-12)
	}
	// V·diag(λ)·Vᵀ gives the matrix back.
	for i := 0; i < 6; i++ {
		for j := 0; j < 6; j++ {
			var s float64
			for k := 0; k < 6; k++ {
				s += vecs[i*6+k] * vals[k] * vecs[j*6+k]
			}
			near(t, "reconstruction", s, g.Sym[i*6+j], 1e-12)
		}
	}
}

func TestSqrtPSDMatchesScipyAndSquaresBack(t *testing.T) {
	g := loadGolden(t)
	r, err := SqrtPSD(g.PSD, 6)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range g.PSDSqrt {
		near(t, "sqrtm", r[i], want, 1e-10)
	}
	for i, v := range matMul(r, r, 6) {
		near(t, "sqrt²", v, g.PSD[i], 1e-10)
	}
}

func TestFIDMatchesScipy(t *testing.T) {
	g := loadGolden(t)
	got, err := FID(g.X, g.Y)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "FID", got, g.FID, 1e-9)
}

func TestFrechetDistanceOfShiftedAndScaledGaussiansIsAnalytic(t *testing.T) {
	// N(μ₁, diag σ₁²) vs N(μ₂, diag σ₂²): ‖μ₁−μ₂‖² + Σ (σ₁ᵢ − σ₂ᵢ)².
	a := Gaussian{Dim: 3, Mean: []float64{0, 1, 2}, Cov: []float64{1, 0, 0, 0, 4, 0, 0, 0, 9}}
	b := Gaussian{Dim: 3, Mean: []float64{1, 1, 0}, Cov: []float64{4, 0, 0, 0, 4, 0, 0, 0, 1}}
	got, err := FrechetDistance(a, b)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "Fréchet distance", got, 1+4+(1+0+4), 1e-12)

	// The same covariance, rotated away from the axes, only the means count.
	c := Gaussian{Dim: 2, Mean: []float64{0, 0}, Cov: []float64{2, 1, 1, 2}}
	d := Gaussian{Dim: 2, Mean: []float64{3, 4}, Cov: []float64{2, 1, 1, 2}}
	if got, err = FrechetDistance(c, d); err != nil {
		t.Fatal(err)
	}
	near(t, "shifted Gaussians", got, 25, 1e-12)
}

func TestFIDOfASetWithItselfIsZero(t *testing.T) {
	g := loadGolden(t)
	got, err := FID(g.X, g.X)
	if err != nil {
		t.Fatal(err)
	}
	if got > 1e-9 {
		t.Errorf("FID(x, x) = %g, want 0", got)
	}
}

func TestFIDOfSampledGaussiansApproachesTheAnalyticValue(t *testing.T) {
	// 20 000 draws each of N(0, I₄) and N(0.5, 4 I₄): FID → 4·0.25 + 4·(2−1)² = 5.
	s := tensor.NewRngs(3).Stream("test")
	draw := func(mean, std float64) [][]float64 {
		x := make([][]float64, 20000)
		for i := range x {
			x[i] = make([]float64, 4)
			for j := range x[i] {
				x[i][j] = mean + std*s.NormFloat64()
			}
		}
		return x
	}
	got, err := FID(draw(0, 1), draw(0.5, 2))
	if err != nil {
		t.Fatal(err)
	}
	near(t, "FID of sampled Gaussians", got, 5, 0.03)
}

func TestMMD2MatchesNumpy(t *testing.T) {
	g := loadGolden(t)
	got, err := MMD2(g.X, g.Y, PolynomialKernel(8))
	if err != nil {
		t.Fatal(err)
	}
	near(t, "MMD² (cubic kernel)", got, g.MMD2Poly, 1e-10)
	if got, err = MMD2(g.X, g.Y, RBFKernel(2)); err != nil {
		t.Fatal(err)
	}
	near(t, "MMD² (RBF σ=2)", got, g.MMD2RBF, 1e-10)
}

func TestKIDWithWholeSetsIsTheFullMMD(t *testing.T) {
	g := loadGolden(t)
	s := tensor.NewRngs(1).Stream("kid")
	mean, std, err := KID(g.X, g.Y, KIDOptions{Subsets: 3, SubsetSize: 1000}, s)
	if err != nil {
		t.Fatal(err)
	}
	// Subsets of size min(1000, 120, 100) = 100 are drawn from x; y is whole.
	if mean <= 0 || std < 0 {
		t.Fatalf("KID = %g ± %g", mean, std)
	}
	mean, std, err = KID(g.X[:100], g.Y, KIDOptions{Subsets: 2}, s)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := MMD2(g.X[:100], g.Y, PolynomialKernel(8))
	near(t, "KID", mean, want, 1e-12)
	near(t, "KID std", std, 0, 1e-12)
}

func TestKIDOfSameDistributionIsNearZero(t *testing.T) {
	s := tensor.NewRngs(5).Stream("test")
	draw := func() [][]float64 {
		x := make([][]float64, 400)
		for i := range x {
			x[i] = []float64{s.NormFloat64(), s.NormFloat64(), s.NormFloat64()}
		}
		return x
	}
	same, _, err := KID(draw(), draw(), KIDOptions{Subsets: 5, SubsetSize: 200}, s)
	if err != nil {
		t.Fatal(err)
	}
	shifted := draw()
	for _, r := range shifted {
		r[0] += 1
	}
	apart, _, err := KID(draw(), shifted, KIDOptions{Subsets: 5, SubsetSize: 200}, s)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(same) > 0.02 || apart < 0.1 {
		t.Errorf("KID same distribution %g (want ≈ 0), shifted %g (want clearly > 0)", same, apart)
	}
}

func TestInceptionScoreMatchesNumpyAndItsBounds(t *testing.T) {
	g := loadGolden(t)
	mean, std, err := InceptionScore(g.Probs, 3)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "IS", mean, g.InceptionScore[0], 1e-12)
	near(t, "IS std", std, g.InceptionScore[1], 1e-12)

	// Confident predictions spread evenly over 4 classes score 4; one
	// class distribution for every image scores 1.
	confident := [][]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}
	if mean, _, _ = InceptionScore(confident, 1); math.Abs(mean-4) > 1e-12 {
		t.Errorf("IS of confident even predictions = %g, want 4", mean)
	}
	same := [][]float64{{0.3, 0.7}, {0.3, 0.7}, {0.3, 0.7}}
	if mean, _, _ = InceptionScore(same, 1); math.Abs(mean-1) > 1e-12 {
		t.Errorf("IS of identical predictions = %g, want 1", mean)
	}
}

func TestPRDCMatchesNumpy(t *testing.T) {
	g := loadGolden(t)
	got, err := ComputePRDC(g.X, g.Y, 5)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "precision", got.Precision, g.PRDC["precision"], 1e-12)
	near(t, "recall", got.Recall, g.PRDC["recall"], 1e-12)
	near(t, "density", got.Density, g.PRDC["density"], 1e-12)
	near(t, "coverage", got.Coverage, g.PRDC["coverage"], 1e-12)
}

func TestPRDCOfASetWithItselfIsOne(t *testing.T) {
	g := loadGolden(t)
	got, err := ComputePRDC(g.X, g.X, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got != (PRDC{1, 1, 1, 1}) {
		t.Errorf("PRDC(x, x) = %+v, want all 1", got)
	}
}

func TestMetricsRejectBadInput(t *testing.T) {
	g := loadGolden(t)
	ragged := [][]float64{{1, 2}, {3}}
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"FID of ragged rows", second(FID(ragged, ragged)), "different lengths"},
		{"FID of one row", second(FID(g.X[:1], g.Y)), "at least 2"},
		{"FID of different dimensions", second(FID(g.X, [][]float64{{1}, {2}})), "dimensions"},
		{"MMD of empty set", second(MMD2(nil, g.Y, RBFKernel(1))), "no feature vectors"},
		{"PRDC with k too large", second(ComputePRDC(g.X[:5], g.Y, 5)), "1 ≤ k < set sizes"},
		{"IS with too many splits", third(InceptionScore(g.Probs[:2], 3)), "splits must be in [1, 2]"},
		{"KID with negative subsets", third(KID(g.X, g.Y, KIDOptions{Subsets: -1}, nil)), "must be ≥ 0"},
		{"KID subsets without a stream", third(KID(g.X, g.Y, KIDOptions{SubsetSize: 50}, nil)), "no random stream"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, c.err, c.want)
		}
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

func TestLikelihoodConversionsHaveKnownAnswers(t *testing.T) {
	// A uniform distribution over 8-bit pixels: 8 bits per dimension.
	nll := 784 * math.Log(256)
	bpd, err := BitsPerDim(nll, 784)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "bits/dim of uniform bytes", bpd, 8, 1e-12)
	// A uniform density on [0, 1]^D has log-density 0; the integers it
	// dequantises get probability 256^-D.
	near(t, "discrete NLL", DiscreteNLL(0, 784), nll, 1e-12)
	if _, err := BitsPerDim(1, 0); err == nil {
		t.Error("zero dimensions accepted")
	}

	// Equal weights: the bound is −log w whatever k is.
	b, err := IWAEBound([]float64{-90, -90, -90})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "IWAE bound of equal weights", b, 90, 1e-12)
	// Weights 1 and 3 (log 0, log 3): −log 2. Huge magnitudes stay finite.
	b, _ = IWAEBound([]float64{0, math.Log(3)})
	near(t, "IWAE bound", b, -math.Log(2), 1e-12)
	b, _ = IWAEBound([]float64{-1e4, -1e4 + math.Log(3)})
	near(t, "IWAE bound far from 0", b, 1e4-math.Log(2), 1e-12)
	if _, err := IWAEBound(nil); err == nil {
		t.Error("no samples accepted")
	}
}

func TestClassBalanceCountsEntropyAndConfidence(t *testing.T) {
	probs := [][]float64{{0.95, 0.05, 0}, {0.6, 0.4, 0}, {0.05, 0.95, 0}, {0.1, 0.9, 0}}
	b, err := BalanceOfClasses(probs)
	if err != nil {
		t.Fatal(err)
	}
	// Classes 0 and 1 twice each, class 2 never: entropy ln 2; two rows above 0.9.
	if !slices.Equal(b.Counts, []int{2, 2, 0}) || b.Present != 2 || math.Abs(b.Entropy-math.Log(2)) > 1e-12 || b.Confident != 0.5 {
		t.Errorf("got %v", b)
	}
	collapsed, _ := BalanceOfClasses([][]float64{{0, 1}, {0, 1}})
	if collapsed.Present != 1 || collapsed.Entropy != 0 {
		t.Errorf("one class: %v", collapsed)
	}
	if _, err := BalanceOfClasses(nil); err == nil || !strings.Contains(err.Error(), "class balance") {
		t.Errorf("no rows: %v", err)
	}
}
