package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/artifex-go/artifex/internal/suggest"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Format is a file format a configuration is read from and written to.
type Format string

// The supported formats.
const (
	YAML Format = "yaml"
	JSON Format = "json"
)

// FormatOf returns the format a path's extension names: .yaml or .yml for
// YAML, .json for JSON.
func FormatOf(path string) (Format, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".yaml", ".yml":
		return YAML, nil
	case ".json":
		return JSON, nil
	default:
		return "", fmt.Errorf("%q: unsupported file extension %q (want .yaml, .yml or .json)", path, ext)
	}
}

var topLevelKeys = []string{
	"name", "model_class", "type", "description", "version", "input_dim",
	"hidden_dims", "output_dim", "activation", "parameters", "metadata", "tags",
}

// Load reads a configuration from a YAML (.yaml, .yml) or JSON (.json)
// file. Decoding is strict: an unknown top-level key, a value of the wrong
// type or a syntax error is an error naming the file, line and column.
// Load does not call Validate, so a tool can report every problem of a
// well-formed file at once. The file must keep within DefaultLimits (see
// Limits.Load for others).
func Load(path string) (ModelConfiguration, error) {
	return Limits{}.Load(path)
}

// Parse decodes a configuration from data, in the format that name's
// extension says; name is also used in error messages. Numbers inside
// Parameters and Metadata are normalised so that both formats give the
// same values: integers as int (uint64 beyond int's range), other numbers
// as float64. Values a YAML alias repeats are copies, not shared maps or
// lists. The document must keep within DefaultLimits (see Limits.Parse for
// others).
func Parse(data []byte, name string) (ModelConfiguration, error) {
	return Limits{}.Parse(data, name)
}

func parse(data []byte, name string, l Limits) (ModelConfiguration, error) {
	format, err := FormatOf(name)
	if err != nil {
		return ModelConfiguration{}, fmt.Errorf("config: %w", err)
	}
	if len(data) > l.MaxBytes {
		return ModelConfiguration{}, fmt.Errorf("config: %s: %w", name, l.sizeError())
	}
	if !utf8.Valid(data) {
		// YAML and JSON are Unicode; a reader would otherwise pass the
		// bytes on or replace them silently.
		line, col := position(data, invalidUTF8(data))
		return ModelConfiguration{}, fmt.Errorf("config: %w", &PositionError{File: name, Line: line, Column: col, Msg: "not valid UTF-8"})
	}
	var c ModelConfiguration
	if format == JSON {
		err = decodeJSON(data, &c, l)
	} else {
		err = decodeYAML(data, &c, l)
	}
	if err != nil {
		var pe *PositionError
		if errors.As(err, &pe) {
			pe.File = name
			return ModelConfiguration{}, fmt.Errorf("config: %w", pe)
		}
		return ModelConfiguration{}, fmt.Errorf("config: %s: %w", name, err)
	}
	c.Parameters = normalizeMap(c.Parameters)
	c.Metadata = normalizeMap(c.Metadata)
	return c, nil
}

// decodeYAML decodes strictly, after checking the document against l
// from its tokens (nesting) and from its tree (nesting and values with
// aliases expanded, tags without values), and turns the library's errors
// into PositionErrors, whose text does not quote the source.
func decodeYAML(data []byte, c *ModelConfiguration, l Limits) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML reader failed on this document: %v", r)
		}
	}()
	tokens := lexer.Tokenize(string(data))
	if err := checkYAMLTokens(tokens, l); err != nil {
		return err
	}
	file, err := parser.Parse(tokens, 0)
	if err != nil {
		return yamlError(err)
	}
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return nil
	}
	body := file.Docs[0].Body
	if err := checkYAMLTree(body, l); err != nil {
		return err
	}
	return yamlError(decodeNode(body, c))
}

// decodeNode decodes a document's body into c. The YAML library's decoder
// has panicked on trees its parser accepts; a panic becomes an error at
// the top-level value that causes it.
func decodeNode(body ast.Node, c *ModelConfiguration) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = nodeError(panicking(body), fmt.Sprintf("the YAML decoder failed on this value: %v", r))
		}
	}()
	return yaml.NodeToValue(body, c, yaml.DisallowUnknownField())
}

