package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml/parser"
)

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

// parseRefusedQuickly parses body and wants an error that names the file,
// a line and column, and want, within a time that no hang or bomb
// expansion could meet: the checks cost one pass over the document.
func parseRefusedQuickly(t *testing.T, name, body, want string) {
	t.Helper()
	start := time.Now()
	_, err := Parse([]byte(body), name)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("%s (%d bytes): accepted", name, len(body))
	}
	if !strings.Contains(err.Error(), want) || !regexp.MustCompile(regexp.QuoteMeta(name)+`:\d+:\d+: `).MatchString(err.Error()) {
		t.Errorf("%s: error %q should name the file, line and column and contain %q", name, err, want)
	}
	if elapsed > 2*time.Second {
		t.Errorf("%s: refused after %v; the checks are one linear pass", name, elapsed)
	}
}

// aliasBomb returns levels lines, each anchoring a map of fan aliases to
// the line before: the last one stands for fan^levels values.
func aliasBomb(indent string, levels, fan int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%sl0: &l0 [lol]\n", indent)
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "%sl%d: &l%d {", indent, i, i)
		for j := range fan {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "k%d: *l%d", j, i-1)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// flowAliasBomb is aliasBomb as one flow list, to sit under any key.
func flowAliasBomb(levels, fan int) string {
	parts := []string{"&l0 [1]"}
	for i := 1; i < levels; i++ {
		parts = append(parts, fmt.Sprintf("&l%d [%s]", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), fan), ", ")))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestParseRefusesAliasBombsByCountingExpandedValues(t *testing.T) {
	const head = "name: bomb\nmodel_class: VAE\n"
	// The issue's case: 10 levels of 10 aliases under metadata, about 1 KB.
	issue := head + "metadata:\n" + aliasBomb("  ", 10, 10)
	if len(issue) > 1300 {
		t.Fatalf("the issue's bomb is a 1.2 KB file, built %d bytes", len(issue))
	}
	parseRefusedQuickly(t, "bomb.yaml", issue, "config.Limits.MaxNodes")
	for key, body := range map[string]string{
		"parameters":         head + "parameters:\n" + aliasBomb("  ", 10, 10),
		"hidden_dims":        head + "hidden_dims: " + flowAliasBomb(10, 10) + "\n",
		"input_dim":          head + "input_dim: " + flowAliasBomb(10, 10) + "\n",
		"tags":               head + "tags: " + flowAliasBomb(10, 10) + "\n",
		"nested metadata":    head + "metadata:\n  notes:\n    deeper:\n" + aliasBomb("      ", 10, 10),
		"used under another": head + "metadata:\n" + aliasBomb("  ", 9, 10) + "parameters:\n  p: [*l8, *l8, *l8, *l8, *l8, *l8, *l8, *l8, *l8, *l8, *l8, *l8]\n",
		"wide and shallow":   head + "metadata:\n" + aliasBomb("  ", 4, 400),
		"merge keys":         head + "metadata:\n  m0: &m0 {a: 1}\n" + mergeBomb(12),
		"second of two fans": head + "metadata:\n" + aliasBomb("  ", 3, 10) + aliasBomb("  x", 8, 10),
	} {
		t.Run(key, func(t *testing.T) { parseRefusedQuickly(t, "bomb.yaml", body, "config.Limits.MaxNodes") })
	}
}

// mergeBomb anchors levels maps, each merging the previous one twice.
func mergeBomb(levels int) string {
	var b strings.Builder
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "  m%d: &m%d {<<: [*m%d, *m%d], k%d: [*m%d, *m%d]}\n", i, i, i-1, i-1, i, i-1, i-1)
	}
	return b.String()
}

