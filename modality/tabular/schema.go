// Package tabular is the tabular modality: tables of typed columns
// (numerical, categorical, ordinal, binary) read from CSV, encoded into
// the vectors the models see and decoded back into rows; the mixed-type
// likelihood that replaces a VAE's image likelihood; the adaptation of
// VAEs and flows to it; the real tables it trains on (scikit-learn's
// data sets as Debian ships them); and the metrics of synthetic tables
// (per-column KS and total variation, correlation difference, distance
// to the closest record, train-on-synthetic/test-on-real accuracy).
package tabular

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Kind is the type of a column, which decides its encoding.
type Kind string

// The column kinds.
const (
	// Numerical columns hold real numbers, encoded standardised:
	// (x - mean) / std of the training table.
	Numerical Kind = "numerical"
	// Categorical columns hold one of K unordered categories, encoded
	// one-hot over K entries (Encoder.Indices gives the index, for an
	// embedding).
	Categorical Kind = "categorical"
	// Ordinal columns hold one of L ordered levels, encoded as the rank
	// scaled to [0, 1], rank/(L-1); decoding rounds and clamps.
	Ordinal Kind = "ordinal"
	// Binary columns hold one of two values, encoded 0 or 1 (the second
	// category is 1).
	Binary Kind = "binary"
)

// Kinds lists the column kinds in the order errors name them.
var Kinds = []Kind{Numerical, Categorical, Ordinal, Binary}

// Column describes one column of a table.
type Column struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Categories are the values of a categorical column (in index order),
	// the two values of a binary column (the second encodes as 1) or the
	// levels of an ordinal column, lowest first. Numerical columns have
	// none.
	Categories []string `json:"categories,omitempty"`
}

// Width returns the number of entries the column takes in an encoded row.
func (c Column) Width() int {
	if c.Kind == Categorical {
		return len(c.Categories)
	}
	return 1
}

// index returns the position of value among the column's categories.
func (c Column) index(value string) (int, bool) {
	i := slices.Index(c.Categories, value)
	if i >= 0 {
		return i, true
	}
	// Numeric levels match by value, so that "2.0" is the level "2".
	if v, err := strconv.ParseFloat(value, 64); err == nil {
		for j, cat := range c.Categories {
			if w, err := strconv.ParseFloat(cat, 64); err == nil && w == v {
				return j, true
			}
		}
	}
	return -1, false
}

// check reports what is wrong with the column's description.
func (c Column) check() error {
	if strings.TrimSpace(c.Name) == "" {
		return fmt.Errorf("column with an empty name")
	}
	need := map[Kind]int{Categorical: 2, Ordinal: 2, Binary: 2}
	switch c.Kind {
	case Numerical:
		if len(c.Categories) > 0 {
			return fmt.Errorf("numerical column %q must not list categories, got %v", c.Name, c.Categories)
		}
	case Categorical, Ordinal:
		if len(c.Categories) < need[c.Kind] {
			return fmt.Errorf("%s column %q needs at least 2 categories, got %v", c.Kind, c.Name, c.Categories)
		}
	case Binary:
		if len(c.Categories) != 2 {
			return fmt.Errorf("binary column %q needs exactly 2 categories, got %v", c.Name, c.Categories)
		}
	default:
		return fmt.Errorf("column %q has unknown kind %q; kinds: %s", c.Name, c.Kind, kindList())
	}
	seen := map[string]bool{}
	for _, v := range c.Categories {
		if seen[v] {
			return fmt.Errorf("%s column %q lists category %q twice", c.Kind, c.Name, v)
		}
		seen[v] = true
	}
	return nil
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Schema is the ordered list of a table's columns.
type Schema []Column

// Check reports the first bad column or a repeated name.
func (s Schema) Check() error {
	if len(s) == 0 {
		return fmt.Errorf("tabular: schema has no columns")
	}
	seen := map[string]bool{}
	for _, c := range s {
		if err := c.check(); err != nil {
			return fmt.Errorf("tabular: schema: %w", err)
		}
		if seen[c.Name] {
			return fmt.Errorf("tabular: schema: column %q appears twice", c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}

// Index returns the position of the named column, or -1.
func (s Schema) Index(name string) int {
	return slices.IndexFunc(s, func(c Column) bool { return c.Name == name })
}

// Width returns the length of an encoded row.
func (s Schema) Width() int {
	w := 0
	for _, c := range s {
		w += c.Width()
	}
	return w
}

// MaxOrdinalLevels is the widest range of integer values (max - min + 1)
// Infer takes for an ordinal column; wider makes it numerical.
const MaxOrdinalLevels = 10

// Infer guesses a schema from a table's values: a column whose values all
// parse as numbers is binary with two distinct values, ordinal when they
// are integers spanning at most MaxOrdinalLevels values (ratings 1–5),
// numerical
// otherwise; any other column is binary with two distinct values and
// categorical otherwise. Levels and categories are sorted (numerically
// when numbers). A column with one distinct value is an error: it carries
// nothing to learn.
func Infer(t *Table) (Schema, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	s := make(Schema, len(t.Header))
	for j, name := range t.Header {
		distinct := map[string]bool{}
		numeric, integer := true, true
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, row := range t.Rows {
			v := row[j]
			distinct[v] = true
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				numeric = false
			} else {
				integer = integer && f == math.Trunc(f)
				lo, hi = min(lo, f), max(hi, f)
			}
		}
		values := make([]string, 0, len(distinct))
		for v := range distinct {
			values = append(values, v)
		}
		if len(values) < 2 {
			return nil, fmt.Errorf("tabular: infer: column %q has a single value %q; drop it or give a schema", name, values[0])
		}
		if numeric {
			slices.SortFunc(values, func(a, b string) int {
				x, _ := strconv.ParseFloat(a, 64)
				y, _ := strconv.ParseFloat(b, 64)
				return cmpFloat(x, y)
			})
		} else {
			slices.Sort(values)
		}
		c := Column{Name: name}
		switch {
		case len(values) == 2:
			c.Kind, c.Categories = Binary, values
		case numeric && integer && hi-lo+1 <= MaxOrdinalLevels:
			c.Kind, c.Categories = Ordinal, values
		case numeric:
			c.Kind = Numerical
		default:
			c.Kind, c.Categories = Categorical, values
		}
		s[j] = c
	}
	return s, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
