package tabular

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// mixedCSV has one column of every kind.
const mixedCSV = `age,colour,size,smoker,score
31,red,2,no,1.5
45,green,1,yes,-0.25
27,blue,3,no,2.0
52,red,2,yes,0.75
38,green,1,no,1.0
`

func readMixed(t *testing.T) *Table {
	t.Helper()
	tab, err := ReadCSV(strings.NewReader(mixedCSV))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestInferGivesEachColumnItsKind(t *testing.T) {
	s, err := Infer(readMixed(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Schema{
		{Name: "age", Kind: Numerical},
		{Name: "colour", Kind: Categorical, Categories: []string{"blue", "green", "red"}},
		{Name: "size", Kind: Ordinal, Categories: []string{"1", "2", "3"}},
		{Name: "smoker", Kind: Binary, Categories: []string{"no", "yes"}},
		{Name: "score", Kind: Numerical},
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("Infer = %+v\nwant %+v", s, want)
	}
	if s.Width() != 1+3+1+1+1 {
		t.Errorf("Width = %d, want 7", s.Width())
	}
}

func TestEncodeValuesAndDecodeRoundTrip(t *testing.T) {
	tab := readMixed(t)
	s, _ := Infer(tab)
	e, err := Fit(s, tab)
	if err != nil {
		t.Fatal(err)
	}
	x, err := e.Encode(tab)
	if err != nil {
		t.Fatal(err)
	}
	// Row 1: age 31 standardised, red one-hot, size 2 of 1..3 → 0.5, no → 0.
	mean := (31.0 + 45 + 27 + 52 + 38) / 5
	var v float64
	for _, a := range []float64{31, 45, 27, 52, 38} {
		v += (a - mean) * (a - mean)
	}
	std := math.Sqrt(v / 5)
	row := x[:7]
	want := []float32{float32((31 - mean) / std), 0, 0, 1, 0.5, 0}
	for i, w := range want {
		if math.Abs(float64(row[i]-w)) > 1e-6 {
			t.Fatalf("encoded row 1 = %v, want prefix %v", row, want)
		}
	}
	back, err := e.Decode(x)
	if err != nil {
		t.Fatal(err)
	}
	// Numbers come back with the training table's decimals: "2.0" keeps
	// two, so 1.5 is "1.50".
	wantRows := [][]string{
		{"31", "red", "2", "no", "1.50"},
		{"45", "green", "1", "yes", "-0.25"},
		{"27", "blue", "3", "no", "2.00"},
		{"52", "red", "2", "yes", "0.75"},
		{"38", "green", "1", "no", "1.00"},
	}
	if !reflect.DeepEqual(back.Rows, wantRows) {
		t.Errorf("decoded rows = %v, want %v", back.Rows, wantRows)
	}
	var buf bytes.Buffer
	if err := back.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "age,colour,size,smoker,score\n31,red,2,no,1.50\n") {
		t.Errorf("CSV = %q", buf.String())
	}
}

func TestDecodeReadsModelOutputs(t *testing.T) {
	tab := readMixed(t)
	s, _ := Infer(tab)
	e, _ := Fit(s, tab)
	// Scores pick the largest category, ordinals round and clamp, binaries
	// threshold at 1/2.
	out := []float32{
		0, 0.2, 0.7, 0.1, 0.8, 0.6, 0,
		0, 3, 1, 2, -4.0, 0.3, 0,
		0, 1, 1, 0, 9.0, 0.5, 0,
	}
	got, err := e.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	cols := func(r []string) []string { return r[1:4] }
	for i, want := range [][]string{{"green", "3", "yes"}, {"blue", "1", "no"}, {"blue", "3", "yes"}} {
		if !reflect.DeepEqual(cols(got.Rows[i]), want) {
			t.Errorf("row %d decodes to %v, want %v", i, cols(got.Rows[i]), want)
		}
	}
	p := append([]float32(nil), out[:7]...)
	if err := e.Project(p); err != nil {
		t.Fatal(err)
	}
	if want := []float32{0, 0, 1, 0, 1, 1, 0}; !reflect.DeepEqual(p, want) {
		t.Errorf("Project = %v, want %v", p, want)
	}
	if _, err := e.Decode(out[:5]); err == nil || !strings.Contains(err.Error(), "rows of 7") {
		t.Errorf("a partial row gave %v", err)
	}
}

func TestIndicesGiveEmbeddingInputs(t *testing.T) {
	tab := readMixed(t)
	s, _ := Infer(tab)
	e, _ := Fit(s, tab)
	idx, err := e.Indices(tab, "colour")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 1, 0, 2, 1}; !reflect.DeepEqual(idx, want) {
		t.Errorf("Indices(colour) = %v, want %v", idx, want)
	}
	if _, err := e.Indices(tab, "age"); err == nil || !strings.Contains(err.Error(), "numerical") {
		t.Errorf("Indices of a numerical column gave %v", err)
	}
}

func TestBadTablesAndSchemasAreClearErrors(t *testing.T) {
	tab := readMixed(t)
	s, _ := Infer(tab)
	e, _ := Fit(s, tab)
	for _, c := range []struct {
		name, csv, want string
	}{
		{"unknown category", "age,colour,size,smoker,score\n30,purple,1,no,1\n", `value "purple" is not one of blue, green, red`},
		{"not a number", "age,colour,size,smoker,score\nold,red,1,no,1\n", `numerical column "age": value "old" is not a finite number`},
		{"other columns", "age,colour\n30,red\n", "do not match the schema's"},
	} {
		other, err := ReadCSV(strings.NewReader(c.csv))
		if err == nil {
			_, err = e.Encode(other)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to say %q", c.name, err, c.want)
		}
	}
	if _, err := ReadCSV(strings.NewReader("a,b\n1,\n")); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("an empty cell gave %v", err)
	}
	if _, err := Infer(&Table{Header: []string{"a", "b"}, Rows: [][]string{{"1", "x"}, {"2", "x"}}}); err == nil || !strings.Contains(err.Error(), "single value") {
		t.Errorf("a constant column gave %v", err)
	}
	for _, bad := range []Schema{
		{{Name: "a", Kind: "text"}},
		{{Name: "a", Kind: Binary, Categories: []string{"x"}}},
		{{Name: "a", Kind: Numerical}, {Name: "a", Kind: Numerical}},
		{{Name: "a", Kind: Categorical, Categories: []string{"x", "x"}}},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("schema %+v accepted", bad)
		}
	}
}

