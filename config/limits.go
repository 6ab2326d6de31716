package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Limits bound the documents Load and Parse accept, so that no input can
// make reading a configuration hang or exhaust memory: a document is
// refused before anything is built from it when it is too large, nests too
// deeply or, once every YAML alias is expanded, holds too many values (an
// "alias bomb" of a kilobyte can stand for billions of values). A zero
// field means the field of DefaultLimits.
type Limits struct {
	// MaxBytes is the largest document, in bytes.
	MaxBytes int
	// MaxDepth is the deepest nesting of lists and maps, the top-level
	// mapping being depth 1, with aliases expanded.
	MaxDepth int
	// MaxNodes is the most values (scalars, lists and maps; map keys
	// included) a document may hold with every alias expanded.
	MaxNodes int
}

// DefaultLimits are the limits Load and Parse apply. They are far above
// any real configuration (the zoo's largest file is under 2 KB, nests 4
// deep and holds under 100 values); a program that needs more raises them
// here or passes its own Limits.
var DefaultLimits = Limits{MaxBytes: 1 << 20, MaxDepth: 100, MaxNodes: 100_000}

func (l Limits) orDefault() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultLimits.MaxNodes
	}
	return l
}

// Load is the package's Load under the limits l. A file larger than
// MaxBytes is refused without being read whole, whatever it is (a
// regular file, a pipe or a device).
func (l Limits) Load(path string) (ModelConfiguration, error) {
	l = l.orDefault()
	f, err := os.Open(path)
	if err != nil {
		return ModelConfiguration{}, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(l.MaxBytes)+1))
	if err != nil {
		return ModelConfiguration{}, fmt.Errorf("config: %s: %w", path, err)
	}
	return l.Parse(data, path)
}

// Parse is the package's Parse under the limits l.
func (l Limits) Parse(data []byte, name string) (ModelConfiguration, error) {
	return parse(data, name, l.orDefault())
}

func (l Limits) sizeError() error {
	return fmt.Errorf("the document is larger than the limit of %d bytes (config.Limits.MaxBytes)", l.MaxBytes)
}

func (l Limits) depthError(line, col int) error {
	return &PositionError{Line: line, Column: col,
		Msg: fmt.Sprintf("lists and maps nest deeper than the limit of %d levels (config.Limits.MaxDepth)", l.MaxDepth)}
}

func (l Limits) nodesError(line, col int) error {
	return &PositionError{Line: line, Column: col,
		Msg: fmt.Sprintf("the document holds more than the limit of %d values once its aliases are expanded (config.Limits.MaxNodes)", l.MaxNodes)}
}

// checkYAMLTokens bounds the nesting of a YAML document from its tokens,
// before the parser, whose cost grows faster than linearly with depth,
// sees them. Flow collections count their brackets; block collections
// count the distinct indentation columns of the open keys and entries,
// which in valid YAML is at most the true depth and at least half of it (a
// list may sit at its key's column), so a document that passes is cheap
// to parse, and the exact depth is checked on the tree afterwards.
func checkYAMLTokens(tokens token.Tokens, l Limits) error {
	flow := 0
	var block []int // columns of the open block collections, increasing
	for i, tk := range tokens {
		col := 0
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
			continue
		case token.SequenceEntryType, token.MappingKeyType:
			col = tk.Position.Column
		case token.MappingValueType:
			if i > 0 {
				col = tokens[i-1].Position.Column // the key's column
			}
		case token.DocumentHeaderType, token.DocumentEndType:
			flow, block = 0, block[:0]
			continue
		default:
			continue
		}
		if flow == 0 && col > 0 {
			for len(block) > 0 && block[len(block)-1] > col {
				block = block[:len(block)-1]
			}
			if len(block) == 0 || block[len(block)-1] < col {
				block = append(block, col)
			}
		}
		if len(block)+flow > l.MaxDepth {
			return l.depthError(tk.Position.Line, tk.Position.Column)
		}
	}
	return nil
}

// treeSize is the size of a YAML subtree with its aliases expanded: its
// values and the height of its nesting of lists and maps.
type treeSize struct{ nodes, height int }

// treeChecker walks a parsed YAML document once, in document order,
// computing each anchor's expanded size when it is defined, so that an
// alias costs a lookup however large the tree it stands for.
type treeChecker struct {
	l       Limits
	anchors map[string]treeSize
	nodes   int // values so far, aliases expanded
}

