package factory

import (
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/geometric"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func geometricConfig(class string, in config.Dims, params map[string]any) config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "geo", ModelClass: "artifex.generative_models.models.geometric." + class,
		InputDim: in, HiddenDims: []int{16, 16}, Parameters: params,
	}
}

func TestGeometricBuilderBuildsEveryClassAndRecordsDefaults(t *testing.T) {
	for _, c := range []struct {
		class string
		in    config.Dims
		want  []string
	}{
		{"GraphModel", config.Dims{8, 5}, []string{"coordinate_dim", "num_layers", "noise_steps", "beta_schedule", "index_embedding_dim", "clip_radius"}},
		{"PointCloudModel", config.Dims{32, 3}, []string{"decoder_dims", "loss", "kl_weight", "sinkhorn_eps", "sinkhorn_iters"}},
		{"MeshModel", config.Dims{32, 3}, []string{"subdivisions", "decoder_dims", "laplacian_weight", "edge_weight"}},
	} {
		m, err := CreateModel(geometricConfig(c.class, c.in, map[string]any{"kl_weight": 0.5}), nn.NewRngs(0))
		if c.class == "GraphModel" {
			m, err = CreateModel(geometricConfig(c.class, c.in, map[string]any{"noise_steps": 20}), nn.NewRngs(0))
		}
		if err != nil {
			t.Fatalf("%s: %v", c.class, err)
		}
		got := m.Config()
		for _, k := range c.want {
			if _, ok := got.Parameters[k]; !ok {
				t.Errorf("%s: default %s not recorded in Config", c.class, k)
			}
		}
		if got.Activation == "" || len(got.OutputDim) == 0 {
			t.Errorf("%s: activation %q, output_dim %v not recorded", c.class, got.Activation, got.OutputDim)
		}
		tr, ok := m.(models.Trainable)
		if !ok {
			t.Fatalf("%s is not trainable", c.class)
		}
		x := tensor.NewRngs(1).Stream("x").Normal(2, 1, c.in[0], c.in[1])
		loss, logs := tr.TrainLoss(data.Batch{Images: x}, tensor.NewRngs(2))
		loss.Backward()
		if len(logs) == 0 || loss.Item() != loss.Item() {
			t.Errorf("%s: loss %v, logs %v", c.class, loss.Item(), logs)
		}
	}
	g, _ := CreateModel(geometricConfig("GraphModel", config.Dims{8, 5}, map[string]any{"noise_steps": 20}), nn.NewRngs(0))
	if s := g.(*geometric.GraphModel).Settings(); s.Coords != 3 || s.Features != 2 || s.Hidden != 16 {
		t.Errorf("graph settings %+v: want 3 coordinates and 2 features of [8, 5]", s)
	}
}

func TestGeometricBuilderRejectsBadConfigurations(t *testing.T) {
	for _, c := range []struct {
		cfg  config.ModelConfiguration
		want string
	}{
		{geometricConfig("PointCloudModel", config.Dims{32, 4}, nil), "[points, 3]"},
		{geometricConfig("PointCloudModel", config.Dims{32}, nil), "input_dim must be"},
		{geometricConfig("PointCloudModel", config.Dims{32, 3}, map[string]any{"loss": "l1"}), "chamfer, emd"},
		{geometricConfig("MeshModel", config.Dims{32, 3}, map[string]any{"laplacian": 1}), "laplacian"},
		{geometricConfig("GraphModel", config.Dims{8, 3}, map[string]any{"beta_schedule": "nope"}), "nope"},
		{geometricConfig("Graph2", config.Dims{8, 3}, nil), "GraphModel"},
	} {
		_, err := CreateModel(c.cfg, nn.NewRngs(0))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v %v: err %v, want it to mention %q", c.cfg.ModelClass, c.cfg.InputDim, c.cfg.Parameters, err, c.want)
		}
	}
	if !slices.Contains(DefaultRegistry().Types(), "geometric") {
		t.Error("geometric not registered")
	}
}
