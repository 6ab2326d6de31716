package tabular

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Segment is the place of one column in an encoded row.
type Segment struct {
	Column int  // index in the schema
	Kind   Kind // the column's kind
	Offset int  // first entry
	Width  int  // entries: K for categorical, 1 otherwise
}

// Encoder turns the rows of a table into vectors and back. Fit it on the
// training table; the same statistics then serve the test table and the
// decoding of generated rows.
type Encoder struct {
	Schema Schema
	// Mean and Std are, per column, the training mean and (population)
	// standard deviation of numerical columns (zero for the others); a
	// constant column gets Std 1.
	Mean, Std []float64
	// Decimals are, per numerical column, the most decimal places seen in
	// the training table: decoded values are written with as many.
	Decimals []int

	segments []Segment
}

// Fit checks that every cell of t fits the schema (its columns, in order,
// and their categories) and computes the statistics of the numerical
// columns.
func Fit(s Schema, t *Table) (*Encoder, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := headerMatches(s, t.Header); err != nil {
		return nil, err
	}
	e := &Encoder{Schema: s, Mean: make([]float64, len(s)), Std: make([]float64, len(s)), Decimals: make([]int, len(s))}
	for j, c := range s {
		if c.Kind != Numerical {
			continue
		}
		var sum, sq float64
		for i, r := range t.Rows {
			v, err := parseNumber(r[j])
			if err != nil {
				return nil, fmt.Errorf("tabular: row %d, numerical column %q: %w", i+1, c.Name, err)
			}
			sum += v
			e.Decimals[j] = max(e.Decimals[j], decimals(r[j]))
		}
		mean := sum / float64(len(t.Rows))
		for _, r := range t.Rows {
			v, _ := parseNumber(r[j])
			sq += (v - mean) * (v - mean)
		}
		std := math.Sqrt(sq / float64(len(t.Rows)))
		if std == 0 {
			std = 1
		}
		e.Mean[j], e.Std[j] = mean, std
	}
	e.layout()
	// Encoding the training table checks its categories.
	if _, err := e.Encode(t); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Encoder) layout() {
	e.segments = e.segments[:0]
	off := 0
	for j, c := range e.Schema {
		e.segments = append(e.segments, Segment{Column: j, Kind: c.Kind, Offset: off, Width: c.Width()})
		off += c.Width()
	}
}

// Segments returns where each column lies in an encoded row.
func (e *Encoder) Segments() []Segment {
	if len(e.segments) != len(e.Schema) {
		e.layout()
	}
	return append([]Segment(nil), e.segments...)
}

// Width returns the length of an encoded row.
func (e *Encoder) Width() int { return e.Schema.Width() }

// Encode returns the rows of t encoded, row-major [t.Len(), Width()]. A
// category or level the schema does not list is an error naming the
// column, the value and the allowed ones.
func (e *Encoder) Encode(t *Table) ([]float32, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := headerMatches(e.Schema, t.Header); err != nil {
		return nil, err
	}
	w := e.Width()
	out := make([]float32, len(t.Rows)*w)
	for i, r := range t.Rows {
		row := out[i*w : (i+1)*w]
		for _, s := range e.Segments() {
			c := e.Schema[s.Column]
			v := r[s.Column]
			if c.Kind == Numerical {
				x, err := parseNumber(v)
				if err != nil {
					return nil, fmt.Errorf("tabular: row %d, numerical column %q: %w", i+1, c.Name, err)
				}
				row[s.Offset] = float32((x - e.Mean[s.Column]) / e.Std[s.Column])
				continue
			}
			k, ok := c.index(v)
			if !ok {
				return nil, fmt.Errorf("tabular: row %d, %s column %q: value %q is not one of %s",
					i+1, c.Kind, c.Name, v, strings.Join(c.Categories, ", "))
			}
			switch c.Kind {
			case Categorical:
				row[s.Offset+k] = 1
			case Ordinal:
				row[s.Offset] = float32(k) / float32(len(c.Categories)-1)
			case Binary:
				row[s.Offset] = float32(k)
			}
		}
	}
	return out, nil
}

// Indices returns, for a categorical, ordinal or binary column, the index
// of each row's value among the column's categories (the input of an
// embedding).
func (e *Encoder) Indices(t *Table, column string) ([]int, error) {
	j := e.Schema.Index(column)
	if j < 0 {
		return nil, fmt.Errorf("tabular: no column %q in the schema", column)
	}
	c := e.Schema[j]
	if c.Kind == Numerical {
		return nil, fmt.Errorf("tabular: column %q is numerical; indices exist for categorical, ordinal and binary columns", column)
	}
	cells, err := t.Column(column)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(cells))
	for i, v := range cells {
		k, ok := c.index(v)
		if !ok {
			return nil, fmt.Errorf("tabular: row %d, column %q: value %q is not one of %s", i+1, column, v, strings.Join(c.Categories, ", "))
		}
		out[i] = k
	}
	return out, nil
}