// panicking returns the value of the first top-level key of body whose
// decoding alone panics, or body when there is none.
func panicking(body ast.Node) ast.Node {
	var pairs []*ast.MappingValueNode
	switch b := body.(type) {
	case *ast.MappingNode:
		pairs = b.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{b}
	}
	for _, kv := range pairs {
		if panics(kv) && kv.Value != nil {
			return kv.Value
		}
	}
	return body
}

func panics(kv *ast.MappingValueNode) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	var c ModelConfiguration
	yaml.NodeToValue(kv, &c) // only whether it panics matters
	return false
}

// yamlError converts an error of the YAML library into a PositionError.
func yamlError(err error) error {
	if err == nil {
		return nil
	}
	var pe *PositionError
	if errors.As(err, &pe) {
		return pe
	}
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		tok := ye.GetToken()
		msg := ye.GetMessage()
		var ue *yaml.UnknownFieldError
		if errors.As(err, &ue) {
			key := tok.Value
			hint := ""
			if close := suggest.Closest(key, topLevelKeys); len(close) > 0 {
				hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(close, ", "))
			}
			msg = fmt.Sprintf("unknown key %q%s; known keys: %s", key, hint, strings.Join(topLevelKeys, ", "))
		}
		return &PositionError{Line: tok.Position.Line, Column: tok.Position.Column, Msg: msg}
	}
	return err
}

// decodeJSON decodes with encoding/json, which keeps JSON's number
// semantics exactly; for errors that encoding/json reports without a
// position (unknown fields, bad dims) the YAML decoder, which reads JSON
// too, is asked where the problem is.
func decodeJSON(data []byte, c *ModelConfiguration, l Limits) error {
	if err := checkJSON(data, l); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	err := dec.Decode(c)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			line, col := position(data, int(dec.InputOffset()))
			return &PositionError{Line: line, Column: col, Msg: "unexpected data after the configuration object"}
		}
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(data, int(se.Offset))
		return &PositionError{Line: line, Column: col, Msg: strings.TrimPrefix(se.Error(), "json: ")}
	}
	var probe ModelConfiguration
	if yerr := decodeYAML(data, &probe, l); yerr != nil {
		var pe *PositionError
		if errors.As(yerr, &pe) {
			return pe
		}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		line, col := position(data, int(te.Offset))
		return &PositionError{Line: line, Column: col, Msg: fmt.Sprintf("%s: cannot use a JSON %s here", te.Field, te.Value)}
	}
	return err
}

// invalidUTF8 returns the offset of the first byte that is not part of
// valid UTF-8 in data.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, offset int) (line, col int) {
	offset = min(max(offset, 0), len(data))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = offset - bytes.LastIndexByte(before, '\n')
	return line, col
}

