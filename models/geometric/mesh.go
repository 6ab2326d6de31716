package geometric

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Icosphere returns the unit sphere as an icosahedron whose faces are
// split subdivisions times into four, vertices pushed onto the sphere
// (12, 42, 162, 642 ... vertices).
func Icosphere(subdivisions int) *Mesh {
	t := (1 + math.Sqrt(5)) / 2
	m := &Mesh{
		Vertices: []Point{
			{-1, t, 0}, {1, t, 0}, {-1, -t, 0}, {1, -t, 0},
			{0, -1, t}, {0, 1, t}, {0, -1, -t}, {0, 1, -t},
			{t, 0, -1}, {t, 0, 1}, {-t, 0, -1}, {-t, 0, 1},
		},
		Faces: [][3]int{
			{0, 11, 5}, {0, 5, 1}, {0, 1, 7}, {0, 7, 10}, {0, 10, 11},
			{1, 5, 9}, {5, 11, 4}, {11, 10, 2}, {10, 7, 6}, {7, 1, 8},
			{3, 9, 4}, {3, 4, 2}, {3, 2, 6}, {3, 6, 8}, {3, 8, 9},
			{4, 9, 5}, {2, 4, 11}, {6, 2, 10}, {8, 6, 7}, {9, 8, 1},
		},
	}
	unit := func(p Point) Point {
		r := math.Sqrt(sqDist(p, Point{}))
		return Point{p[0] / r, p[1] / r, p[2] / r}
	}
	for i, v := range m.Vertices {
		m.Vertices[i] = unit(v)
	}
	for range subdivisions {
		mid := map[[2]int]int{}
		midpoint := func(a, b int) int {
			key := [2]int{min(a, b), max(a, b)}
			if i, ok := mid[key]; ok {
				return i
			}
			va, vb := m.Vertices[a], m.Vertices[b]
			m.Vertices = append(m.Vertices, unit(Point{(va[0] + vb[0]) / 2, (va[1] + vb[1]) / 2, (va[2] + vb[2]) / 2}))
			mid[key] = len(m.Vertices) - 1
			return mid[key]
		}
		var faces [][3]int
		for _, f := range m.Faces {
			a, b, c := midpoint(f[0], f[1]), midpoint(f[1], f[2]), midpoint(f[2], f[0])
			faces = append(faces, [3]int{f[0], a, c}, [3]int{f[1], b, a}, [3]int{f[2], c, b}, [3]int{a, b, c})
		}
		m.Faces = faces
	}
	return m
}

// MeshConfig configures a MeshModel.
type MeshConfig struct {
	Model           config.ModelConfiguration
	Subdivisions    int // of the icosphere template
	Encoder         []int
	Decoder         []int
	Latent          int
	KLWeight        float64
	LaplacianWeight float64
	EdgeWeight      float64
	Activation      string
}

// MeshModel generates meshes by deforming a template (an icosphere): a
// PointNet encoder reads a target point cloud into a Gaussian posterior
// over a latent code, and a decoder maps the code to an offset per
// template vertex. It is trained to bring the deformed vertices close to
// the target points (Chamfer distance) while a uniform Laplacian term
// keeps the surface smooth and an edge-length term keeps edges even
// (Wang et al. 2018, Pixel2Mesh). Sample deforms the template with codes
// drawn from the prior.
type MeshModel struct {
	Encoder      *PointNet
	Mean, LogVar *nn.Linear
	Decoder      *nn.MLP
	template     *Mesh
	edges        [][2]int
	c            MeshConfig
}

// NewMeshModel builds a MeshModel.
func NewMeshModel(c MeshConfig, rngs *nn.Rngs) (*MeshModel, error) {
	if c.Subdivisions < 0 || c.Subdivisions > 4 || c.Latent <= 0 || len(c.Encoder) == 0 {
		return nil, fmt.Errorf("geometric: MeshModel needs 0-4 template subdivisions, latent > 0 and encoder widths; got subdivisions %d, latent %d, encoder %v", c.Subdivisions, c.Latent, c.Encoder)
	}
	tpl := Icosphere(c.Subdivisions)
	enc, err := NewPointNet(rngs, append([]int{3}, c.Encoder...))
	if err != nil {
		return nil, err
	}
	dec, err := nn.NewMLP(rngs, append(append([]int{c.Latent}, c.Decoder...), 3*len(tpl.Vertices)), c.Activation)
	if err != nil {
		return nil, err
	}
	f := c.Encoder[len(c.Encoder)-1]
	return &MeshModel{Encoder: enc, Mean: nn.NewLinear(rngs, f, c.Latent), LogVar: nn.NewLinear(rngs, f, c.Latent),
		Decoder: dec, template: tpl, edges: tpl.Edges(), c: c}, nil
}

// Config implements models.Model.
func (m *MeshModel) Config() config.ModelConfiguration { return m.c.Model.Clone() }

// Template returns the template mesh.
func (m *MeshModel) Template() *Mesh { return m.template }

