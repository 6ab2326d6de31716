package protein_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

func testChain(t *testing.T) *protein.Chain {
	t.Helper()
	s, err := protein.ReadPDB(filepath.Join("testdata", "1BXY_A.pdb"))
	if err != nil {
		t.Fatal(err)
	}
	return s.Chains[0]
}

func atomsTensor(pts []protein.Vec3) *tensor.Tensor {
	v := make([]float32, 0, 3*len(pts))
	for _, p := range pts {
		v = append(v, float32(p[0]), float32(p[1]), float32(p[2]))
	}
	return tensor.FromSlice(v, 1, len(pts), 3)
}

func TestConstraintLossesMeasureBackboneGeometry(t *testing.T) {
	c := testChain(t)
	real, _ := c.Backbone()
	g := protein.MeasureBackbone(real)
	bl := float64(protein.BondLengthLoss(atomsTensor(real), []float64{protein.BondNCA, protein.BondCAC, protein.BondCN}).Item())
	if math.Abs(math.Sqrt(bl)-g.BondLengthRMSD) > 1e-4 {
		t.Errorf("bond-length loss %.6f Å², MeasureBackbone RMSD %.6f Å", bl, g.BondLengthRMSD)
	}
	ang, _ := protein.BackboneAngles(c)
	ideal := protein.BuildBackbone(ang)
	it := atomsTensor(ideal)
	if l := protein.BondLengthLoss(it, []float64{protein.BondNCA, protein.BondCAC, protein.BondCN}).Item(); l > 1e-8 {
		t.Errorf("ideal backbone bond-length loss %g", l)
	}
	// Rebuilt with the real angles, the angle term equals the real one's.
	ra := protein.BondAngleLoss(atomsTensor(real), []float64{protein.AngleNCAC, protein.AngleCACN, protein.AngleCNCA}).Item()
	ia := protein.BondAngleLoss(it, []float64{protein.AngleNCAC, protein.AngleCACN, protein.AngleCNCA}).Item()
	if math.Abs(float64(ra-ia)) > 1e-5 || ra <= 0 {
		t.Errorf("angle loss: real %g, rebuilt %g", ra, ia)
	}
	flat := make([][6]float64, len(ang))
	for i := range flat {
		flat[i] = [6]float64{-1, -0.8, math.Pi, protein.AngleNCAC, protein.AngleCACN, protein.AngleCNCA}
	}
	if l := protein.BondAngleLoss(atomsTensor(protein.BuildBackbone(flat)), []float64{protein.AngleNCAC, protein.AngleCACN, protein.AngleCNCA}).Item(); l > 1e-8 {
		t.Errorf("ideal angles give an angle loss of %g", l)
	}
}

func angleDDPM(meta map[string]any) config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "fd", ModelClass: "artifex.generative_models.models.diffusion.DDPM", InputDim: config.Dims{16, 6},
		HiddenDims: []int{32}, Activation: "gelu", Metadata: meta,
		Parameters: map[string]any{"noise_steps": 100, "beta_schedule": "cosine", "num_layers": 1, "num_heads": 2, "wrapped_angles": true, "loss_type": "huber"},
	}
}