// The likelihood is the sum of the per-kind terms, computed here by hand.
func TestLikelihoodMatchesHandComputedTerms(t *testing.T) {
	tab := readMixed(t)
	s, _ := Infer(tab)
	e, _ := Fit(s, tab)
	l := NewLikelihood(e)
	if l.Continuous() != 3 { // age, size (ordinal), score
		t.Fatalf("Continuous = %d, want 3", l.Continuous())
	}
	x := tensor.FromSlice([]float32{0.5, 0, 1, 0, 0.5, 1, -1}, 1, 7)
	out := tensor.FromSlice([]float32{0.1, 1, 2, 0.5, 0.25, -0.3, -0.5}, 1, 7)
	ls := tensor.FromSlice([]float32{0, 0.5, -0.2}, 3)
	got := float64(l.NLL(out, x, ls).Item())
	gauss := func(v, mu, logS float64) float64 {
		z := (v - mu) / math.Exp(logS)
		return 0.5*z*z + logS + 0.5*math.Log(2*math.Pi)
	}
	lse := math.Log(math.Exp(1) + math.Exp(2) + math.Exp(0.5))
	want := gauss(0.5, 0.1, 0) + gauss(0.5, 0.25, 0.5) + gauss(-1, -0.5, -0.2) +
		(lse - 2) + // colour green
		math.Log(1+math.Exp(0.3)) // smoker yes under logit -0.3: -log σ(-0.3)
	if math.Abs(got-want) > 1e-5 {
		t.Fatalf("NLL = %v, want %v", got, want)
	}
}

func TestLikelihoodGradientsMatchFiniteDifferences(t *testing.T) {
	tab := readMixed(t)
	s, _ := Infer(tab)
	e, _ := Fit(s, tab)
	l := NewLikelihood(e)
	xv, _ := e.Encode(tab)
	x := tensor.FromSlice(xv, 5, 7)
	st := tensor.NewRngs(1).Stream("t")
	out := st.Normal(5, 7).SetRequiresGrad(true)
	ls := tensor.Scale(st.Normal(3), 0.3).Detach().SetRequiresGrad(true)
	f := func() float64 { return float64(tensor.Sum(l.NLL(out, x, ls)).Item()) }
	g := tensor.Grad([]*tensor.Tensor{tensor.Sum(l.NLL(out, x, ls))}, []*tensor.Tensor{out, ls}, false)
	for k, p := range []*tensor.Tensor{out, ls} {
		for i := range p.Data() {
			old := p.Data()[i]
			const h = 1e-2
			p.Data()[i] = old + h
			up := f()
			p.Data()[i] = old - h
			down := f()
			p.Data()[i] = old
			num := (up - down) / (2 * h)
			if an := float64(g[k].Data()[i]); math.Abs(an-num) > 2e-2*(1+math.Abs(num)) {
				t.Fatalf("input %d entry %d: analytic gradient %v, finite difference %v", k, i, an, num)
			}
		}
	}
}

func TestStratifiedSplitIsDeterministicAndKeepsClassShares(t *testing.T) {
	tab := &Table{Header: []string{"v", "c"}}
	for i := range 50 {
		c := "a"
		if i%5 == 0 {
			c = "b"
		}
		tab.Rows = append(tab.Rows, []string{string(rune('0' + i%10)), c})
	}
	tr, te := StratifiedSplit(tab, 1, 0.2, 7)
	tr2, te2 := StratifiedSplit(tab, 1, 0.2, 7)
	if !reflect.DeepEqual(tr.Rows, tr2.Rows) || !reflect.DeepEqual(te.Rows, te2.Rows) {
		t.Fatal("the same seed gave two splits")
	}
	count := func(t *Table, c string) int {
		n := 0
		for _, r := range t.Rows {
			if r[1] == c {
				n++
			}
		}
		return n
	}
	if tr.Len() != 40 || te.Len() != 10 || count(te, "b") != 2 || count(te, "a") != 8 {
		t.Errorf("split %d/%d with %d b and %d a in test; want 40/10, 2 b, 8 a", tr.Len(), te.Len(), count(te, "b"), count(te, "a"))
	}
}