func (m *MeshModel) templateTensor() *tensor.Tensor {
	v := make([]float32, 0, 3*len(m.template.Vertices))
	for _, p := range m.template.Vertices {
		v = append(v, float32(p[0]), float32(p[1]), float32(p[2]))
	}
	return tensor.FromSlice(v, 1, len(m.template.Vertices), 3)
}

// Deform maps codes [B, Latent] to vertices [B, V, 3] of the template.
func (m *MeshModel) Deform(z *tensor.Tensor) *tensor.Tensor {
	off := tensor.Reshape(m.Decoder.Forward(z), z.Dim(0), len(m.template.Vertices), 3)
	return tensor.Add(m.templateTensor(), off)
}

// LaplacianLoss returns the mean squared uniform Laplacian of vertices
// [B, V, 3] on the template's connectivity: ‖v_i − mean of neighbours‖².
func (m *MeshModel) LaplacianLoss(v *tensor.Tensor) *tensor.Tensor {
	n := len(m.template.Vertices)
	deg := make([]float32, n)
	for _, e := range m.edges {
		deg[e[0]]++
		deg[e[1]]++
	}
	a := make([]float32, n*n)
	for i := range n {
		a[i*n+i] = 1
	}
	for _, e := range m.edges {
		a[e[0]*n+e[1]] -= 1 / deg[e[0]]
		a[e[1]*n+e[0]] -= 1 / deg[e[1]]
	}
	lv := tensor.MatMul(tensor.FromSlice(a, n, n), v)
	return tensor.Mean(tensor.SumAxes(tensor.Square(lv), []int{2}, false))
}

// EdgeLoss returns the mean squared deviation of the edge lengths of
// vertices [B, V, 3] from each mesh's mean edge length.
func (m *MeshModel) EdgeLoss(v *tensor.Tensor) *tensor.Tensor {
	ia, ib := make([]int, len(m.edges)), make([]int, len(m.edges))
	for k, e := range m.edges {
		ia[k], ib[k] = e[0], e[1]
	}
	d := tensor.Sub(tensor.IndexSelect(v, 1, ia), tensor.IndexSelect(v, 1, ib))
	l := tensor.Sqrt(tensor.AddScalar(tensor.SumAxes(tensor.Square(d), []int{2}, false), 1e-12))
	return tensor.Mean(tensor.Square(tensor.Sub(l, tensor.MeanAxes(l, []int{1}, true))))
}

// TrainLoss implements models.Trainable for a batch of target point
// clouds [B, N, 3]: Chamfer(vertices, targets) + kl_weight·KL +
// laplacian_weight·Laplacian + edge_weight·edge-length loss.
func (m *MeshModel) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x, err := clouds(batch.Images)
	if err != nil {
		panic(err)
	}
	f := m.Encoder.Forward(x)
	mu, logvar := m.Mean.Forward(f), m.LogVar.Forward(f)
	z := tensor.Add(mu, tensor.Mul(tensor.Exp(tensor.Scale(logvar, 0.5)), rngs.Stream("latent").Normal(mu.Shape()...)))
	v := m.Deform(z)
	ch := ChamferLoss(v, x)
	kl := tensor.Scale(tensor.Sum(tensor.KLStandardNormal(mu, logvar)), 1/float32(x.Dim(0)))
	lap := m.LaplacianLoss(v)
	edge := m.EdgeLoss(v)
	loss := tensor.Add(tensor.Add(ch, tensor.Scale(kl, float32(m.c.KLWeight))),
		tensor.Add(tensor.Scale(lap, float32(m.c.LaplacianWeight)), tensor.Scale(edge, float32(m.c.EdgeWeight))))
	return loss, map[string]float64{
		"loss": float64(loss.Item()), "chamfer": float64(ch.Item()), "kl": float64(kl.Item()),
		"laplacian": float64(lap.Item()), "edge": float64(edge.Item()),
	}
}

// Reconstruct returns the template deformed by the posterior means of
// target clouds [B, N, 3], as [B, V, 3] vertices.
func (m *MeshModel) Reconstruct(x *tensor.Tensor) *tensor.Tensor {
	var out *tensor.Tensor
	tensor.NoGrad(func() { out = m.Deform(m.Mean.Forward(m.Encoder.Forward(x))) })
	return out
}

// Sample draws n meshes from the prior.
func (m *MeshModel) Sample(n int, rngs *tensor.Rngs) []*Mesh {
	var v *tensor.Tensor
	tensor.NoGrad(func() { v = m.Deform(rngs.Sample().Normal(n, m.c.Latent)) })
	return m.Meshes(v)
}

// Meshes turns vertices [B, V, 3] into meshes with the template's faces.
func (m *MeshModel) Meshes(v *tensor.Tensor) []*Mesh {
	nv := len(m.template.Vertices)
	var out []*Mesh
	for _, pts := range PointsOf(v.Data(), nv) {
		out = append(out, &Mesh{Vertices: pts, Faces: append([][3]int(nil), m.template.Faces...)})
	}
	return out
}