func TestParseKeepsAliasesThatExpandWithinTheLimitAsCopies(t *testing.T) {
	cfg, err := Parse([]byte("name: a\nmodel_class: VAE\nmetadata:\n  base: &b {lr: 0.001, sizes: [1, 2]}\n  other: *b\n"), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base, other := cfg.Metadata["base"].(map[string]any), cfg.Metadata["other"].(map[string]any)
	if !reflect.DeepEqual(base, other) || base["lr"] != 0.001 {
		t.Fatalf("alias should repeat its anchor: base %v, other %v", base, other)
	}
	other["lr"] = 1.0
	if base["lr"] != 0.001 {
		t.Error("editing the alias's copy changed the anchor's map: aliased values must not be shared")
	}
}

func TestParseRefusesDeepNestingBeforeParsing(t *testing.T) {
	deepBlockMaps := func(levels int) string {
		var b strings.Builder
		b.WriteString("metadata:\n")
		for i := 1; i <= levels; i++ {
			fmt.Fprintf(&b, "%sa:\n", strings.Repeat(" ", i))
		}
		return b.String()
	}
	deepBlockLists := func(levels int) string {
		// A list may sit at its key's column: the shape that nests fastest per column.
		var b strings.Builder
		b.WriteString("metadata:\n  a:\n")
		for i := 1; i <= levels; i++ {
			fmt.Fprintf(&b, "%s- a:\n", strings.Repeat("  ", i))
		}
		return b.String()
	}
	for _, c := range []struct{ what, name, body string }{
		{"100,000 [ (the issue)", "deep.yaml", strings.Repeat("[", 100_000)},
		{"50,000 {a: (the issue)", "deep.yaml", strings.Repeat("{a: ", 50_000)},
		{"100,000 [ under input_dim", "deep.yaml", "input_dim: " + strings.Repeat("[", 100_000)},
		{"closed brackets under metadata", "deep.yaml", "metadata: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)},
		{"closed maps under parameters", "deep.yaml", "parameters:\n  a: " + strings.Repeat("{a: ", 50_000) + "1" + strings.Repeat("}", 50_000)},
		{"mixed lists and maps", "deep.yaml", "metadata: " + strings.Repeat("[{a: ", 30_000)},
		{"block lists on one line", "deep.yaml", "tags:\n" + strings.Repeat("- ", 50_000) + "x\n"},
		{"indented block maps", "deep.yaml", deepBlockMaps(1000)},
		{"block lists at their keys' columns", "deep.yaml", deepBlockLists(500)},
		{"JSON lists", "deep.json", strings.Repeat("[", 100_000)},
		{"JSON maps", "deep.json", strings.Repeat(`{"a":`, 50_000)},
		// Deep enough to pass encoding/json's own limit of 10,000, with an
		// unknown key that sends the document to the YAML reader for its position.
		{"JSON with an unknown key", "deep.json", `{"unknown": 1, "metadata": ` + strings.Repeat(`{"a":`, 9000) + "1" + strings.Repeat("}", 9000) + "}"},
	} {
		t.Run(c.what, func(t *testing.T) { parseRefusedQuickly(t, c.name, c.body, "config.Limits.MaxDepth") })
	}
}

func TestMaxDepthIsExactForFlowBlockJSONAndAliases(t *testing.T) {
	flow := func(k int) string { // depth 1 + k
		return "metadata: " + strings.Repeat("{a: ", k) + "1" + strings.Repeat("}", k) + "\n"
	}
	block := func(k int) string {
		var b strings.Builder
		for i := range k + 1 {
			fmt.Fprintf(&b, "%s%s:\n", strings.Repeat("  ", i), map[bool]string{true: "metadata", false: "a"}[i == 0])
		}
		return b.String()
	}
	jsonDoc := func(k int) string {
		return `{"metadata": ` + strings.Repeat(`{"a": `, k) + "1" + strings.Repeat("}", k) + "}"
	}
	// An anchor 50 deep used about 50 deep (the top map and metadata's
	// map are two levels): only the expanded tree is too deep.
	aliased := func(k int) string {
		return "metadata:\n  x: &x " + strings.Repeat("[", 50) + strings.Repeat("]", 50) + "\n  y: " + strings.Repeat("[", k-51) + "*x" + strings.Repeat("]", k-51) + "\n"
	}
	for what, doc := range map[string]func(int) string{"flow": flow, "block": block, "JSON": jsonDoc, "aliases": aliased} {
		name := "d.yaml"
		if what == "JSON" {
			name = "d.json"
		}
		if _, err := Parse([]byte(doc(99)), name); err != nil {
			t.Errorf("%s: nesting of exactly 100 levels refused: %v", what, err)
		}
		if _, err := Parse([]byte(doc(100)), name); err == nil || !strings.Contains(err.Error(), "config.Limits.MaxDepth") {
			t.Errorf("%s: nesting of 101 levels: %v, want the MaxDepth error", what, err)
		}
		if _, err := (Limits{MaxDepth: 200}).Parse([]byte(doc(150)), name); err != nil {
			t.Errorf("%s: a raised MaxDepth of 200 refused 151 levels: %v", what, err)
		}
	}
}

func TestParseAndLoadRefuseDocumentsOverMaxBytes(t *testing.T) {
	big := "name: big\nmodel_class: VAE\ndescription: " + strings.Repeat("x", DefaultLimits.MaxBytes) + "\n"
	if _, err := Parse([]byte(big), "big.yaml"); err == nil || !strings.Contains(err.Error(), "config.Limits.MaxBytes") {
		t.Errorf("Parse of %d bytes: %v, want the MaxBytes error", len(big), err)
	}
	path := writeFile(t, "big.yaml", big)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "config.Limits.MaxBytes") || !strings.Contains(err.Error(), path) {
		t.Errorf("Load of %d bytes: %v, want the MaxBytes error naming the file", len(big), err)
	}
	cfg, err := Limits{MaxBytes: 2 * DefaultLimits.MaxBytes}.Load(path)
	if err != nil || len(cfg.Description) != DefaultLimits.MaxBytes {
		t.Errorf("Load with MaxBytes raised: %v, description of %d bytes", err, len(cfg.Description))
	}
}

func TestMaxNodesCanBeLoweredAndRaised(t *testing.T) {
	doc := []byte("name: a\nmodel_class: VAE\nhidden_dims: [1, 2, 3, 4, 5, 6, 7, 8]\n")
	if _, err := (Limits{MaxNodes: 10}).Parse(doc, "a.yaml"); err == nil || !strings.Contains(err.Error(), "a.yaml:3:") {
		t.Errorf("15 values under a limit of 10: %v, want an error at line 3", err)
	}
	bomb := []byte("name: a\nmodel_class: VAE\nmetadata:\n" + aliasBomb("  ", 5, 10))
	if _, err := (Limits{MaxNodes: 1_000_000}).Parse(bomb, "a.yaml"); err != nil {
		t.Errorf("11,111 expanded values under a raised limit: %v", err)
	}
}

func TestTagsWithoutValuesAreErrorsWithLineNotPanics(t *testing.T) {
	for _, body := range []string{
		"hidden_dims: !foo\n", // the issue's two
		"tags: !foo\n",
		"input_dim: !foo\n",
		"output_dim: !bar\n",
		"hidden_dims: !!str\n",
		"hidden_dims: !!seq\n",
		"tags: !!map\n",
		"name: !foo\n",
		"metadata:\n  notes: !foo\n",
		"parameters:\n  sizes: !!seq\n",
		"hidden_dims: &a !foo\n",
	} {
		path := writeFile(t, "t.yaml", "model_class: VAE\n"+body)
		_, err := Load(path)
		if err == nil || !regexp.MustCompile(regexp.QuoteMeta(path)+`:[23]:\d+: `).MatchString(err.Error()) {
			t.Errorf("%q: %v, want an error at the file's line 2 or 3", body, err)
		}
	}
	for _, issue := range []string{"name: x\nmodel_class: VAE\nhidden_dims: !foo\n", "name: x\nmodel_class: VAE\ntags: !foo\n"} {
		path := writeFile(t, "t.yaml", issue)
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path+":3:") || !strings.Contains(err.Error(), "tag !foo is followed by no value") {
			t.Errorf("the issue's file %q: %v, want the tag refused at line 3", issue, err)
		}
	}
	if cfg, err := Parse([]byte("model_class: VAE\nhidden_dims: !!python/tuple [1, 2]\n"), "t.yaml"); err != nil || !reflect.DeepEqual(cfg.HiddenDims, []int{1, 2}) {
		t.Errorf("a tag with a value (PyYAML's tuples) should still read: %v, %v", cfg.HiddenDims, err)
	}
}

