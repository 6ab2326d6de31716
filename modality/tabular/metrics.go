package tabular

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// KS returns the two-sample Kolmogorov–Smirnov statistic of a and b, the
// largest distance between their empirical distribution functions:
// sup_x |F_a(x) - F_b(x)|, in [0, 1] (scipy.stats.ks_2samp's statistic).
func KS(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	var i, j int
	d := 0.0
	for i < len(x) && j < len(y) {
		// Step past every copy of the smaller value in both samples, so
		// that ties move both functions at once.
		v := min(x[i], y[j])
		for i < len(x) && x[i] == v {
			i++
		}
		for j < len(y) && y[j] == v {
			j++
		}
		d = max(d, math.Abs(float64(i)/float64(len(x))-float64(j)/float64(len(y))))
	}
	return d
}

// TVD returns the total-variation distance ½·Σ_c |p_a(c) - p_b(c)|
// between the category frequencies of a and b (indices in [0, k)), in
// [0, 1].
func TVD(a, b []int, k int) float64 {
	pa, pb := frequencies(a, k), frequencies(b, k)
	s := 0.0
	for c := range k {
		s += math.Abs(pa[c] - pb[c])
	}
	return s / 2
}

func frequencies(xs []int, k int) []float64 {
	p := make([]float64, k)
	for _, x := range xs {
		p[x]++
	}
	for c := range p {
		p[c] /= float64(max(len(xs), 1))
	}
	return p
}

