package geometric

import (
	"io"
	"os"

	"github.com/artifex-go/artifex/tensor"
)

// SampleFile implements models.FileSampler: the trainer writes one sampled
// point cloud, samples.ply, at the end of a run.
func (m *PointCloudModel) SampleFile() string { return "samples.ply" }

// WriteSample draws one point cloud and writes its points to path as PLY.
func (m *PointCloudModel) WriteSample(path string, rngs *tensor.Rngs) error {
	pts := PointsOf(m.Sample(1, rngs).Data(), m.c.Points)[0]
	return writeFile(path, func(w io.Writer) error { return WritePLY(w, &Mesh{Vertices: pts}) })
}

// SampleFile implements models.FileSampler: the trainer writes one sampled
// mesh, samples.obj, at the end of a run.
func (m *MeshModel) SampleFile() string { return "samples.obj" }

// WriteSample draws one mesh and writes it to path as Wavefront OBJ.
func (m *MeshModel) WriteSample(path string, rngs *tensor.Rngs) error {
	mesh := m.Sample(1, rngs)[0]
	return writeFile(path, func(w io.Writer) error { return WriteOBJ(w, mesh) })
}

// writeFile creates path and writes it with write, reporting the first
// error of the two and of closing.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SampleFile implements models.FileSampler: the trainer writes one sampled
// graph's node coordinates, samples.ply, at the end of a run; graphs in
// other than 3 dimensions have no file ("").
func (m *GraphModel) SampleFile() string {
	if m.c.Coords != 3 {
		return ""
	}
	return "samples.ply"
}

// WriteSample draws one graph and writes its node coordinates to path as
// PLY points.
func (m *GraphModel) WriteSample(path string, rngs *tensor.Rngs) error {
	x := tensor.Narrow(m.Sample(1, rngs), 2, 0, 3)
	pts := PointsOf(x.Data(), m.c.Nodes)[0]
	return writeFile(path, func(w io.Writer) error { return WritePLY(w, &Mesh{Vertices: pts}) })
}