func TestDecoderPanicsBecomeErrorsAtTheTopLevelValue(t *testing.T) {
	// Bypass the tree check that refuses `!foo` first, to reach the
	// library's nil dereference and the recovery behind it.
	file, err := parser.ParseBytes([]byte("name: x\nmodel_class: VAE\nhidden_dims: !foo\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	var c ModelConfiguration
	err = decodeNode(file.Docs[0].Body, &c)
	var pe *PositionError
	if !errors.As(err, &pe) || pe.Line != 3 || !strings.Contains(pe.Msg, "YAML decoder failed") {
		t.Errorf("decodeNode = %v, want a PositionError at line 3 saying the decoder failed", err)
	}
}

func TestNonFiniteNumbersAreValidationErrorsWithTheirPath(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"a.yaml", "parameters:\n  kl_weight: .nan\n", "parameters.kl_weight must be a finite number, got NaN"},
		{"a.yaml", "parameters:\n  kl_weight: 1e400\n", "parameters.kl_weight must be a finite number, got 1e400"},
		{"a.yaml", "parameters:\n  kl_weight: -1.0e400\n", "parameters.kl_weight must be a finite number, got -1.0e400, which overflows"},
		{"a.yaml", "parameters:\n  kl_weight: .inf\n", "parameters.kl_weight must be a finite number, got +Inf"},
		{"a.yaml", "parameters:\n  betas: [0.9, .NaN]\n", "parameters.betas[1] must be a finite number"},
		{"a.yaml", "metadata:\n  training_defaults:\n    learning_rate: -.inf\n", "metadata.training_defaults.learning_rate must be a finite number"},
		{"a.yaml", "metadata:\n  schedule: [{lr: 1e999}]\n", "metadata.schedule[0].lr must be a finite number"},
		{"a.json", `{"parameters": {"kl_weight": 1e400}}`, "parameters.kl_weight must be a finite number, got +Inf"},
	} {
		cfg, err := Parse([]byte(c.body), c.name)
		if err != nil {
			t.Fatalf("%q: %v", c.body, err)
		}
		cfg.ModelClass = "VAE"
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: Validate = %v, want %q", c.body, err, c.want)
		}
	}
	ok := ModelConfiguration{ModelClass: "VAE", Parameters: map[string]any{"kl_weight": 1e300, "note": "inf", "n": "nan"}}
	if err := ok.Validate(); err != nil {
		t.Errorf("large finite numbers and strings that merely spell inf or nan are valid: %v", err)
	}
}