// Correlation returns the Pearson correlation matrix [d·d] of the d
// columns of the row-major matrix x (n rows). A column without variance
// (a category never or always present) has correlation 0 with the others
// and 1 with itself, where numpy.corrcoef gives NaN.
func Correlation(x []float32, d int) []float64 {
	n := len(x) / d
	mean := make([]float64, d)
	for i := range n {
		for j := range d {
			mean[j] += float64(x[i*d+j])
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	cov := make([]float64, d*d)
	for i := range n {
		row := x[i*d : (i+1)*d]
		for a := range d {
			da := float64(row[a]) - mean[a]
			for b := a; b < d; b++ {
				cov[a*d+b] += da * (float64(row[b]) - mean[b])
			}
		}
	}
	c := make([]float64, d*d)
	for a := range d {
		for b := a; b < d; b++ {
			v := 0.0
			if den := math.Sqrt(cov[a*d+a] * cov[b*d+b]); den > 1e-12 {
				v = cov[a*d+b] / den
			}
			if a == b {
				v = 1
			}
			c[a*d+b], c[b*d+a] = v, v
		}
	}
	return c
}

// CorrelationDifference compares the correlation matrices of two tables
// encoded with the same d columns: the Frobenius norm of the difference
// and the mean absolute difference over the pairs of distinct columns.
func CorrelationDifference(a, b []float32, d int) (frobenius, meanAbs float64) {
	ca, cb := Correlation(a, d), Correlation(b, d)
	pairs := 0
	for i := range d {
		for j := range d {
			diff := ca[i*d+j] - cb[i*d+j]
			frobenius += diff * diff
			if j > i {
				meanAbs += math.Abs(diff)
				pairs++
			}
		}
	}
	if pairs > 0 {
		meanAbs /= float64(pairs)
	}
	return math.Sqrt(frobenius), meanAbs
}

// DCR returns, for each row of query, the Euclidean distance to the
// closest row of reference (both row-major with d columns): the distance
// to closest record. Synthetic rows much closer to the training rows than
// real test rows are copies, a privacy leak.
func DCR(query, reference []float32, d int) []float64 {
	nq, nr := len(query)/d, len(reference)/d
	out := make([]float64, nq)
	for i := range nq {
		q := query[i*d : (i+1)*d]
		best := math.Inf(1)
		for r := range nr {
			ref := reference[r*d : (r+1)*d]
			s := 0.0
			for j, v := range q {
				t := float64(v) - float64(ref[j])
				s += t * t
				if s >= best {
					break
				}
			}
			best = min(best, s)
		}
		out[i] = math.Sqrt(best)
	}
	return out
}

// Quantile returns the q-quantile of xs with linear interpolation between
// order statistics (numpy.quantile's default).
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
}

// Report holds the metrics of a synthetic table against the real one.
type Report struct {
	// KS is the KS statistic of each numerical column, synthetic against
	// real training rows; TVD the total variation of each categorical,
	// ordinal and binary column.
	KS, TVD map[string]float64
	// KSMean and TVDMean average them over the columns (NaN when none).
	KSMean, TVDMean float64
	// CorrFrobenius and CorrMeanAbs compare the correlation matrices of
	// the encoded synthetic and training rows (CorrelationDifference).
	CorrFrobenius, CorrMeanAbs float64
	// DCRSynthetic and DCRTest are the medians of the distance to the
	// closest training row of the synthetic rows and of the real test rows
	// (encoded space); DCRSynthetic5 and DCRTest5 their 5th percentiles.
	// A synthetic median well below the test median means memorised rows.
	DCRSynthetic, DCRTest, DCRSynthetic5, DCRTest5 float64
	// TSTR is the test accuracy of a classifier of the target trained on
	// the synthetic rows, TRTR that of one trained on the real training
	// rows: the utility of the synthetic table, with its ceiling.
	TSTR, TRTR float64
}

// Metrics returns the report as named values (ks_mean, tvd_mean,
// corr_frobenius, corr_mean_abs, dcr_synthetic_median, dcr_test_median,
// dcr_synthetic_p5, dcr_test_p5, tstr_accuracy, trtr_accuracy) and the
// value of each column as ks/COLUMN or tvd/COLUMN.
func (r *Report) Metrics() map[string]float64 {
	m := map[string]float64{
		"corr_frobenius": r.CorrFrobenius, "corr_mean_abs": r.CorrMeanAbs,
		"dcr_synthetic_median": r.DCRSynthetic, "dcr_test_median": r.DCRTest,
		"dcr_synthetic_p5": r.DCRSynthetic5, "dcr_test_p5": r.DCRTest5,
		"tstr_accuracy": r.TSTR, "trtr_accuracy": r.TRTR,
	}
	for c, v := range r.KS {
		m["ks/"+c] = v
	}
	for c, v := range r.TVD {
		m["tvd/"+c] = v
	}
	if !math.IsNaN(r.KSMean) {
		m["ks_mean"] = r.KSMean
	}
	if !math.IsNaN(r.TVDMean) {
		m["tvd_mean"] = r.TVDMean
	}
	return m
}

// Compare computes the report of a synthetic table against the real
// training and test tables, all with the encoder's columns; target names
// the categorical or binary column the classifiers predict from the
// other columns ("" skips TSTR and TRTR).
func Compare(enc *Encoder, train, test, synthetic *Table, target string) (*Report, error) {
	xs := map[string][]float32{}
	for name, t := range map[string]*Table{"train": train, "test": test, "synthetic": synthetic} {
		x, err := enc.Encode(t)
		if err != nil {
			return nil, fmt.Errorf("tabular: compare: %s table: %w", name, err)
		}
		xs[name] = x
	}
	r := &Report{KS: map[string]float64{}, TVD: map[string]float64{}}
	var ksSum, tvdSum float64
	for j, c := range enc.Schema {
		if c.Kind == Numerical {
			a, b := numbers(train, j), numbers(synthetic, j)
			r.KS[c.Name] = KS(a, b)
			ksSum += r.KS[c.Name]
			continue
		}
		a, _ := enc.Indices(train, c.Name)
		b, _ := enc.Indices(synthetic, c.Name)
		r.TVD[c.Name] = TVD(a, b, len(c.Categories))
		tvdSum += r.TVD[c.Name]
	}
	r.KSMean, r.TVDMean = ksSum/float64(len(r.KS)), tvdSum/float64(len(r.TVD))
	d := enc.Width()
	r.CorrFrobenius, r.CorrMeanAbs = CorrelationDifference(xs["synthetic"], xs["train"], d)
	ds, dt := DCR(xs["synthetic"], xs["train"], d), DCR(xs["test"], xs["train"], d)
	r.DCRSynthetic, r.DCRTest = Quantile(ds, 0.5), Quantile(dt, 0.5)
	r.DCRSynthetic5, r.DCRTest5 = Quantile(ds, 0.05), Quantile(dt, 0.05)
	if target == "" {
		return r, nil
	}
	var err error
	if r.TSTR, err = utility(enc, synthetic, xs["synthetic"], test, xs["test"], target); err != nil {
		return nil, err
	}
	if r.TRTR, err = utility(enc, train, xs["train"], test, xs["test"], target); err != nil {
		return nil, err
	}
	return r, nil
}

// utility trains a logistic regression of target on the other encoded
// columns of one table and returns its accuracy on another.
func utility(enc *Encoder, fit *Table, xf []float32, eval *Table, xe []float32, target string) (float64, error) {
	j := enc.Schema.Index(target)
	if j < 0 {
		return 0, fmt.Errorf("tabular: compare: no target column %q", target)
	}
	c := enc.Schema[j]
	if c.Kind != Categorical && c.Kind != Binary {
		return 0, fmt.Errorf("tabular: compare: target column %q is %s; it must be categorical or binary", target, c.Kind)
	}
	seg := enc.Segments()[j]
	yf, err := enc.Indices(fit, target)
	if err != nil {
		return 0, err
	}
	ye, err := enc.Indices(eval, target)
	if err != nil {
		return 0, err
	}
	ff, d := dropColumns(xf, enc.Width(), seg.Offset, seg.Width)
	fe, _ := dropColumns(xe, enc.Width(), seg.Offset, seg.Width)
	clf, err := FitLogistic(ff, d, yf, len(c.Categories), LogisticOptions{})
	if err != nil {
		return 0, err
	}
	return clf.Accuracy(fe, ye), nil
}

// dropColumns removes width columns from offset of a row-major matrix.
func dropColumns(x []float32, d, offset, width int) ([]float32, int) {
	n := len(x) / d
	nd := d - width
	out := make([]float32, 0, n*nd)
	for i := range n {
		row := x[i*d : (i+1)*d]
		out = append(out, row[:offset]...)
		out = append(out, row[offset+width:]...)
	}
	return out, nd
}

func numbers(t *Table, j int) []float64 {
	out := make([]float64, len(t.Rows))
	for i, r := range t.Rows {
		out[i], _ = parseNumber(r[j])
	}
	return out
}
