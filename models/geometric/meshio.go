package geometric

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Mesh is a triangle mesh: vertices and faces of three vertex indices
// (0-based).
type Mesh struct {
	Vertices []Point
	Faces    [][3]int
}

// Edges returns each undirected edge of the mesh once, as (i, j) with
// i < j, in order of first appearance.
func (m *Mesh) Edges() [][2]int {
	seen := map[[2]int]bool{}
	var out [][2]int
	for _, f := range m.Faces {
		for k := range 3 {
			a, b := f[k], f[(k+1)%3]
			if a > b {
				a, b = b, a
			}
			if !seen[[2]int{a, b}] {
				seen[[2]int{a, b}] = true
				out = append(out, [2]int{a, b})
			}
		}
	}
	return out
}

// validate checks that every face names existing, distinct vertices.
func (m *Mesh) validate() error {
	for i, f := range m.Faces {
		for _, v := range f {
			if v < 0 || v >= len(m.Vertices) {
				return fmt.Errorf("face %d names vertex %d; the mesh has %d vertices", i, v, len(m.Vertices))
			}
		}
	}
	return nil
}

// triangulate splits a polygon into a fan of triangles.
func triangulate(poly []int) [][3]int {
	var out [][3]int
	for k := 1; k+1 < len(poly); k++ {
		out = append(out, [3]int{poly[0], poly[k], poly[k+1]})
	}
	return out
}

// ReadOBJ reads the vertices (v) and faces (f, polygons split into
// triangles; v/vt/vn references and negative indices allowed) of a
// Wavefront OBJ file. Other statements are ignored.
func ReadOBJ(r io.Reader) (*Mesh, error) {
	m := &Mesh{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		switch fs[0] {
		case "v":
			if len(fs) < 4 {
				return nil, fmt.Errorf("geometric: OBJ line %d: a vertex needs 3 coordinates", line)
			}
			var p Point
			for k := range 3 {
				v, err := strconv.ParseFloat(fs[k+1], 64)
				if err != nil {
					return nil, fmt.Errorf("geometric: OBJ line %d: coordinate %q is not a number", line, fs[k+1])
				}
				p[k] = v
			}
			m.Vertices = append(m.Vertices, p)
		case "f":
			if len(fs) < 4 {
				return nil, fmt.Errorf("geometric: OBJ line %d: a face needs at least 3 vertices", line)
			}
			poly := make([]int, len(fs)-1)
			for k, ref := range fs[1:] {
				idx, err := strconv.Atoi(strings.SplitN(ref, "/", 2)[0])
				if err != nil || idx == 0 {
					return nil, fmt.Errorf("geometric: OBJ line %d: vertex reference %q is not a non-zero integer", line, ref)
				}
				if idx < 0 {
					idx = len(m.Vertices) + idx + 1
				}
				poly[k] = idx - 1
			}
			m.Faces = append(m.Faces, triangulate(poly)...)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("geometric: OBJ: %w", err)
	}
	return m, nil
}

// WriteOBJ writes m as a Wavefront OBJ file.
func WriteOBJ(w io.Writer, m *Mesh) error {
	bw := bufio.NewWriter(w)
	for _, v := range m.Vertices {
		fmt.Fprintf(bw, "v %.6g %.6g %.6g\n", v[0], v[1], v[2])
	}
	for _, f := range m.Faces {
		fmt.Fprintf(bw, "f %d %d %d\n", f[0]+1, f[1]+1, f[2]+1)
	}
	return bw.Flush()
}

// ReadOFF reads an OFF file (Object File Format: a line OFF, a line of
// vertex, face and edge counts, one vertex per line, then one face per
// line as a vertex count and indices, optionally followed by a colour).
// Polygons are split into triangles; # starts a comment.
func ReadOFF(r io.Reader) (*Mesh, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var lines [][]string
	for _, l := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		if fs := strings.Fields(l); len(fs) > 0 {
			lines = append(lines, fs)
		}
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0][0], "OFF") {
		return nil, fmt.Errorf("geometric: OFF: the file does not start with OFF")
	}
	// The counts may share the header line ("OFF 8 6 0").
	if len(lines[0]) > 1 {
		lines[0] = lines[0][1:]
	} else {
		lines = lines[1:]
	}
	nums := func(fs []string, n int, what string) ([]float64, error) {
		if len(fs) < n {
			return nil, fmt.Errorf("geometric: OFF: %s has %d values, want %d", what, len(fs), n)
		}
		out := make([]float64, n)
		for k := range n {
			v, err := strconv.ParseFloat(fs[k], 64)
			if err != nil {
				return nil, fmt.Errorf("geometric: OFF: %s: %q is not a number", what, fs[k])
			}
			out[k] = v
		}
		return out, nil
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("geometric: OFF: no counts line")
	}
	counts, err := nums(lines[0], 2, "the counts line")
	if err != nil {
		return nil, err
	}
	nv, nf := int(counts[0]), int(counts[1])
	if nv < 0 || nf < 0 || len(lines) < 1+nv+nf {
		return nil, fmt.Errorf("geometric: OFF: %d vertices and %d faces declared, %d lines follow", nv, nf, len(lines)-1)
	}
	m := &Mesh{Vertices: make([]Point, nv)}
	for i := range nv {
		v, err := nums(lines[1+i], 3, fmt.Sprintf("vertex %d", i))
		if err != nil {
			return nil, err
		}
		m.Vertices[i] = Point{v[0], v[1], v[2]}
	}
	for i := range nf {
		fs := lines[1+nv+i]
		size, err := nums(fs, 1, fmt.Sprintf("face %d", i))
		if err != nil {
			return nil, err
		}
		idx, err := nums(fs[1:], int(size[0]), fmt.Sprintf("face %d", i))
		if err != nil {
			return nil, err
		}
		poly := make([]int, len(idx))
		for k, v := range idx {
			poly[k] = int(v)
		}
		m.Faces = append(m.Faces, triangulate(poly)...)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("geometric: OFF: %w", err)
	}
	return m, nil
}

