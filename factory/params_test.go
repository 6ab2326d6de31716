package factory

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestWithDefaultsPreservesUserParametersAndFillsOnlyMissingOnes(t *testing.T) {
	user := map[string]any{"beta": 4.0, "encoder_type": "cnn"}
	got := WithDefaults(user, map[string]any{"beta": 1.0, "beta_warmup_steps": 1000})
	want := map[string]any{"beta": 4.0, "encoder_type": "cnn", "beta_warmup_steps": 1000}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("WithDefaults = %v, want %v", got, want)
	}
	if len(user) != 2 {
		t.Fatal("WithDefaults changed the user's map")
	}
	if got := WithDefaults(nil, nil); got == nil || len(got) != 0 {
		t.Fatalf("WithDefaults(nil, nil) = %v, want an empty map", got)
	}
}

func TestGettersAcceptEveryNumericFormYAMLAndJSONProduce(t *testing.T) {
	p := map[string]any{
		"int": 7, "u64": uint64(7), "i64": int64(7), "whole_float": 7.0, "json": json.Number("7"),
		"rate": 0.5, "exp_string": "1e-4", "flag": true, "name": "mlp",
		"list": []any{uint64(64), 128.0, 256}, "ints": []int{1, 2}, "scalar_list": 32,
	}
	for _, k := range []string{"int", "u64", "i64", "whole_float", "json"} {
		if v, err := GetInt(p, k, 0); err != nil || v != 7 {
			t.Errorf("GetInt(%s) = %v, %v", k, v, err)
		}
		if v, err := GetFloat(p, k, 0); err != nil || v != 7 {
			t.Errorf("GetFloat(%s) = %v, %v", k, v, err)
		}
	}
	if v, err := GetFloat(p, "exp_string", 0); err != nil || v != 1e-4 {
		t.Errorf("GetFloat(exp_string) = %v, %v", v, err)
	}
	if v, err := GetBool(p, "flag", false); err != nil || !v {
		t.Errorf("GetBool = %v, %v", v, err)
	}
	if v, err := GetString(p, "name", ""); err != nil || v != "mlp" {
		t.Errorf("GetString = %v, %v", v, err)
	}
	for k, want := range map[string][]int{"list": {64, 128, 256}, "ints": {1, 2}, "scalar_list": {32}} {
		if v, err := GetInts(p, k, nil); err != nil || !reflect.DeepEqual(v, want) {
			t.Errorf("GetInts(%s) = %v, %v; want %v", k, v, err, want)
		}
	}
}

func TestGettersReturnDefaultWhenMissing(t *testing.T) {
	if v, _ := GetInt(nil, "x", 3); v != 3 {
		t.Error("GetInt default")
	}
	if v, _ := GetFloat(nil, "x", 0.5); v != 0.5 {
		t.Error("GetFloat default")
	}
	if v, _ := GetBool(nil, "x", true); !v {
		t.Error("GetBool default")
	}
	if v, _ := GetString(nil, "x", "d"); v != "d" {
		t.Error("GetString default")
	}
	if v, _ := GetInts(nil, "x", []int{1}); !reflect.DeepEqual(v, []int{1}) {
		t.Error("GetInts default")
	}
}

func TestGettersNameTheParameterAndTheBadValue(t *testing.T) {
	p := map[string]any{"latent_dim": 2.5, "beta": "high", "use_bn": "yes", "kind": 3, "dims": []any{64, "x"}, "nan": "nan"}
	for _, c := range []struct {
		err  error
		want string
	}{
		{second(GetInt(p, "latent_dim", 0)), `parameter "latent_dim" must be an integer, got 2.5 (float64)`},
		{second(GetFloat(p, "beta", 0)), `parameter "beta" must be a number, got string "high"`},
		{second(GetFloat(p, "nan", 0)), `parameter "nan" must be a number, got string "nan"`},
		{second(GetBool(p, "use_bn", false)), `parameter "use_bn" must be true or false, got string "yes"`},
		{second(GetString(p, "kind", "")), `parameter "kind" must be a string, got 3 (int)`},
		{second(GetInts(p, "dims", nil)), `parameter "dims" must be a list of integers, got string "x" at index 1`},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error = %v, want %s", c.err, c.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }
