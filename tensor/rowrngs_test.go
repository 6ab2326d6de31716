package tensor

import (
	"slices"
	"strings"
	"testing"
)

// TestRowRngsDrawEachPartsRowsAsThePartWouldAlone checks the contract a
// server's batching rests on: whatever the other parts of a batch, a part
// gets the values its own streams give, call after call.
func TestRowRngsDrawEachPartsRowsAsThePartWouldAlone(t *testing.T) {
	seeds, rows := []uint64{7, 1, 7}, []int{2, 3, 1}
	draws := []struct {
		name string
		draw func(s *Stream, n int) []float32
	}{
		{"Normal", func(s *Stream, n int) []float32 { return s.Normal(n, 3, 2).Data() }},
		{"NormalScaled", func(s *Stream, n int) []float32 { return s.NormalScaled(1, 0.5, n, 4).Data() }},
		{"TruncatedNormal", func(s *Stream, n int) []float32 { return s.TruncatedNormal(0, 1, -0.5, 0.5, n, 5).Data() }},
		{"Uniform", func(s *Stream, n int) []float32 { return s.Uniform(-1, 1, n, 2).Data() }},
		{"BernoulliP", func(s *Stream, n int) []float32 { return s.BernoulliP(0.3, n, 6).Data() }},
		{"Bernoulli", func(s *Stream, n int) []float32 {
			p := Full(0.5, n, 6)
			return s.Bernoulli(p).Data()
		}},
		{"Categorical", func(s *Stream, n int) []float32 {
			logits := Zeros(n, 3, 10)
			var out []float32
			for _, c := range s.Categorical(logits) {
				out = append(out, float32(c))
			}
			return out
		}},
	}
	for _, d := range draws {
		t.Run(d.name, func(t *testing.T) {
			parts := make([]*Rngs, len(seeds))
			for i, seed := range seeds {
				parts[i] = NewRngs(seed)
			}
			batch := RowRngs(parts, rows)
			total := 0
			for _, n := range rows {
				total += n
			}
			alone := make([]*Rngs, len(seeds))
			for i, seed := range seeds {
				alone[i] = NewRngs(seed)
			}
			for call := range 3 { // the parts' streams must advance as alone, not only start so
				got := d.draw(batch.Sample(), total)
				var want []float32
				for i, n := range rows {
					want = append(want, d.draw(alone[i].Sample(), n)...)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("call %d: batch drew %v, the parts alone %v", call, got, want)
				}
			}
		})
	}
}

func TestRowRngsOfOnePartAreThatPartsStreams(t *testing.T) {
	got := RowRngs([]*Rngs{NewRngs(3)}, []int{4}).Stream("noise").Normal(4, 8).Data()
	want := NewRngs(3).Stream("noise").Normal(4, 8).Data()
	if !slices.Equal(got, want) {
		t.Fatal("a single part's rows differ from its own stream's draw")
	}
}

func TestRowRngsForkForksEachPart(t *testing.T) {
	batch := RowRngs([]*Rngs{NewRngs(1), NewRngs(2)}, []int{1, 2}).Fork("sub")
	got := batch.Sample().Normal(3, 2).Data()
	want := append(NewRngs(1).Fork("sub").Sample().Normal(1, 2).Data(), NewRngs(2).Fork("sub").Sample().Normal(2, 2).Data()...)
	if !slices.Equal(got, want) {
		t.Fatalf("forked row streams drew %v, the forked parts %v", got, want)
	}
}

func TestRowRngsRefuseWhatHasNoRows(t *testing.T) {
	s := RowRngs([]*Rngs{NewRngs(1), NewRngs(2)}, []int{1, 2})
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"Intn", "Intn from a stream split by rows", func() { s.Sample().Intn(3) }},
		{"Float64", "Float64 from a stream split by rows", func() { s.Sample().Float64() }},
		{"Permutation", "Permutation from a stream split by rows", func() { s.Sample().Permutation(3) }},
		{"wrong rows", "the first dimension must be the rows", func() { s.Sample().Normal(4, 2) }},
		{"scalar tensor", "the first dimension must be the rows", func() { s.Sample().Normal() }},
		{"State", "State of streams split by rows", func() { s.State() }},
		{"mismatched", "2 parts for 1 row counts", func() { RowRngs([]*Rngs{NewRngs(1), NewRngs(2)}, []int{1}) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, c.want) {
					t.Fatalf("panic %q, want one containing %q", msg, c.want)
				}
			}()
			c.f()
		})
	}
}