// Project maps model outputs in data space (n rows of Width() values:
// standardised numbers, category probabilities or scores, ordinal ranks
// in [0, 1], binary probabilities) to valid encodings, in place: a
// categorical group becomes the one-hot of its largest entry, an ordinal
// is rounded to the nearest level and clamped, a binary is thresholded at
// 1/2. Numerical entries are kept.
func (e *Encoder) Project(values []float32) error {
	w := e.Width()
	if len(values)%w != 0 {
		return fmt.Errorf("tabular: %d values are not a whole number of rows of %d", len(values), w)
	}
	for i := 0; i < len(values); i += w {
		row := values[i : i+w]
		for _, s := range e.Segments() {
			switch s.Kind {
			case Categorical:
				k := argmax(row[s.Offset : s.Offset+s.Width])
				for m := range s.Width {
					row[s.Offset+m] = 0
				}
				row[s.Offset+k] = 1
			case Ordinal:
				l := len(e.Schema[s.Column].Categories) - 1
				row[s.Offset] = float32(e.level(row[s.Offset], l)) / float32(l)
			case Binary:
				if row[s.Offset] >= 0.5 {
					row[s.Offset] = 1
				} else {
					row[s.Offset] = 0
				}
			}
		}
	}
	return nil
}

// level rounds an ordinal encoding v ∈ [0, 1] to a level in [0, top].
func (e *Encoder) level(v float32, top int) int {
	k := int(math.Round(float64(v) * float64(top)))
	if math.IsNaN(float64(v)) {
		k = 0
	}
	return min(max(k, 0), top)
}

// Decode turns model outputs in data space (see Project) back into rows:
// numbers de-standardised and written with the training table's decimal
// places, categories by largest entry, ordinal levels rounded and
// clamped, binaries thresholded at 1/2. values is not changed.
func (e *Encoder) Decode(values []float32) (*Table, error) {
	w := e.Width()
	if len(values)%w != 0 {
		return nil, fmt.Errorf("tabular: decode: %d values are not a whole number of rows of %d", len(values), w)
	}
	header := make([]string, len(e.Schema))
	for j, c := range e.Schema {
		header[j] = c.Name
	}
	n := len(values) / w
	t := &Table{Header: header, Rows: make([][]string, n)}
	for i := range n {
		row := values[i*w : (i+1)*w]
		cells := make([]string, len(e.Schema))
		for _, s := range e.Segments() {
			c := e.Schema[s.Column]
			switch s.Kind {
			case Numerical:
				x := float64(row[s.Offset])*e.Std[s.Column] + e.Mean[s.Column]
				cells[s.Column] = strconv.FormatFloat(x, 'f', e.Decimals[s.Column], 64)
			case Categorical:
				cells[s.Column] = c.Categories[argmax(row[s.Offset:s.Offset+s.Width])]
			case Ordinal:
				cells[s.Column] = c.Categories[e.level(row[s.Offset], len(c.Categories)-1)]
			case Binary:
				k := 0
				if row[s.Offset] >= 0.5 {
					k = 1
				}
				cells[s.Column] = c.Categories[k]
			}
		}
		t.Rows[i] = cells
	}
	return t, nil
}

// headerMatches checks that a table's header names the schema's columns
// in order.
func headerMatches(s Schema, header []string) error {
	names := make([]string, len(s))
	for j, c := range s {
		names[j] = c.Name
	}
	if strings.Join(names, "\x00") != strings.Join(header, "\x00") {
		return fmt.Errorf("tabular: table columns [%s] do not match the schema's [%s]",
			strings.Join(header, ", "), strings.Join(names, ", "))
	}
	return nil
}

func parseNumber(v string) (float64, error) {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("value %q is not a finite number", v)
	}
	return x, nil
}

// decimals returns the number of digits after the decimal point of a
// number as written (0 for exponent notation).
func decimals(v string) int {
	if strings.ContainsAny(v, "eE") {
		return 0
	}
	if i := strings.IndexByte(v, '.'); i >= 0 {
		return len(v) - i - 1
	}
	return 0
}

// argmax returns the index of the largest value, the first of ties.
func argmax(xs []float32) int {
	k := 0
	for i, v := range xs {
		if v > xs[k] {
			k = i
		}
	}
	return k
}
