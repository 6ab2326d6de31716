package tabular

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// FuzzReadCSV checks that no input makes the CSV reader panic, that what
// it accepts is a rectangular table without empty cells, and that it
// writes back and reads unchanged. Seeds: testdata/fuzz/FuzzReadCSV.
// Longer runs: docs/reliability.md.
func FuzzReadCSV(f *testing.F) {
	// Found: a header of one empty name was accepted, written as an empty
	// line, and read back without it; a cell holding "\r\r\n" read back
	// as "\n" after a write (testdata/fuzz/FuzzReadCSV/found_*).
	f.Add("class,alcohol,colour\n1,14.23,\"red, deep\"\n2,12.37,white\n")
	f.Fuzz(func(t *testing.T, file string) {
		tab, err := ReadCSV(strings.NewReader(file))
		if err != nil {
			return
		}
		if err := tab.check(); err != nil {
			t.Fatalf("accepted table fails its own check: %v", err)
		}
		var b bytes.Buffer
		if err := tab.WriteCSV(&b); err != nil {
			t.Fatalf("accepted table does not write: %v", err)
		}
		again, err := ReadCSV(&b)
		if err != nil || !reflect.DeepEqual(again, tab) {
			t.Fatalf("written table reads back as %+v, %v\n%q", again, err, b.String())
		}
	})
}

func TestReadCSVRefusesAColumnWithoutAName(t *testing.T) {
	for _, csv := range []string{"\"\"\n00\n", "a,,c\n1,2,3\n", "a, \n1,2\n"} {
		if _, err := ReadCSV(strings.NewReader(csv)); err == nil || !strings.Contains(err.Error(), "has no name") {
			t.Errorf("%q: %v, want the nameless column refused", csv, err)
		}
	}
}

func TestReadCSVGivesLineBreaksInCellsOneForm(t *testing.T) {
	tab, err := ReadCSV(strings.NewReader("a,b\n\"x\r\r\ny\",\"p\rq\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"x\ny", "p\nq"}}; !reflect.DeepEqual(tab.Rows, want) {
		t.Errorf("rows %q, want %q", tab.Rows, want)
	}
}
