package tabular

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
)

// Table is a table of string cells under a header, as read from CSV.
// Every row has one cell per header name.
type Table struct {
	Header []string
	Rows   [][]string
}

// Len returns the number of rows.
func (t *Table) Len() int { return len(t.Rows) }

// Column returns the cells of the named column, or an error naming the
// columns there are.
func (t *Table) Column(name string) ([]string, error) {
	j := -1
	for i, h := range t.Header {
		if h == name {
			j = i
		}
	}
	if j < 0 {
		return nil, fmt.Errorf("tabular: no column %q; columns: %s", name, strings.Join(t.Header, ", "))
	}
	out := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = r[j]
	}
	return out, nil
}

// Subset returns the rows at idx, in that order (cells shared).
func (t *Table) Subset(idx []int) *Table {
	rows := make([][]string, len(idx))
	for i, r := range idx {
		rows[i] = t.Rows[r]
	}
	return &Table{Header: t.Header, Rows: rows}
}

// check reports a table without columns or rows, a column without a
// name, a ragged row or an empty cell (missing values are not supported).
func (t *Table) check() error {
	if len(t.Header) == 0 {
		return fmt.Errorf("tabular: table has no columns")
	}
	for j, h := range t.Header {
		if h == "" {
			// A nameless column cannot be asked for, and a header of one
			// empty name is an empty line, which CSV readers skip.
			return fmt.Errorf("tabular: column %d of the header has no name", j+1)
		}
	}
	if len(t.Rows) == 0 {
		return fmt.Errorf("tabular: table has no rows")
	}
	for i, r := range t.Rows {
		if len(r) != len(t.Header) {
			return fmt.Errorf("tabular: row %d has %d cells, the header %d", i+1, len(r), len(t.Header))
		}
		for j, v := range r {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("tabular: row %d, column %q is empty; missing values are not supported", i+1, t.Header[j])
			}
		}
	}
	return nil
}

// ReadCSV reads a table whose first record is the header. Cells are
// trimmed of surrounding spaces, and line breaks inside quoted cells read
// as "\n" whatever their form.
func ReadCSV(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("tabular: read csv: %w", err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("tabular: read csv: no header")
	}
	t := &Table{Header: trimAll(recs[0]), Rows: make([][]string, 0, len(recs)-1)}
	for _, r := range recs[1:] {
		t.Rows = append(t.Rows, trimAll(r))
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// ReadCSVFile reads a table from a CSV file; see ReadCSV.
func ReadCSVFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tabular: %w", err)
	}
	defer f.Close()
	t, err := ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return t, nil
}

// WriteCSV writes the header and the rows.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return fmt.Errorf("tabular: write csv: %w", err)
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return fmt.Errorf("tabular: write csv: %w", err)
	}
	return nil
}

// WriteCSVFile writes the table to a file, creating or truncating it.
func (t *Table) WriteCSVFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("tabular: %w", err)
	}
	if err := t.WriteCSV(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// trimAll trims each cell and gives the line breaks inside it one form,
// "\n": encoding/csv turns a quoted "\r\n" into "\n" but keeps a lone
// "\r", so a cell holding "\r\r\n" would read back changed after a write.
func trimAll(r []string) []string {
	out := make([]string, len(r))
	for i, v := range r {
		out[i] = lineBreaks.Replace(strings.TrimSpace(v))
	}
	return out
}

var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n")