// checkYAMLTree checks the expanded size and depth of a parsed document
// against l, and refuses tags followed by no value (`key: !foo`), on
// which the YAML library's decoder dereferences nil.
func checkYAMLTree(body ast.Node, l Limits) error {
	c := &treeChecker{l: l, anchors: map[string]treeSize{}}
	_, err := c.walk(body, 0)
	return err
}

// walk measures n, which sits inside level collections.
func (c *treeChecker) walk(n ast.Node, level int) (treeSize, error) {
	switch x := n.(type) {
	case nil, *ast.CommentGroupNode, *ast.CommentNode:
		return treeSize{}, nil
	case *ast.DocumentNode:
		return c.walk(x.Body, level)
	case *ast.MappingKeyNode:
		return c.walk(x.Value, level)
	case *ast.TagNode:
		if x.Value == nil || x.Value.GetToken().Type == token.ImplicitNullType && x.Start.Value != "!!null" {
			return treeSize{}, nodeError(x, fmt.Sprintf("tag %s is followed by no value (give one, or write null without the tag)", x.Start.Value))
		}
		return c.walk(x.Value, level)
	case *ast.AnchorNode:
		name := x.Name.GetToken().Value
		// An alias inside its own anchor is decoded as null.
		c.anchors[name] = treeSize{nodes: 1}
		s, err := c.walk(x.Value, level)
		c.anchors[name] = s
		return s, err
	case *ast.AliasNode:
		s, ok := c.anchors[x.Value.GetToken().Value]
		if !ok {
			s = treeSize{nodes: 1} // the decoder reports the unknown anchor
		}
		if err := c.add(x, s.nodes); err != nil {
			return s, err
		}
		if level+s.height > c.l.MaxDepth {
			return s, c.l.depthError(at(x))
		}
		return s, nil
	case *ast.MappingNode:
		var children []ast.Node
		for _, kv := range x.Values {
			children = append(children, kv.Key, kv.Value)
		}
		return c.collection(x, children, level)
	case *ast.MappingValueNode: // a mapping of one pair
		return c.collection(x, []ast.Node{x.Key, x.Value}, level)
	case *ast.SequenceNode:
		return c.collection(x, x.Values, level)
	}
	return treeSize{nodes: 1}, c.add(n, 1)
}

func (c *treeChecker) collection(n ast.Node, children []ast.Node, level int) (treeSize, error) {
	level++
	if level > c.l.MaxDepth {
		return treeSize{}, c.l.depthError(at(n))
	}
	if err := c.add(n, 1); err != nil {
		return treeSize{}, err
	}
	s := treeSize{nodes: 1, height: 1}
	for _, child := range children {
		cs, err := c.walk(child, level)
		if err != nil {
			return s, err
		}
		s.nodes = min(s.nodes+cs.nodes, c.l.MaxNodes+1) // saturate: sizes of nested aliases multiply
		s.height = max(s.height, cs.height+1)
	}
	return s, nil
}

// add counts k more values of the document, at n.
func (c *treeChecker) add(n ast.Node, k int) error {
	c.nodes = min(c.nodes+k, c.l.MaxNodes+1)
	if c.nodes > c.l.MaxNodes {
		return c.l.nodesError(at(n))
	}
	return nil
}

// nodeError returns a PositionError at n.
func nodeError(n ast.Node, msg string) *PositionError {
	line, col := at(n)
	return &PositionError{Line: line, Column: col, Msg: msg}
}

// at returns the line and column where n starts (1, 1 for a node the
// parser gave no token).
func at(n ast.Node) (line, col int) {
	if n == nil || n.GetToken() == nil {
		return 1, 1
	}
	p := n.GetToken().Position
	return p.Line, p.Column
}

// checkJSON bounds the nesting and the number of values of a JSON
// document in one streaming pass. encoding/json refuses nesting past
// 10,000 levels by itself, but a decoding error sends the document to the
// YAML reader to locate it, which must not see deep nesting either. A
// syntax error ends the check: decoding reports it with its position.
func checkJSON(data []byte, l Limits) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	depth, nodes := 0, 0
	for {
		offset := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		if d, ok := tok.(json.Delim); ok && (d == ']' || d == '}') {
			depth--
			continue
		}
		line, col := position(data, int(offset))
		if d, ok := tok.(json.Delim); ok && (d == '[' || d == '{') {
			if depth++; depth > l.MaxDepth {
				return l.depthError(line, col)
			}
		}
		if nodes++; nodes > l.MaxNodes {
			return l.nodesError(line, col)
		}
	}
}
