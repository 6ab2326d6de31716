package geometric

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// rigid applies x ↦ R·x + t to points [B, N, 3].
func rigid(x *tensor.Tensor, r [3][3]float64, t Point) *tensor.Tensor {
	rt := make([]float32, 9)
	for i := range 3 {
		for j := range 3 {
			rt[j*3+i] = float32(r[i][j]) // Rᵀ, since points are rows
		}
	}
	return tensor.Add(tensor.MatMul(x, tensor.FromSlice(rt, 3, 3)), tensor.FromSlice([]float32{float32(t[0]), float32(t[1]), float32(t[2])}, 3))
}

func maxDiff(t *testing.T, a, b *tensor.Tensor) float64 {
	t.Helper()
	if !slices.Equal(a.Shape(), b.Shape()) {
		t.Fatalf("shapes %v and %v", a.Shape(), b.Shape())
	}
	m := 0.0
	for i, v := range a.Data() {
		m = math.Max(m, math.Abs(float64(v-b.Data()[i])))
	}
	return m
}

func TestEGNNIsEquivariantToRotationsReflectionsAndTranslations(t *testing.T) {
	rngs := nn.NewRngs(1)
	g, err := NewEGNN(rngs, 5, 32, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	s := tensor.NewRngs(2).Stream("x")
	h := s.Normal(2, 9, 5)
	x := s.Normal(2, 9, 3)
	mask := tensor.FromSlice([]float32{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 9)
	rot := randomRotation(s)
	refl := rot
	for j := range 3 {
		refl[0][j] = -rot[0][j]
	}
	for _, r := range [][3][3]float64{rot, refl} {
		for _, m := range []*tensor.Tensor{nil, mask} {
			tr := Point{3, -1, 2}
			h1, x1 := g.Forward(h, x, m)
			h2, x2 := g.Forward(h, rigid(x, r, tr), m)
			if d := maxDiff(t, h1, h2); d > 1e-4 {
				t.Errorf("features changed by %g under a rigid motion", d)
			}
			if d := maxDiff(t, rigid(x1, r, tr), x2); d > 1e-4 {
				t.Errorf("coordinates off by %g: f(Rx+t) ≠ R f(x) + t", d)
			}
			if d := maxDiff(t, x1, x); d < 1e-6 {
				t.Error("coordinates not updated at all")
			}
		}
	}
	// A masked-out node neither moves nor influences the others.
	_, xa := g.Forward(h, x, mask)
	x2 := x.Clone()
	x2.Data()[(9+8)*3] += 5
	_, xb := g.Forward(h, x2, mask)
	if d := maxDiff(t, tensor.Narrow(xa, 1, 0, 7), tensor.Narrow(xb, 1, 0, 7)); d > 1e-6 {
		t.Errorf("moving a masked node moved present nodes by %g", d)
	}
}

func TestEGNNIsPermutationEquivariant(t *testing.T) {
	g, _ := NewEGNN(nn.NewRngs(3), 4, 16, 4, 2)
	s := tensor.NewRngs(4).Stream("x")
	h, x := s.Normal(1, 6, 4), s.Normal(1, 6, 3)
	perm := []int{3, 0, 5, 1, 4, 2}
	h1, x1 := g.Forward(h, x, nil)
	h2, x2 := g.Forward(tensor.IndexSelect(h, 1, perm), tensor.IndexSelect(x, 1, perm), nil)
	if maxDiff(t, tensor.IndexSelect(h1, 1, perm), h2) > 1e-5 || maxDiff(t, tensor.IndexSelect(x1, 1, perm), x2) > 1e-5 {
		t.Error("permuting the nodes does not permute the outputs")
	}
}

func testGraphModel(t *testing.T, features, index int) *GraphModel {
	t.Helper()
	g, err := NewGraphModel(GraphConfig{Nodes: 8, Coords: 3, Features: features, Hidden: 32, Layers: 3, Steps: 50, Schedule: "cosine", IndexEmbedding: index}, nn.NewRngs(5))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGraphModelNoisePredictionIsEquivariant(t *testing.T) {
	g := testGraphModel(t, 2, 0)
	s := tensor.NewRngs(6).Stream("x")
	x, h := RemoveMean(s.Normal(3, 8, 3)), s.Normal(3, 8, 2)
	r := randomRotation(s)
	e1, f1 := g.PredictNoise(x, h, []int{0, 10, 40})
	e2, f2 := g.PredictNoise(rigid(x, r, Point{}), h, []int{0, 10, 40})
	if d := maxDiff(t, rigid(e1, r, Point{}), e2); d > 1e-4 {
		t.Errorf("coordinate noise not equivariant: %g", d)
	}
	if d := maxDiff(t, f1, f2); d > 1e-4 {
		t.Errorf("feature noise not invariant: %g", d)
	}
	m := tensor.MeanAxes(e1, []int{1}, false)
	for _, v := range m.Data() {
		if math.Abs(float64(v)) > 1e-5 {
			t.Fatalf("predicted coordinate noise has a mean %v over nodes", v)
		}
	}
}

// The ancestral sampler keeps the data's scale. The cosine schedule's
// last ᾱ is about 1e-6 at 50 steps (1e-8 at 500), and the first step's
// clean estimate (x_T − √(1−ᾱ)·ε̂)/√ᾱ multiplies the noise prediction's
// error by 1/√ᾱ; an untrained network, whose ε̂ is near zero, made
// samples of coordinates in the tens at 50 steps (a protein model's at 500
// steps reached 1e4 and then NaN). With the clean estimate bounded the
// samples are finite and of unit scale.
func TestGraphModelSamplesStayAtTheDataScale(t *testing.T) {
	for _, features := range []int{0, 2} {
		g := testGraphModel(t, features, 4)
		if g.Settings().ClipRadius != 0 {
			t.Fatalf("test model clips at %g before it is asked to", g.Settings().ClipRadius)
		}
		g.c.ClipRadius = 3
		smp := g.Sample(4, tensor.NewRngs(8))
		worst := 0.0
		for _, v := range smp.Data() {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("features %d: non-finite sample value %v", features, v)
			}
			worst = max(worst, math.Abs(float64(v)))
		}
		c, _, _ := g.split(smp)
		rms := math.Sqrt(float64(tensor.Mean(tensor.Square(c)).Item()))
		t.Logf("features %d: coordinate RMS %.3f, largest |value| %.3f", features, rms, worst)
		if rms < 0.05 || rms > 3 || worst > 6 {
			t.Errorf("features %d: samples of coordinate RMS %.3f and largest |value| %.3f; want the clip radius 3's scale", features, rms, worst)
		}
	}
	if _, err := NewGraphModel(GraphConfig{Nodes: 8, Coords: 3, Hidden: 8, Layers: 1, Steps: 10, Schedule: "cosine", ClipRadius: -1}, nn.NewRngs(1)); err == nil {
		t.Error("a negative clip radius was accepted")
	}
}

func TestClipNormsIsEquivariantAndBounded(t *testing.T) {
	s := tensor.NewRngs(3).Stream("x")
	x := tensor.Scale(RemoveMean(s.Normal(2, 8, 3)), 4)
	r := randomRotation(s)
	a := rigid(ClipNorms(x, 2), r, Point{})
	b := ClipNorms(rigid(x, r, Point{}), 2)
	if d := maxDiff(t, a, b); d > 1e-4 {
		t.Errorf("ClipNorms does not commute with a rotation: %g", d)
	}
	// Centring again after the clip can move a node by at most the
	// clip's mean displacement, so norms stay close to the bound.
	c := ClipNorms(x, 2).Data()
	for k := 0; k < len(c); k += 3 {
		if n := math.Sqrt(float64(c[k]*c[k] + c[k+1]*c[k+1] + c[k+2]*c[k+2])); n > 4 {
			t.Fatalf("node at distance %g after clipping at 2", n)
		}
	}
	small := tensor.Scale(x, 0.01)
	if d := maxDiff(t, ClipNorms(small, 2), small); d > 1e-6 {
		t.Errorf("ClipNorms moved points inside the radius by %g", d)
	}
}

// helixTraces returns n noisy helices of 8 points [n, 1, 8, 3], a
// shape with a clear structure for a graph model to learn.
func helixTraces(n int, s *tensor.Stream) *data.Dataset {
	var v []float32
	for range n {
		ph := 2 * math.Pi * s.Float64()
		for j := range 8 {
			a := ph + float64(j)*100*math.Pi/180
			v = append(v, float32(0.23*math.Cos(a)), float32(0.23*math.Sin(a)), float32(0.15*float64(j)-0.525))
		}
	}
	d, _ := data.NewDataset(v, nil, 1, 8, 3)
	return d
}

// fit runs steps of Adam on m's TrainLoss over batches of d and returns
// the mean loss of the first and the last ten steps.
func fit(t *testing.T, m models.Trainable, d *data.Dataset, steps, batch int, lr float64) (first, last float64) {
	t.Helper()
	opt, err := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: lr})
	if err != nil {
		t.Fatal(err)
	}
	rngs := tensor.NewRngs(9)
	x := d.Images()
	var losses []float64
	for i := range steps {
		idx := make([]int, batch)
		for k := range idx {
			idx[k] = (i*batch + k) % d.Len()
		}
		opt.ZeroGrad()
		l, _ := m.TrainLoss(data.Batch{Images: tensor.IndexSelect(x, 0, idx)}, rngs)
		l.Backward()
		opt.Step()
		losses = append(losses, float64(l.Item()))
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	return mean(losses[:10]), mean(losses[len(losses)-10:])
}

func TestGraphModelLearnsHelices(t *testing.T) {
	g := testGraphModel(t, 0, 8)
	d := helixTraces(64, tensor.NewRngs(7).Stream("d"))
	first, last := fit(t, g, d, 150, 16, 3e-3)
	t.Logf("noise-prediction loss %.3f → %.3f", first, last)
	if last > 0.8*first {
		t.Errorf("loss %.3f → %.3f: the graph model does not learn", first, last)
	}
	smp := g.Sample(4, tensor.NewRngs(8))
	if !slices.Equal(smp.Shape(), []int{4, 8, 3}) {
		t.Fatalf("sample shape %v", smp.Shape())
	}
	for _, v := range tensor.MeanAxes(smp, []int{1}, false).Data() {
		if math.Abs(float64(v)) > 1e-4 {
			t.Fatalf("sample centre of mass %v", v)
		}
	}
	if _, _, err := g.Denoise(tensor.Zeros(2, 8, 4), tensor.NewRngs(1)); err == nil {
		t.Error("graphs of 4 values per node accepted by a 3-value model")
	}
}

func TestChamferLossMatchesTheMetricAndHasGradients(t *testing.T) {
	s := tensor.NewRngs(10).Stream("x")
	x, y := s.Normal(2, 7, 3), s.Normal(2, 5, 3)
	got := float64(ChamferLoss(x, y).Item())
	px, py := PointsOf(x.Data(), 7), PointsOf(y.Data(), 5)
	want := (Chamfer(px[0], py[0]) + Chamfer(px[1], py[1])) / 2
	if math.Abs(got-want) > 1e-4 {
		t.Errorf("ChamferLoss %.6f, metric %.6f", got, want)
	}
	xp := x.Clone().SetRequiresGrad(true)
	g := tensor.Grad([]*tensor.Tensor{ChamferLoss(xp, y)}, []*tensor.Tensor{xp}, false)[0]
	const h = 1e-2
	for _, i := range []int{0, 5, 20, 41} {
		plus, minus := x.Clone(), x.Clone()
		plus.Data()[i] += h
		minus.Data()[i] -= h
		num := float64(ChamferLoss(plus, y).Item()-ChamferLoss(minus, y).Item()) / (2 * h)
		if math.Abs(num-float64(g.Data()[i])) > 2e-3 {
			t.Errorf("d/dx[%d]: autodiff %.5f, finite difference %.5f", i, g.Data()[i], num)
		}
	}
}

func TestSinkhornApproachesTheExactEMD(t *testing.T) {
	s := tensor.NewRngs(11).Stream("x")
	x, y := s.Normal(1, 16, 3), s.Normal(1, 16, 3)
	emd, err := EMD(PointsOf(x.Data(), 16)[0], PointsOf(y.Data(), 16)[0])
	if err != nil {
		t.Fatal(err)
	}
	approx := float64(SinkhornLoss(x, y, 0.01, 200).Item())
	if math.Abs(approx-emd) > 0.03*emd {
		t.Errorf("Sinkhorn %.4f, exact EMD %.4f", approx, emd)
	}
	if l := float64(SinkhornLoss(x, x, 0.01, 200).Item()); l > 0.05 {
		t.Errorf("Sinkhorn distance of a set to itself %.4f", l)
	}
}

func TestEMDIsTheBestMatchingByBruteForce(t *testing.T) {
	s := tensor.NewRngs(12).Stream("x")
	a, b := PointsOf(s.Normal(6, 3).Data(), 6)[0], PointsOf(s.Normal(6, 3).Data(), 6)[0]
	best := math.Inf(1)
	perm := []int{0, 1, 2, 3, 4, 5}
	var rec func(k int)
	rec = func(k int) {
		if k == len(perm) {
			c := 0.0
			for i, j := range perm {
				c += math.Sqrt(sqDist(a[i], b[j]))
			}
			best = math.Min(best, c/6)
			return
		}
		for i := k; i < len(perm); i++ {
			perm[k], perm[i] = perm[i], perm[k]
			rec(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	rec(0)
	got, _ := EMD(a, b)
	if math.Abs(got-best) > 1e-12 {
		t.Errorf("EMD %.9f, brute force %.9f", got, best)
	}
	if _, err := EMD(a, b[:3]); err == nil || !strings.Contains(err.Error(), "equal size") {
		t.Errorf("sets of different sizes: err %v", err)
	}
}

func TestCoverageAndMinimumMatchingDistance(t *testing.T) {
	at := func(c float64) []Point { return []Point{{c, 0, 0}, {c, 1, 0}} }
	refs := [][]Point{at(0), at(10), at(20)}
	collapsed := [][]Point{at(0.1), at(0.2), at(-0.1)}
	spread := [][]Point{at(0.1), at(10.1), at(19.9)}
	if c := Coverage(collapsed, refs, Chamfer); math.Abs(c-1.0/3) > 1e-12 {
		t.Errorf("collapsed samples cover %.3f, want 1/3", c)
	}
	if c := Coverage(spread, refs, Chamfer); c != 1 {
		t.Errorf("spread samples cover %.3f, want 1", c)
	}
	if m := MinimumMatchingDistance(spread, refs, Chamfer); math.Abs(m-0.02) > 1e-9 {
		t.Errorf("MMD %.6f, want 0.02 (2·0.1² per reference)", m)
	}
	if m := MinimumMatchingDistance(spread, refs, EMDDistance); math.Abs(m-0.1) > 1e-9 {
		t.Errorf("MMD under EMD %.6f, want 0.1", m)
	}
}

func TestPrimitivesLieOnTheirSurfaces(t *testing.T) {
	s := tensor.NewRngs(13).Stream("p")
	for _, kind := range Primitives {
		pts, err := SamplePrimitive(kind, 500, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pts {
			var off float64
			switch kind {
			case "sphere":
				off = math.Sqrt(sqDist(p, Point{})) - 1
			case "torus":
				q := math.Hypot(p[0], p[1]) - 0.7
				off = math.Hypot(q, p[2]) - 0.3
			case "cube":
				off = math.Max(math.Abs(p[0]), math.Max(math.Abs(p[1]), math.Abs(p[2]))) - 1
			}
			if math.Abs(off) > 1e-9 {
				t.Fatalf("%s point %v is %g off the surface", kind, p, off)
			}
		}
	}
	if _, err := SamplePrimitive("cone", 3, s); err == nil || !strings.Contains(err.Error(), "sphere, torus, cube") {
		t.Errorf("unknown primitive: err %v", err)
	}
}

func testPointCloud(t *testing.T, loss string) *PointCloudModel {
	t.Helper()
	m, err := NewPointCloudModel(PointCloudConfig{Points: 64, Encoder: []int{32, 64}, Decoder: []int{64}, Latent: 8, Loss: loss,
		KLWeight: 1e-3, SinkhornEps: 0.02, SinkhornIters: 20, Activation: "relu"}, nn.NewRngs(14))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPointCloudEncoderIgnoresPointOrder(t *testing.T) {
	m := testPointCloud(t, LossChamfer)
	x := tensor.NewRngs(15).Stream("x").Normal(2, 64, 3)
	perm := tensor.NewRngs(16).Stream("p").Permutation(64)
	a, _ := m.Encode(x)
	b, _ := m.Encode(tensor.IndexSelect(x, 1, perm))
	if d := maxDiff(t, a, b); d > 1e-6 {
		t.Errorf("encoding changed by %g when the points were shuffled", d)
	}
}

func TestPointCloudModelLearnsPrimitives(t *testing.T) {
	for _, loss := range []string{LossChamfer, LossEMD} {
		m := testPointCloud(t, loss)
		train, err := PrimitiveDataset(96, 64, false, tensor.NewRngs(17).Stream("train"))
		if err != nil {
			t.Fatal(err)
		}
		test, _ := PrimitiveDataset(24, 64, false, tensor.NewRngs(18).Stream("test"))
		before, _ := m.Evaluate(test, tensor.NewRngs(19))
		steps := 150
		if loss == LossEMD {
			steps = 60
		}
		fit(t, m, train, steps, 16, 3e-3)
		after, _ := m.Evaluate(test, tensor.NewRngs(19))
		t.Logf("%s: held-out reconstruction Chamfer %.4f → %.4f; samples: coverage %.2f, MMD %.4f",
			loss, before["reconstruction_chamfer"], after["reconstruction_chamfer"], after["coverage_chamfer"], after["mmd_chamfer"])
		if after["reconstruction_chamfer"] > 0.5*before["reconstruction_chamfer"] {
			t.Errorf("%s: held-out Chamfer %.4f → %.4f", loss, before["reconstruction_chamfer"], after["reconstruction_chamfer"])
		}
		if s := m.Sample(3, tensor.NewRngs(20)); !slices.Equal(s.Shape(), []int{3, 64, 3}) {
			t.Errorf("sample shape %v", s.Shape())
		}
	}
	if _, err := NewPointCloudModel(PointCloudConfig{Points: 4, Encoder: []int{8}, Latent: 2, Loss: "l2"}, nn.NewRngs(1)); err == nil || !strings.Contains(err.Error(), "chamfer, emd") {
		t.Errorf("unknown loss: err %v", err)
	}
}

func TestIcosphereIsAClosedSurface(t *testing.T) {
	for sub, want := range []int{12, 42, 162} {
		m := Icosphere(sub)
		v, e, f := len(m.Vertices), len(m.Edges()), len(m.Faces)
		if v != want || v-e+f != 2 {
			t.Errorf("subdivision %d: V=%d E=%d F=%d, want V=%d and V−E+F = 2", sub, v, e, f, want)
		}
	}
}

func TestMeshFilesRoundTrip(t *testing.T) {
	m := Icosphere(1)
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer, *Mesh) error
		read  func(*bytes.Buffer) (*Mesh, error)
	}{
		{"obj", func(b *bytes.Buffer, m *Mesh) error { return WriteOBJ(b, m) }, func(b *bytes.Buffer) (*Mesh, error) { return ReadOBJ(b) }},
		{"off", func(b *bytes.Buffer, m *Mesh) error { return WriteOFF(b, m) }, func(b *bytes.Buffer) (*Mesh, error) { return ReadOFF(b) }},
	} {
		var buf bytes.Buffer
		if err := f.write(&buf, m); err != nil {
			t.Fatal(err)
		}
		back, err := f.read(&buf)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if !slices.Equal(back.Faces, m.Faces) || len(back.Vertices) != len(m.Vertices) {
			t.Fatalf("%s: %d faces, %d vertices back", f.name, len(back.Faces), len(back.Vertices))
		}
		for i, v := range back.Vertices {
			if sqDist(v, m.Vertices[i]) > 1e-10 {
				t.Fatalf("%s: vertex %d moved", f.name, i)
			}
		}
	}
	quad, err := ReadOBJ(strings.NewReader("# square\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2//1 3//1 -1//1\n"))
	if err != nil || len(quad.Faces) != 2 || quad.Faces[1] != [3]int{0, 2, 3} {
		t.Errorf("quad with normals and a negative index: %v, %v", quad, err)
	}
	if _, err := ReadOBJ(strings.NewReader("v 0 0 0\nf 1 2 3\n")); err == nil || !strings.Contains(err.Error(), "names vertex") {
		t.Errorf("face beyond the vertices: err %v", err)
	}
	cube, err := ReadOFF(strings.NewReader("OFF\n# cube corner\n4 1 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n4 0 1 2 3 255 0 0\n"))
	if err != nil || len(cube.Faces) != 2 {
		t.Errorf("OFF quad with a colour: %v, %v", cube, err)
	}
	if _, err := ReadOFF(strings.NewReader("PLY\n")); err == nil {
		t.Error("a file without OFF accepted")
	}
}

func TestReadPLYAsciiAndBinary(t *testing.T) {
	ascii := "ply\nformat ascii 1.0\ncomment made by a test\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\n" +
		"element face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0 255\n1 0 0 0\n0 1 0 7\n3 0 1 2\n"
	m, err := ReadPLY(strings.NewReader(ascii))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Vertices) != 3 || m.Vertices[1] != (Point{1, 0, 0}) || len(m.Faces) != 1 {
		t.Errorf("ascii PLY read as %+v", m)
	}
	var buf bytes.Buffer
	buf.WriteString("ply\nformat binary_little_endian 1.0\nelement vertex 2\nproperty double x\nproperty double y\nproperty double z\nend_header\n")
	for _, v := range []float64{1.5, -2, 3, 4, 5, 6.25} {
		b := make([]byte, 8)
		bits := math.Float64bits(v)
		for k := range 8 {
			b[k] = byte(bits >> (8 * k))
		}
		buf.Write(b)
	}
	m, err = ReadPLY(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Vertices) != 2 || m.Vertices[0] != (Point{1.5, -2, 3}) || m.Vertices[1] != (Point{4, 5, 6.25}) {
		t.Errorf("binary PLY read as %+v", m.Vertices)
	}
	if _, err := ReadPLY(strings.NewReader("ply\nformat binary_middle_endian 1.0\nend_header\n")); err == nil || !strings.Contains(err.Error(), "ascii") {
		t.Errorf("unknown format: err %v", err)
	}
}

func TestMeshModelLearnsToFitShapes(t *testing.T) {
	m, err := NewMeshModel(MeshConfig{Subdivisions: 2, Encoder: []int{32, 64}, Decoder: []int{64}, Latent: 8, KLWeight: 1e-3,
		LaplacianWeight: 0.1, EdgeWeight: 0.1, Activation: "relu"}, nn.NewRngs(21))
	if err != nil {
		t.Fatal(err)
	}
	if l := m.LaplacianLoss(m.templateTensor()).Item(); l > 0.01 {
		t.Errorf("Laplacian of the sphere template %g", l)
	}
	train, _ := PrimitiveDataset(60, 128, false, tensor.NewRngs(22).Stream("mesh"))
	first, last := fit(t, m, train, 120, 12, 3e-3)
	t.Logf("mesh loss %.4f → %.4f", first, last)
	if last > 0.6*first {
		t.Errorf("mesh loss %.4f → %.4f", first, last)
	}
	meshes := m.Sample(2, tensor.NewRngs(23))
	if len(meshes) != 2 || len(meshes[0].Vertices) != 162 || len(meshes[0].Faces) != 320 {
		t.Fatalf("sampled %d meshes", len(meshes))
	}
	var buf bytes.Buffer
	if err := WriteOBJ(&buf, meshes[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := NewMeshModel(MeshConfig{Subdivisions: 7, Encoder: []int{8}, Latent: 2}, nn.NewRngs(1)); err == nil {
		t.Error("7 subdivisions accepted")
	}
}

// A graph in 3-D is a models.FileSampler whose file is a PLY of its nodes.
func TestGraphModelWritesItsSampleAsPLY(t *testing.T) {
	g, err := NewGraphModel(GraphConfig{Nodes: 6, Coords: 3, Hidden: 8, Layers: 1, Steps: 5, Schedule: "cosine"}, nn.NewRngs(1))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), g.SampleFile())
	if err := g.WriteSample(path, tensor.NewRngs(2)); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if m, err := ReadPLY(f); err != nil || len(m.Vertices) != 6 {
		t.Errorf("%s: %v, %v; want 6 vertices", path, m, err)
	}
	flat, _ := NewGraphModel(GraphConfig{Nodes: 6, Coords: 2, Hidden: 8, Layers: 1, Steps: 5, Schedule: "cosine"}, nn.NewRngs(1))
	if name := flat.SampleFile(); name != "" {
		t.Errorf("a 2-D graph names sample file %q, want none", name)
	}
}