func TestAdapterAddsWeightedConstraintTermsToTheFamilyLoss(t *testing.T) {
	m, err := factory.CreateModel(angleDDPM(map[string]any{"bond_angle_weight": 3.0}), nn.NewRngs(0), factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	a := m.(*protein.Adapted)
	if a.Representation() != protein.RepAngles {
		t.Errorf("representation %q", a.Representation())
	}
	meta := a.Config().Metadata
	if meta["bond_angle_weight"] != 3.0 || meta["bond_length_weight"] != 1.0 || meta["coordinate_scale"] != 10.0 || meta["modality"] != "protein" {
		t.Errorf("metadata %v: the user's weight kept and the defaults recorded", meta)
	}
	x := tensor.NewRngs(1).Stream("x").Uniform(-0.3, 0.3, 4, 1, 16, 6)
	loss, logs := a.TrainLoss(data.Batch{Images: x}, tensor.NewRngs(2))
	if _, ok := logs["bond_length"]; ok {
		t.Error("angle representations have no bond-length term to log")
	}
	if got, want := logs["loss"], logs["family_loss"]+3*logs["bond_angle"]; math.Abs(got-want) > 1e-4 || logs["bond_angle"] <= 0 {
		t.Errorf("loss %.6f, want family %.6f + 3·angle %.6f", got, logs["family_loss"], logs["bond_angle"])
	}
	params := nn.Parameters(a)
	if len(params) == 0 {
		t.Fatal("no parameters found through the adapter")
	}
	loss.Backward()
	if params[0].Tensor.Grad() == nil {
		t.Error("no gradient reached the wrapped model")
	}
	bb, err := a.SampleBackbones(2, tensor.NewRngs(3))
	if err != nil || len(bb) != 2 || len(bb[0]) != 48 {
		t.Fatalf("sampled backbones: %v, %d", err, len(bb))
	}
	if g := protein.MeasureBackbone(bb[0]); g.BondLengthRMSD > 1e-6 {
		t.Errorf("angle samples are rebuilt with ideal bonds; got RMSD %g", g.BondLengthRMSD)
	}
}

func TestAdapterServesVAEsOverBackboneCoordinates(t *testing.T) {
	cfg := config.ModelConfiguration{
		Name: "bb", ModelClass: "VAE", InputDim: config.Dims{8, 9}, HiddenDims: []int{32}, OutputDim: config.Dims{4},
		Parameters: map[string]any{"reconstruction_loss": "mse"},
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	pts, _ := testChain(t).Backbone()
	v := make([]float32, 0, 2*72)
	for _, p := range append(pts[:24:24], pts[24:48]...) {
		v = append(v, float32(p[0]/10), float32(p[1]/10), float32(p[2]/10))
	}
	_, logs := m.(*protein.Adapted).TrainLoss(data.Batch{Images: tensor.FromSlice(v, 2, 1, 8, 9)}, tensor.NewRngs(1))
	for _, k := range []string{"bond_length", "bond_angle", "family_loss", "kl"} {
		if _, ok := logs[k]; !ok {
			t.Errorf("log lacks %s: %v", k, logs)
		}
	}
	cfg.Parameters = nil
	if _, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("protein")); err == nil || !strings.Contains(err.Error(), "mse") {
		t.Errorf("a Bernoulli VAE over coordinates: err %v", err)
	}
}

func TestAdapterRejectsFamiliesAndLayoutsItCannotServe(t *testing.T) {
	gan, err := zoo.GetConfig("gan_mnist")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg  config.ModelConfiguration
		want string
	}{
		{gan, "gan models are not supported"},
		{config.ModelConfiguration{Name: "v", ModelClass: "VAE", InputDim: config.Dims{28, 28, 1}}, "not a protein layout"},
		{config.ModelConfiguration{Name: "pc", ModelClass: "PointCloudModel", InputDim: config.Dims{16, 3}, HiddenDims: []int{8}}, "serves GraphModel"},
		{config.ModelConfiguration{Name: "gr", ModelClass: "GraphModel", InputDim: config.Dims{16, 3}, HiddenDims: []int{8}, Parameters: map[string]any{"noise_steps": 10}}, "index_embedding_dim"},
		{angleDDPM(map[string]any{"bond_length_weight": -1}), "bond_length_weight"},
	} {
		_, err := factory.CreateModel(c.cfg, nn.NewRngs(0), factory.WithModality("protein"))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "Failed to apply modality 'protein'") {
			t.Errorf("%s %v: err %v, want %q", c.cfg.ModelClass, c.cfg.InputDim, err, c.want)
		}
	}
}

func TestConstraintTermPullsAGraphModelTowardsIdealCABonds(t *testing.T) {
	cfg := config.ModelConfiguration{
		Name: "ca", ModelClass: "GraphModel", InputDim: config.Dims{16, 3}, HiddenDims: []int{32},
		Parameters: map[string]any{"noise_steps": 50, "num_layers": 2, "index_embedding_dim": 8},
		Metadata:   map[string]any{"bond_length_weight": 0.05},
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	a := m.(*protein.Adapted)
	chains := []*protein.Chain{testChain(t)}
	ds, err := protein.CATraces(chains, 16, 2)
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := optim.NewAdam(nn.Parameters(a), optim.AdamConfig{LR: 3e-3})
	rngs := tensor.NewRngs(4)
	var first, last float64
	const steps = 80
	for i := range steps {
		idx := []int{(4 * i) % ds.Len(), (4*i + 1) % ds.Len(), (4*i + 2) % ds.Len(), (4*i + 3) % ds.Len()}
		opt.ZeroGrad()
		loss, logs := a.TrainLoss(data.Batch{Images: tensor.IndexSelect(ds.Images(), 0, idx)}, rngs)
		loss.Backward()
		opt.Step()
		if i < 10 {
			first += logs["bond_length"] / 10
		}
		if i >= steps-10 {
			last += logs["bond_length"] / 10
		}
	}
	t.Logf("CA–CA bond-length term (Å²) on the model's clean prediction: %.3f → %.3f", first, last)
	if last > 0.5*first {
		t.Errorf("bond-length term %.3f → %.3f", first, last)
	}
	bb, err := a.SampleBackbones(1, tensor.NewRngs(5))
	if err != nil || len(bb[0]) != 16 {
		t.Fatalf("CA samples: %v", err)
	}
}
