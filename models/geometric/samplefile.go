package geometric

import (
	"fmt"
	"io"
	"os"

	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/tensor"
)

// The geometric models draw shapes (models.ShapeSampler), and the trainer
// writes one of them at the end of a run (models.FileSampler): a point
// cloud or a 3-D graph's nodes as PLY points, a mesh as OBJ (or OFF, PLY).

var (
	_ models.ShapeSampler = (*PointCloudModel)(nil)
	_ models.ShapeSampler = (*GraphModel)(nil)
	_ models.ShapeSampler = (*MeshModel)(nil)
)

// ShapeFormats implements models.ShapeSampler.
func (m *PointCloudModel) ShapeFormats() (string, []string) { return "point clouds", []string{"ply"} }

// SampleShapes implements models.ShapeSampler.
func (m *PointCloudModel) SampleShapes(n int, _ models.StepOptions, rngs *tensor.Rngs) ([]models.ShapeWriter, error) {
	if n <= 0 {
		return nil, fmt.Errorf("geometric: number of point clouds must be > 0, got %d", n)
	}
	return cloudWriters(m.Sample(n, rngs), m.c.Points), nil
}

// ShapeFormats implements models.ShapeSampler: graphs whose nodes are in
// 3-D space are written as PLY points; others draw no shapes.
func (m *GraphModel) ShapeFormats() (string, []string) {
	if m.c.Coords != 3 {
		return "graphs", nil
	}
	return "graphs (node coordinates)", []string{"ply"}
}

// SampleShapes implements models.ShapeSampler.
func (m *GraphModel) SampleShapes(n int, _ models.StepOptions, rngs *tensor.Rngs) ([]models.ShapeWriter, error) {
	if m.c.Coords != 3 {
		return nil, fmt.Errorf("geometric: graphs with %d coordinates are not shapes in space", m.c.Coords)
	}
	if n <= 0 {
		return nil, fmt.Errorf("geometric: number of graphs must be > 0, got %d", n)
	}
	return cloudWriters(tensor.Narrow(m.Sample(n, rngs), 2, 0, 3), m.c.Nodes), nil
}

// ShapeFormats implements models.ShapeSampler.
func (m *MeshModel) ShapeFormats() (string, []string) { return "meshes", []string{"obj", "off", "ply"} }

// SampleShapes implements models.ShapeSampler.
func (m *MeshModel) SampleShapes(n int, _ models.StepOptions, rngs *tensor.Rngs) ([]models.ShapeWriter, error) {
	if n <= 0 {
		return nil, fmt.Errorf("geometric: number of meshes must be > 0, got %d", n)
	}
	var out []models.ShapeWriter
	for _, mesh := range m.Sample(n, rngs) {
		out = append(out, func(w io.Writer, format string) error {
			switch format {
			case "off":
				return WriteOFF(w, mesh)
			case "ply":
				return WritePLY(w, mesh)
			}
			return WriteOBJ(w, mesh)
		})
	}
	return out, nil
}

// cloudWriters splits point sets [n, points, 3] into PLY writers.
func cloudWriters(x *tensor.Tensor, points int) []models.ShapeWriter {
	var out []models.ShapeWriter
	for _, pts := range PointsOf(x.Data(), points) {
		out = append(out, func(w io.Writer, _ string) error { return WritePLY(w, &Mesh{Vertices: pts}) })
	}
	return out
}

// SampleFile implements models.FileSampler: samples.ply.
func (m *PointCloudModel) SampleFile() string { return "samples.ply" }

// WriteSample draws one point cloud and writes its points to path as PLY.
func (m *PointCloudModel) WriteSample(path string, rngs *tensor.Rngs) error {
	return writeShape(m, path, rngs)
}

// SampleFile implements models.FileSampler: samples.obj.
func (m *MeshModel) SampleFile() string { return "samples.obj" }

// WriteSample draws one mesh and writes it to path as Wavefront OBJ.
func (m *MeshModel) WriteSample(path string, rngs *tensor.Rngs) error {
	return writeShape(m, path, rngs)
}

// SampleFile implements models.FileSampler: samples.ply for graphs in
// 3-D space; other graphs have no file ("").
func (m *GraphModel) SampleFile() string {
	if m.c.Coords != 3 {
		return ""
	}
	return "samples.ply"
}

// WriteSample draws one graph and writes its node coordinates to path as
// PLY points.
func (m *GraphModel) WriteSample(path string, rngs *tensor.Rngs) error {
	return writeShape(m, path, rngs)
}

// writeShape draws one shape of m and writes it to path in m's default
// format.
func writeShape(m models.ShapeSampler, path string, rngs *tensor.Rngs) error {
	_, formats := m.ShapeFormats()
	shapes, err := m.SampleShapes(1, models.StepOptions{}, rngs)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := shapes[0](f, formats[0]); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
