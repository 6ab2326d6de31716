package config

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/goccy/go-yaml/ast"
)

// Dims is a shape: one size or several. In YAML and JSON it is written as
// a scalar when it has one element (output_dim: 64) and as a list otherwise
// (input_dim: [28, 28, 1]); both forms are read.
type Dims []int

// Size returns the number of elements of the shape (the product of the
// dims); 0 for an empty shape.
func (d Dims) Size() int {
	if len(d) == 0 {
		return 0
	}
	n := 1
	for _, v := range d {
		n *= v
	}
	return n
}

// MarshalYAML writes a single dim as a scalar and several as a list.
func (d Dims) MarshalYAML() (any, error) {
	if len(d) == 1 {
		return d[0], nil
	}
	return []int(d), nil
}

// MarshalJSON writes a single dim as a number and several as an array.
func (d Dims) MarshalJSON() ([]byte, error) {
	if len(d) == 1 {
		return json.Marshal(d[0])
	}
	return json.Marshal([]int(d))
}

// UnmarshalYAML reads an integer or a list of integers. Errors carry the
// line and column of the offending value.
func (d *Dims) UnmarshalYAML(node ast.Node) error {
	switch n := node.(type) {
	case *ast.SequenceNode:
		dims := make(Dims, 0, len(n.Values))
		for _, v := range n.Values {
			i, err := nodeInt(v)
			if err != nil {
				return err
			}
			dims = append(dims, i)
		}
		*d = dims
		return nil
	case *ast.NullNode:
		*d = nil
		return nil
	}
	i, err := nodeInt(node)
	if err != nil {
		return err
	}
	*d = Dims{i}
	return nil
}

func nodeInt(node ast.Node) (int, error) {
	if n, ok := node.(*ast.IntegerNode); ok {
		switch v := n.Value.(type) {
		case int64:
			return int(v), nil
		case uint64:
			if v <= math.MaxInt {
				return int(v), nil
			}
		}
	}
	if n, ok := node.(*ast.FloatNode); ok && n.Value == math.Trunc(n.Value) && math.Abs(n.Value) < 1<<53 {
		return int(n.Value), nil
	}
	tok := node.GetToken()
	return 0, &PositionError{Line: tok.Position.Line, Column: tok.Position.Column,
		Msg: fmt.Sprintf("dimension must be an integer or a list of integers, got %s", node.String())}
}

// UnmarshalJSON reads an integer or an array of integers.
func (d *Dims) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*d = nil
		return nil
	case float64:
		i, err := jsonDim(x)
		if err != nil {
			return err
		}
		*d = Dims{i}
		return nil
	case []any:
		dims := make(Dims, 0, len(x))
		for _, e := range x {
			f, ok := e.(float64)
			if !ok {
				return fmt.Errorf("dimension must be an integer or a list of integers, got %s", b)
			}
			i, err := jsonDim(f)
			if err != nil {
				return err
			}
			dims = append(dims, i)
		}
		*d = dims
		return nil
	}
	return fmt.Errorf("dimension must be an integer or a list of integers, got %s", b)
}

func jsonDim(f float64) (int, error) {
	if f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
		return 0, fmt.Errorf("dimension must be an integer, got %v", f)
	}
	return int(f), nil
}

// PositionError is a decoding error at a line and column of a YAML or
// JSON document. Load adds the file name.
type PositionError struct {
	File         string
	Line, Column int
	Msg          string
}

// Error formats the position as file:line:column followed by the message.
func (e *PositionError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}
