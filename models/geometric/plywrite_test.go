package geometric

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestWritePLYRoundTripsCloudsAndMeshes(t *testing.T) {
	for _, m := range []*Mesh{
		{Vertices: []Point{{0.5, -1.25, 3}, {1e-3, 2, -7.5}}},
		Icosphere(1),
	} {
		var buf bytes.Buffer
		if err := WritePLY(&buf, m); err != nil {
			t.Fatal(err)
		}
		if hasFaces := strings.Contains(buf.String(), "element face"); hasFaces != (len(m.Faces) > 0) {
			t.Errorf("face element written %v for %d faces", hasFaces, len(m.Faces))
		}
		back, err := ReadPLY(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if len(back.Vertices) != len(m.Vertices) || len(back.Faces) != len(m.Faces) {
			t.Fatalf("read back %d vertices, %d faces; wrote %d, %d", len(back.Vertices), len(back.Faces), len(m.Vertices), len(m.Faces))
		}
		for i, v := range m.Vertices {
			for k := range 3 {
				if math.Abs(back.Vertices[i][k]-v[k]) > 1e-5*math.Max(1, math.Abs(v[k])) {
					t.Fatalf("vertex %d read back as %v, written %v", i, back.Vertices[i], v)
				}
			}
		}
		for i, f := range m.Faces {
			if back.Faces[i] != f {
				t.Fatalf("face %d read back as %v, written %v", i, back.Faces[i], f)
			}
		}
	}
	if err := WritePLY(&bytes.Buffer{}, &Mesh{Vertices: []Point{{}}, Faces: [][3]int{{0, 1, 2}}}); err == nil {
		t.Error("a face naming missing vertices was written")
	}
}