// Save writes c to path in the format its extension names, so that Load
// returns a configuration equal to c.
func (c ModelConfiguration) Save(path string) error {
	format, err := FormatOf(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	data, err := c.Encode(format)
	if err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// Encode returns c in the given format. Floating-point values in
// Parameters and Metadata are always written with a decimal point (1.0,
// 1.0e-05) so that they read back as floats, not integers or strings.
func (c ModelConfiguration) Encode(format Format) ([]byte, error) {
	switch format {
	case YAML:
		w := c
		w.Parameters = mapWith(c.Parameters, func(f float64) (any, error) { return yamlFloat(f), nil })
		w.Metadata = mapWith(c.Metadata, func(f float64) (any, error) { return yamlFloat(f), nil })
		return yaml.MarshalWithOptions(w, yaml.IndentSequence(true), yaml.CustomMarshaler(yamlString))
	case JSON:
		toNumber := func(f float64) (any, error) {
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, fmt.Errorf("JSON cannot hold %v", f)
			}
			return json.Number(formatFloat(f)), nil
		}
		w := c
		var perr, merr error
		w.Parameters, perr = mapWithErr(c.Parameters, toNumber)
		w.Metadata, merr = mapWithErr(c.Metadata, toNumber)
		if err := errors.Join(perr, merr); err != nil {
			return nil, err
		}
		out, err := json.MarshalIndent(w, "", "  ")
		if err != nil {
			return nil, err
		}
		return append(out, '\n'), nil
	}
	return nil, fmt.Errorf("unsupported format %q", format)
}

// yamlString writes a string, value or map key, so that it reads back as
// the same string: plain when it is a word that cannot mean anything else,
// double-quoted otherwise. The library's own rule misses cases (a tab, a
// "<<" key, which then reads as a merge) and quotes with Go's escapes, not
// YAML's. Invalid UTF-8 becomes U+FFFD, as in encoding/json.
func yamlString(s string) ([]byte, error) {
	if plainWord(s) {
		return []byte(s), nil
	}
	b := []byte{'"'}
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r < 0x20 || r >= 0x7f && !unicode.IsPrint(r) || r == '\uFEFF':
			b = fmt.Appendf(b, `\U%08x`, r)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"'), nil
}

// plainWord reports whether s may be written unquoted: ASCII letters,
// digits, spaces and _ . / - , ( ) + = ; ' inside, starting with a letter,
// none of the library's own reasons to quote (": ", " #", a trailing
// space), and no word YAML reads as a boolean or null.
func plainWord(s string) bool {
	if s == "" || !unicode.IsLetter(rune(s[0])) || s[0] >= utf8.RuneSelf || token.IsNeedQuoted(s) {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null":
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(" _./-,()+=;'", c) >= 0) {
			return false
		}
	}
	return true
}

// yamlFloat writes a float64 so the YAML reader takes it back as a float:
// the library writes 1e-05, which YAML 1.2 reads as a string.
type yamlFloat float64

// MarshalYAML writes the float as a YAML float literal.
func (f yamlFloat) MarshalYAML() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(".nan"), nil
	case math.IsInf(v, 1):
		return []byte(".inf"), nil
	case math.IsInf(v, -1):
		return []byte("-.inf"), nil
	}
	return []byte(formatFloat(v)), nil
}

// formatFloat writes the shortest exact form of f with a decimal point in
// its mantissa: 1 → "1.0", 1e-05 → "1.0e-05".
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	mant, exp, hasExp := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if hasExp {
		return mant + "e" + exp
	}
	return mant
}

func mapWith(m map[string]any, conv func(float64) (any, error)) map[string]any {
	out, _ := mapWithErr(m, conv)
	return out
}

// mapWithErr copies m, replacing every float (at any depth) by conv's
// result.
func mapWithErr(m map[string]any, conv func(float64) (any, error)) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		cv, err := floatsWith(v, conv)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		out[k] = cv
	}
	return out, nil
}

func floatsWith(v any, conv func(float64) (any, error)) (any, error) {
	switch x := v.(type) {
	case float64:
		return conv(x)
	case float32:
		return conv(float64(x))
	case map[string]any:
		return mapWithErr(x, conv)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ce, err := floatsWith(e, conv)
			if err != nil {
				return nil, err
			}
			out[i] = ce
		}
		return out, nil
	case []float64:
		out := make([]any, len(x))
		for i, e := range x {
			ce, err := conv(e)
			if err != nil {
				return nil, err
			}
			out[i] = ce
		}
		return out, nil
	}
	return v, nil
}

// normalizeMap gives decoded numbers one representation whatever the
// format: int for integers that fit, float64 for the rest; nested maps get
// string keys. It copies every map and list, so that what a YAML alias
// repeated is no longer shared.
func normalizeMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = normalize(v)
	}
	return out
}

func normalize(v any) any {
	switch x := v.(type) {
	case uint64:
		if x <= math.MaxInt {
			return int(x)
		}
	case int64:
		return int(x)
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 0); err == nil {
			return int(i)
		}
		if u, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return u
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		return normalizeMap(x)
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}