// WriteOFF writes m as an OFF file.
func WriteOFF(w io.Writer, m *Mesh) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "OFF\n%d %d 0\n", len(m.Vertices), len(m.Faces))
	for _, v := range m.Vertices {
		fmt.Fprintf(bw, "%.6g %.6g %.6g\n", v[0], v[1], v[2])
	}
	for _, f := range m.Faces {
		fmt.Fprintf(bw, "3 %d %d %d\n", f[0], f[1], f[2])
	}
	return bw.Flush()
}

// plyProperty is one scalar property of a PLY element.
type plyProperty struct {
	name, typ string
	list      bool
	countType string
}

var plySizes = map[string]int{
	"char": 1, "uchar": 1, "int8": 1, "uint8": 1, "short": 2, "ushort": 2, "int16": 2, "uint16": 2,
	"int": 4, "uint": 4, "int32": 4, "uint32": 4, "float": 4, "float32": 4, "double": 8, "float64": 8,
}

// ReadPLY reads the x, y, z properties of the vertex element of a PLY file
// (ascii, binary_little_endian or binary_big_endian) as a point cloud, and
// the vertex_indices of the face element, if any, as triangles.
func ReadPLY(r io.Reader) (*Mesh, error) {
	br := bufio.NewReader(r)
	first, err := br.ReadString('\n')
	if err != nil || strings.TrimSpace(first) != "ply" {
		return nil, fmt.Errorf("geometric: PLY: the file does not start with ply")
	}
	type element struct {
		name  string
		count int
		props []plyProperty
	}
	var elems []*element
	format := ""
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("geometric: PLY: header does not end with end_header")
		}
		fs := strings.Fields(l)
		if len(fs) == 0 {
			continue
		}
		switch fs[0] {
		case "format":
			if len(fs) < 2 {
				return nil, fmt.Errorf("geometric: PLY: format line without a format")
			}
			format = fs[1]
		case "element":
			if len(fs) < 3 {
				return nil, fmt.Errorf("geometric: PLY: element line %q needs a name and a count", strings.TrimSpace(l))
			}
			n, err := strconv.Atoi(fs[2])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("geometric: PLY: element count %q is not a count", fs[2])
			}
			elems = append(elems, &element{name: fs[1], count: n})
		case "property":
			if len(elems) == 0 {
				return nil, fmt.Errorf("geometric: PLY: property before any element")
			}
			e := elems[len(elems)-1]
			if len(fs) >= 5 && fs[1] == "list" {
				e.props = append(e.props, plyProperty{name: fs[4], typ: fs[3], list: true, countType: fs[2]})
			} else if len(fs) >= 3 {
				e.props = append(e.props, plyProperty{name: fs[2], typ: fs[1]})
			}
		}
		if fs[0] == "end_header" {
			break
		}
	}
	var order binary.ByteOrder
	switch format {
	case "ascii":
	case "binary_little_endian":
		order = binary.LittleEndian
	case "binary_big_endian":
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("geometric: PLY: unknown format %q; available: ascii, binary_little_endian, binary_big_endian", format)
	}
	var toks []string
	if order == nil {
		rest, _ := io.ReadAll(br)
		toks = strings.Fields(string(rest))
	}
	pos := 0
	read := func(typ string) (float64, error) {
		if order == nil {
			if pos >= len(toks) {
				return 0, io.ErrUnexpectedEOF
			}
			pos++
			return strconv.ParseFloat(toks[pos-1], 64)
		}
		size, ok := plySizes[typ]
		if !ok {
			return 0, fmt.Errorf("unknown property type %q", typ)
		}
		buf := make([]byte, size)
		if _, err := io.ReadFull(br, buf); err != nil {
			return 0, err
		}
		return decodePLY(bytes.NewReader(buf), order, typ)
	}
	m := &Mesh{}
	for _, e := range elems {
		for i := range e.count {
			var p Point
			for _, pr := range e.props {
				if pr.list {
					n, err := read(pr.countType)
					if err != nil {
						return nil, fmt.Errorf("geometric: PLY: %s %d: %v", e.name, i, err)
					}
					poly := make([]int, int(n))
					for k := range poly {
						v, err := read(pr.typ)
						if err != nil {
							return nil, fmt.Errorf("geometric: PLY: %s %d: %v", e.name, i, err)
						}
						poly[k] = int(v)
					}
					if e.name == "face" && (pr.name == "vertex_indices" || pr.name == "vertex_index") {
						m.Faces = append(m.Faces, triangulate(poly)...)
					}
					continue
				}
				v, err := read(pr.typ)
				if err != nil {
					return nil, fmt.Errorf("geometric: PLY: %s %d property %s: %v", e.name, i, pr.name, err)
				}
				if e.name == "vertex" {
					switch pr.name {
					case "x":
						p[0] = v
					case "y":
						p[1] = v
					case "z":
						p[2] = v
					}
				}
			}
			if e.name == "vertex" {
				m.Vertices = append(m.Vertices, p)
			}
		}
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("geometric: PLY: %w", err)
	}
	return m, nil
}

func decodePLY(r io.Reader, order binary.ByteOrder, typ string) (float64, error) {
	switch typ {
	case "char", "int8":
		var v int8
		err := binary.Read(r, order, &v)
		return float64(v), err
	case "uchar", "uint8":
		var v uint8
		err := binary.Read(r, order, &v)
		return float64(v), err
	case "short", "int16":
		var v int16
		err := binary.Read(r, order, &v)
		return float64(v), err
	case "ushort", "uint16":
		var v uint16
		err := binary.Read(r, order, &v)
		return float64(v), err
	case "int", "int32":
		var v int32
		err := binary.Read(r, order, &v)
		return float64(v), err
	case "uint", "uint32":
		var v uint32
		err := binary.Read(r, order, &v)
		return float64(v), err
	case "float", "float32":
		var v float32
		err := binary.Read(r, order, &v)
		return float64(v), err
	default:
		var v float64
		err := binary.Read(r, order, &v)
		return v, err
	}
}
