package factory

import (
	"fmt"
	"maps"
	"slices"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/geometric"
	"github.com/artifex-go/artifex/nn"
)

// geometricBuilder builds the geometric family (models/geometric):
// GraphModel (EGNN diffusion over node coordinates and features),
// PointCloudModel (point-cloud VAE) and MeshModel (template deformation).
type geometricBuilder struct{}

// geometricDefaults are each class's parameters with their defaults.
var geometricDefaults = map[string]map[string]any{
	"GraphModel": {
		"coordinate_dim": 3, "num_layers": 4, "noise_steps": 500, "beta_schedule": "cosine",
		"index_embedding_dim": 0, "clip_radius": 10.0,
	},
	"PointCloudModel": {
		"decoder_dims": []int{256, 256}, "loss": geometric.LossChamfer, "kl_weight": 1e-3,
		"sinkhorn_eps": 0.02, "sinkhorn_iters": 30,
	},
	"MeshModel": {
		"subdivisions": 2, "decoder_dims": []int{256, 256}, "kl_weight": 1e-3,
		"laplacian_weight": 0.1, "edge_weight": 0.1,
	},
}

// geometricHidden are the hidden_dims applied when a configuration has
// none: the EGNN width, or the PointNet encoder widths.
var geometricHidden = map[string][]int{
	"GraphModel":      {64},
	"PointCloudModel": {64, 128, 256},
	"MeshModel":       {64, 128, 256},
}

// geometricLatent is the default latent size (output_dim) of the VAEs.
const geometricLatent = 64

// geometricAliases are the seed's names of the geometric classes
// ("geometric.py  # Geometric models (PointCloud, Mesh, Graph)").
var geometricAliases = map[string]string{"PointCloud": "PointCloudModel", "Mesh": "MeshModel", "Graph": "GraphModel"}

// canonical maps an accepted class name to the one it builds.
func (geometricBuilder) canonical(class string) string {
	if c, ok := geometricAliases[class]; ok {
		return c
	}
	return class
}

// Classes implements Describer.
func (geometricBuilder) Classes() []string {
	return []string{"GraphModel", "PointCloudModel", "MeshModel", "Graph", "PointCloud", "Mesh"}
}

// ParameterSchema implements Describer.
func (b geometricBuilder) ParameterSchema(class string) config.ParameterSchema {
	return config.ParameterSchema{Family: "geometric", Known: slices.Sorted(maps.Keys(geometricDefaults[b.canonical(class)]))}
}

// Build implements Builder.
func (b geometricBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...Option) (Model, error) {
	class := b.canonical(ClassName(cfg.ModelClass))
	defaults, ok := geometricDefaults[class]
	if !ok {
		return nil, fmt.Errorf("unknown geometric class %q; geometric classes: GraphModel, PointCloudModel, MeshModel", class)
	}
	if len(cfg.InputDim) != 2 {
		return nil, fmt.Errorf("input_dim must be [nodes or points, values per node], e.g. [64, 3]; got %v", []int(cfg.InputDim))
	}
	if len(cfg.HiddenDims) == 0 {
		cfg.HiddenDims = slices.Clone(geometricHidden[class])
	}
	if cfg.Activation == "" {
		cfg.Activation = "relu"
	}
	cfg.Parameters = WithDefaults(cfg.Parameters, defaults)
	p := cfg.Parameters
	var e paramErrors
	n, width := cfg.InputDim[0], cfg.InputDim[1]
	switch class {
	case "GraphModel":
		coords := e.int(GetInt(p, "coordinate_dim", 0))
		c := geometric.GraphConfig{
			Nodes: n, Coords: coords, Features: width - coords, Hidden: cfg.HiddenDims[0],
			Layers: e.int(GetInt(p, "num_layers", 0)), Steps: e.int(GetInt(p, "noise_steps", 0)),
			Schedule: e.str(GetString(p, "beta_schedule", "")), IndexEmbedding: e.int(GetInt(p, "index_embedding_dim", 0)),
			ClipRadius: e.float(GetFloat(p, "clip_radius", 0)),
		}
		if e.err != nil {
			return nil, e.err
		}
		if len(cfg.OutputDim) > 0 && !slices.Equal(cfg.OutputDim, cfg.InputDim) {
			return nil, fmt.Errorf("output_dim %v must equal input_dim %v: the model generates graphs of the data's shape", []int(cfg.OutputDim), []int(cfg.InputDim))
		}
		cfg.OutputDim = slices.Clone(cfg.InputDim)
		c.Model = cfg
		return built(geometric.NewGraphModel(c, rngs))
	}
	if width != 3 {
		return nil, fmt.Errorf("%s reads point clouds: input_dim must be [points, 3], got %v", class, []int(cfg.InputDim))
	}
	switch len(cfg.OutputDim) {
	case 0:
		cfg.OutputDim = config.Dims{geometricLatent}
	case 1:
	default:
		return nil, fmt.Errorf("output_dim is the latent size, one number; got %v", []int(cfg.OutputDim))
	}
	dec, err := GetInts(p, "decoder_dims", nil)
	e.keep(err)
	kl := e.float(GetFloat(p, "kl_weight", 0))
	if class == "PointCloudModel" {
		c := geometric.PointCloudConfig{
			Points: n, Encoder: slices.Clone(cfg.HiddenDims), Decoder: dec, Latent: cfg.OutputDim[0],
			Loss: e.str(GetString(p, "loss", "")), KLWeight: kl, Activation: cfg.Activation,
			SinkhornEps: e.float(GetFloat(p, "sinkhorn_eps", 0)), SinkhornIters: e.int(GetInt(p, "sinkhorn_iters", 0)),
		}
		if e.err != nil {
			return nil, e.err
		}
		if c.SinkhornEps <= 0 || c.SinkhornIters <= 0 {
			return nil, fmt.Errorf("sinkhorn_eps and sinkhorn_iters must be positive, got %g and %d", c.SinkhornEps, c.SinkhornIters)
		}
		c.Model = cfg
		return built(geometric.NewPointCloudModel(c, rngs))
	}
	c := geometric.MeshConfig{
		Subdivisions: e.int(GetInt(p, "subdivisions", 0)), Encoder: slices.Clone(cfg.HiddenDims), Decoder: dec,
		Latent: cfg.OutputDim[0], KLWeight: kl, Activation: cfg.Activation,
		LaplacianWeight: e.float(GetFloat(p, "laplacian_weight", 0)), EdgeWeight: e.float(GetFloat(p, "edge_weight", 0)),
	}
	if e.err != nil {
		return nil, e.err
	}
	c.Model = cfg
	return built(geometric.NewMeshModel(c, rngs))
}
