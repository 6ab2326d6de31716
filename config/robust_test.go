package config

import "testing"

func TestParseReturnsErrorsNotPanicsOnMalformedInput(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"a.yaml", "- 1\n- 2\n"},
		{"a.yaml", "parameters: [1, 2]\n"},
		{"a.yaml", "input_dim: {a: 1}\n"},
		{"a.yaml", "input_dim: [[1]]\n"},
		{"a.yaml", "input_dim: 99999999999999999999999\n"},
		{"a.yaml", "tags: 3\n"},
		{"a.yaml", "name: &a [*a]\n"},
		{"a.yaml", "\t\x00"},
		{"a.json", "[]"},
		{"a.json", `{"parameters": 3}`},
		{"a.json", `{"input_dim": [1.5]}`},
		{"a.json", `{"input_dim": 1e300}`},
		{"a.json", ""},
	} {
		if _, err := Parse([]byte(c.body), c.name); err == nil {
			t.Errorf("%s %q: accepted", c.name, c.body)
		}
	}
	if cfg, err := Parse(nil, "empty.yaml"); err != nil || cfg.Validate() == nil {
		t.Errorf("empty YAML: %v; it should parse and then fail validation", err)
	}
}
