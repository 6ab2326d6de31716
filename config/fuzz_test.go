package config

import (
	"math"
	"reflect"
	"testing"
	"time"
)

// FuzzParseYAML checks that no YAML document makes Parse panic, hang or
// grow without bound (the fuzzer's memory limit catches the last), that
// Validate never panics on what Parse accepts, and that what Parse accepts
// encodes to YAML and JSON that parse back to the same configuration.
// Seeds: testdata/fuzz/FuzzParseYAML. Longer runs: docs/reliability.md.
func FuzzParseYAML(f *testing.F) {
	f.Add([]byte(seedYAML))
	f.Fuzz(func(t *testing.T, doc []byte) { checkParse(t, doc, "fuzz.yaml") })
}

// FuzzParseJSON is FuzzParseYAML for JSON documents.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"name": "m", "model_class": "VAE", "input_dim": [28, 28, 1], "hidden_dims": [64], "output_dim": 8, "parameters": {"kl_weight": 1.0}, "metadata": {"training_defaults": {"lr": 1e-3}}, "tags": ["vision"]}`))
	f.Fuzz(func(t *testing.T, doc []byte) { checkParse(t, doc, "fuzz.json") })
}

func checkParse(t *testing.T, doc []byte, name string) {
	start := time.Now()
	cfg, err := Parse(doc, name)
	// Generous for a loaded machine: the checks are linear, and a document
	// within the limits parses in milliseconds.
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Parse of %d bytes took %v", len(doc), d)
	}
	if err != nil {
		return
	}
	_ = cfg.Validate() // only whether it panics matters
	for _, format := range []Format{YAML, JSON} {
		out, err := cfg.Encode(format)
		if err != nil {
			if format == JSON && hasNonFinite(cfg) {
				continue // JSON cannot hold NaN or infinities; Encode says so
			}
			t.Fatalf("accepted configuration does not encode as %s: %v\n%#v", format, err, cfg)
		}
		back, err := Parse(out, "again."+string(format))
		if err != nil {
			t.Fatalf("%s encoding does not parse: %v\n%s", format, err, out)
		}
		if !sameConfig(cfg, back) {
			t.Fatalf("%s round trip changed the configuration:\n%#v\n%#v\n%s", format, cfg, back, out)
		}
	}
}

func hasNonFinite(c ModelConfiguration) bool {
	return len(checkFinite("", c.Parameters)) > 0 || len(checkFinite("", c.Metadata)) > 0
}

// sameConfig is reflect.DeepEqual except that NaN equals NaN and an empty
// map or list equals a missing one (Encode omits both).
func sameConfig(a, b ModelConfiguration) bool {
	return reflect.DeepEqual(canonical(a), canonical(b))
}

func canonical(c ModelConfiguration) ModelConfiguration {
	c = c.Clone()
	if len(c.InputDim) == 0 {
		c.InputDim = nil
	}
	if len(c.HiddenDims) == 0 {
		c.HiddenDims = nil
	}
	if len(c.OutputDim) == 0 {
		c.OutputDim = nil
	}
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	c.Parameters, _ = canonicalValue(c.Parameters).(map[string]any)
	c.Metadata, _ = canonicalValue(c.Metadata).(map[string]any)
	return c
}

func canonicalValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return nil
		}
		for k, e := range x {
			x[k] = canonicalValue(e)
		}
	case []any:
		for i, e := range x {
			x[i] = canonicalValue(e)
		}
	case float64:
		if math.IsNaN(x) {
			return "NaN"
		}
	}
	return v
}