func TestEncodeWritesEveryStringSoItReadsBackTheSame(t *testing.T) {
	// Found by FuzzParseYAML: the YAML library wrote the key "<<" plain,
	// which reads back as a merge, and a tab plain, which reads back
	// dropped. The others are the cases a plain scalar cannot hold.
	strs := []string{"<<", "tab\there", "", " lead", "trail ", "yes", "No", "null", "~", "1e-4", "0x1F", "12", "1.0.0",
		"a: b", "a #b", "#a", "-", "- a", "*a", "&a", "!a", "[a]", "{a}", "'q'", `"q"`, "back\\slash", "line\nbreak\n",
		"cr\r", "\x00\x1b", "\u2028", "\ufeffbom", "é", "😀", "2001-12-14", "a, b (c) = d; e's", ".inf", ".nan"}
	c := ModelConfiguration{Name: "vae_mnist", ModelClass: "VAE", Parameters: map[string]any{}, Metadata: map[string]any{}}
	for i, s := range strs {
		c.Parameters[fmt.Sprint("v", i)] = s
		c.Metadata[s] = i
		c.Tags = append(c.Tags, s)
	}
	c.Description = strings.Join(strs, "|")
	out, err := c.Encode(YAML)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out, "again.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip changed strings:\n%#v\n%#v\n%s", c, back, out)
	}
	if !strings.Contains(string(out), "name: vae_mnist\nmodel_class: VAE\n") {
		t.Errorf("plain words should stay unquoted:\n%s", out)
	}
}

func TestParseRefusesInvalidUTF8WithItsPosition(t *testing.T) {
	for _, name := range []string{"a.yaml", "a.json"} {
		_, err := Parse([]byte("{\"name\":\n \"x\xffy\"}"), name)
		if err == nil || !strings.Contains(err.Error(), name+":2:4: not valid UTF-8") {
			t.Errorf("%s: %v, want the position of the bad byte", name, err)
		}
	}
}
