package geometric

import (
	"bufio"
	"fmt"
	"io"
)

// WritePLY writes a mesh as an ASCII PLY file: its vertices as x, y, z
// floats and, when it has faces, its triangles as vertex_indices lists.
// A mesh without faces is a point cloud. ReadPLY reads it back.
func WritePLY(w io.Writer, m *Mesh) error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("geometric: PLY: %w", err)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "ply\nformat ascii 1.0\ncomment written by artifex\nelement vertex %d\nproperty float x\nproperty float y\nproperty float z\n", len(m.Vertices))
	if len(m.Faces) > 0 {
		fmt.Fprintf(bw, "element face %d\nproperty list uchar int vertex_indices\n", len(m.Faces))
	}
	fmt.Fprintln(bw, "end_header")
	for _, v := range m.Vertices {
		fmt.Fprintf(bw, "%.6g %.6g %.6g\n", v[0], v[1], v[2])
	}
	for _, f := range m.Faces {
		fmt.Fprintf(bw, "3 %d %d %d\n", f[0], f[1], f[2])
	}
	return bw.Flush()
}
