package config

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestAsIntAcceptsWholeNumbersInEveryDecodedForm(t *testing.T) {
	for _, v := range []any{7, int64(7), uint64(7), int32(7), 7.0, float32(7), json.Number("7"), json.Number("7.0")} {
		if i, ok := AsInt(v); !ok || i != 7 {
			t.Errorf("AsInt(%#v) = %d, %v", v, i, ok)
		}
	}
	for _, v := range []any{7.5, "7", true, nil, uint64(1 << 63), []any{7}} {
		if _, ok := AsInt(v); ok {
			t.Errorf("AsInt(%#v) accepted", v)
		}
	}
}

func TestAsFloatAcceptsNumbersAndFiniteNumericStrings(t *testing.T) {
	for v, want := range map[any]float64{1: 1, 0.5: 0.5, "1e-4": 1e-4, uint64(3): 3, json.Number("2.5"): 2.5} {
		if f, ok := AsFloat(v); !ok || f != want {
			t.Errorf("AsFloat(%#v) = %v, %v", v, f, ok)
		}
	}
	for _, v := range []any{"nan", "inf", "fast", true, nil} {
		if _, ok := AsFloat(v); ok {
			t.Errorf("AsFloat(%#v) accepted", v)
		}
	}
}

func TestAsFloatRefusesNaNAndInfinityInEveryForm(t *testing.T) {
	// YAML's .nan and .inf decode to float64; 1e400 to a string; JSON's
	// 1e400 to a number that does not fit.
	for _, v := range []any{math.NaN(), math.Inf(1), math.Inf(-1), float32(math.Inf(1)), "1e400", "-1.0e400", json.Number("1e400")} {
		if f, ok := AsFloat(v); ok {
			t.Errorf("AsFloat(%#v) = %v, accepted", v, f)
		}
	}
	if got := Describe(math.NaN()); got != "NaN (not a finite number)" {
		t.Errorf("Describe(NaN) = %q, want it to say why NaN is refused", got)
	}
}

func TestAsIntsReportsTheBadIndex(t *testing.T) {
	if got, _, ok := AsInts([]any{uint64(64), 128.0}); !ok || !reflect.DeepEqual(got, []int{64, 128}) {
		t.Errorf("AsInts list = %v, %v", got, ok)
	}
	if got, _, ok := AsInts(32); !ok || !reflect.DeepEqual(got, []int{32}) {
		t.Errorf("AsInts scalar = %v, %v", got, ok)
	}
	if _, bad, ok := AsInts([]float64{1, 2.5}); ok || bad != 1 {
		t.Errorf("AsInts([1 2.5]) bad index = %d, ok %v", bad, ok)
	}
	if _, bad, ok := AsInts("x"); ok || bad != -1 {
		t.Errorf("AsInts(string) bad index = %d, ok %v", bad, ok)
	}
}
