package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/models/geometric"
	"github.com/artifex-go/artifex/train"
)

// pdbTestdata holds the two PDB files of the protein modality's tests; one
// chain (1Z2U) is long enough for 128-residue angle windows.
var pdbTestdata = filepath.Join("..", "..", "modality", "protein", "testdata")

// The zoo's FoldingDiff trains on a folder of PDB files the user names and
// samples backbones as PDB files.
func TestTrainZooFoldingDiffOnAFolderOfPDBFiles(t *testing.T) {
	reg := factory.DefaultRegistry()
	out := filepath.Join(t.TempDir(), "run")
	printed, err := run(t, reg, "train", "--zoo", "diffusion_foldingdiff", "--data-dir", pdbTestdata, "--steps", "1", "--batch-size", "1", "--samples", "0", "--out", out, "--quiet")
	if err != nil {
		t.Fatalf("train: %v", err)
	}
	records, err := train.ReadMetrics(filepath.Join(out, train.MetricsFile))
	if err != nil || len(records) != 1 || records[0].Logs["bond_angle"] == 0 {
		t.Errorf("metrics %+v, %v: want one record with the bond-angle constraint term", records, err)
	}
	t.Log(printed)
	pdb := filepath.Join(t.TempDir(), "fold.pdb")
	if _, err := run(t, reg, "sample", "--checkpoint", out, "-n", "1", "--steps", "1", "--out", pdb); err != nil {
		t.Fatalf("sample: %v", err)
	}
	checkBackbonePDB(t, pdb, 128)

	empty := t.TempDir()
	if _, err := run(t, reg, "train", "--zoo", "diffusion_foldingdiff", "--data-dir", empty, "--steps", "1", "--out", filepath.Join(empty, "run"), "--quiet"); err == nil || !strings.Contains(err.Error(), "PDB files") {
		t.Errorf("a folder without PDB files: err = %v, want it to say PDB files are needed", err)
	}
}

// checkBackbonePDB reads a sampled PDB file back: one chain A of
// residues numbered 1..residues, each with N, CA, C and O.
func checkBackbonePDB(t *testing.T, path string, residues int) {
	t.Helper()
	s, err := protein.ReadPDB(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Chains) != 1 || s.Chains[0].ID != "A" || s.Chains[0].Len() != residues {
		t.Fatalf("%s: %d chains, want one chain A of %d residues", path, len(s.Chains), residues)
	}
	for i, r := range s.Chains[0].Residues {
		if r.Seq != i+1 || !r.HasBackbone() || !r.Mask[protein.AtomO] {
			t.Fatalf("%s: residue %d is numbered %d, backbone %v, O %v", path, i, r.Seq, r.HasBackbone(), r.Mask[protein.AtomO])
		}
	}
}

const tinyFoldingDiffYAML = `name: foldingdiff_tiny
model_class: artifex.generative_models.models.diffusion.DDPM
input_dim: [128, 6]
hidden_dims: [16]
output_dim: [128, 6]
activation: gelu
parameters:
  noise_steps: 50
  beta_schedule: cosine
  backbone: transformer
  num_layers: 1
  num_heads: 2
  wrapped_angles: true
  sampler: ddim
  sampling_steps: 3
metadata:
  training_defaults:
    dataset: protein_angles
    batch_size: 2
    learning_rate: 0.001
    optimizer: adamw
    epochs: 1
  modality: protein
  bond_angle_weight: 0.1
`

// A protein model writes one PDB file per sample and evaluates its
// samples next to the test structures and random walks, in columns.
func TestProteinSamplesArePDBFilesAndEvaluateComparesThem(t *testing.T) {
	reg := factory.DefaultRegistry()
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	if _, err := run(t, reg, "train", "--config", writeFile(t, "fd.yaml", tinyFoldingDiffYAML), "--data-dir", pdbTestdata, "--steps", "2", "--out", out, "--quiet"); err != nil {
		t.Fatalf("train: %v", err)
	}
	checkBackbonePDB(t, filepath.Join(out, "samples.pdb"), 128) // the trainer's own sample
	samples := filepath.Join(dir, "samples")
	printed, err := run(t, reg, "sample", "--checkpoint", out, "-n", "3", "--out", samples)
	if err != nil || !strings.Contains(printed, "3 protein backbones") {
		t.Fatalf("sample: %v\n%s", err, printed)
	}
	for _, f := range []string{"sample_001.pdb", "sample_002.pdb", "sample_003.pdb"} {
		checkBackbonePDB(t, filepath.Join(samples, f), 128)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", filepath.Join(dir, "x.png")}, "written as PDB files"},
		{[]string{"--temperature", "0.5"}, "temperature applies to"},
		{[]string{"--sampler", "euler"}, "allowed: ddpm, ddim"},
		{[]string{"-n", "0"}, "must be > 0"},
	} {
		_, err := run(t, reg, append([]string{"sample", "--checkpoint", out, "--out", filepath.Join(dir, "more")}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("sample %v: err = %v, want %q", c.args, err, c.want)
		}
	}

	table, err := run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", pdbTestdata)
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	t.Log("\n" + table)
	for _, want := range []string{"RANDOM_WALK", "SAMPLES", "TEST", "rama_allowed", "bond_length_rmsd", "bond_angle_rmsd", "clash"} {
		if !strings.Contains(table, want) {
			t.Errorf("evaluate's table lacks %s", want)
		}
	}
	if table, err := run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", pdbTestdata, "--split", "train"); err != nil || !strings.Contains(table, "protein_angles train split") {
		t.Errorf("evaluate --split train: %v\n%s", err, table)
	}
	printed, err = run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", pdbTestdata, "--json")
	var m map[string]float64
	if err != nil || json.Unmarshal([]byte(printed), &m) != nil || m["rama_allowed/test"] < 0.9 || m["rama_allowed/random_walk"] > 0.7 {
		t.Errorf("evaluate --json: %v\n%s", err, printed)
	}
}

const tinyPointCloudYAML = `name: pointcloud_tiny
model_class: artifex.generative_models.models.geometric.PointCloudModel
input_dim: [256, 3]
hidden_dims: [8, 16]
output_dim: 4
parameters:
  decoder_dims: [16]
metadata:
  training_defaults:
    dataset: shape_primitives
    batch_size: 4
    learning_rate: 0.001
    epochs: 1
`

// Point clouds are written as PLY files and meshes as OBJ, OFF or PLY,
// one file per sample, which the readers of the geometric package read.
func TestPointCloudAndMeshSamplesAreShapeFiles(t *testing.T) {
	reg := factory.DefaultRegistry()
	dir := t.TempDir()
	for _, c := range []struct {
		name, yaml, out, ext string
		read                 func(f *os.File) (*geometric.Mesh, error)
		vertices, faces      int
	}{
		{"pointcloud", tinyPointCloudYAML, "clouds", "ply", func(f *os.File) (*geometric.Mesh, error) { return geometric.ReadPLY(f) }, 256, 0},
		{"mesh_obj", strings.NewReplacer("pointcloud_tiny", "mesh_tiny", "PointCloudModel", "MeshModel", "decoder_dims: [16]", "decoder_dims: [16]\n  subdivisions: 1").Replace(tinyPointCloudYAML),
			"shape.obj", "obj", func(f *os.File) (*geometric.Mesh, error) { return geometric.ReadOBJ(f) }, 42, 80},
		{"mesh_off", strings.NewReplacer("pointcloud_tiny", "mesh_tiny", "PointCloudModel", "MeshModel", "decoder_dims: [16]", "decoder_dims: [16]\n  subdivisions: 1").Replace(tinyPointCloudYAML),
			"shape.off", "off", func(f *os.File) (*geometric.Mesh, error) { return geometric.ReadOFF(f) }, 42, 80},
	} {
		t.Run(c.name, func(t *testing.T) {
			run := func(args ...string) (string, error) { return run(t, reg, args...) }
			ckpt := filepath.Join(dir, c.name)
			if _, err := run("train", "--config", writeFile(t, c.name+".yaml", c.yaml), "--steps", "2", "--out", ckpt, "--quiet"); err != nil {
				t.Fatalf("train: %v", err)
			}
			// The trainer's own sample: one PLY point cloud or OBJ mesh.
			trained, read := filepath.Join(ckpt, "samples.ply"), geometric.ReadPLY
			if c.ext != "ply" {
				trained, read = filepath.Join(ckpt, "samples.obj"), geometric.ReadOBJ
			}
			if f, err := os.Open(trained); err != nil {
				t.Errorf("train wrote no %s: %v", filepath.Base(trained), err)
			} else {
				m, err := read(f)
				f.Close()
				if err != nil || len(m.Vertices) != c.vertices {
					t.Errorf("train's %s: %v; want %d vertices", filepath.Base(trained), err, c.vertices)
				}
			}
			out := filepath.Join(dir, c.out)
			if printed, err := run("sample", "--checkpoint", ckpt, "-n", "2", "--out", out); err != nil || !strings.Contains(printed, strings.ToUpper(c.ext)) {
				t.Fatalf("sample: %v\n%s", err, printed)
			}
			for _, i := range []string{"001", "002"} {
				path := filepath.Join(out, "sample_"+i+".ply") // --out names a directory
				if c.ext != "ply" {
					path = filepath.Join(dir, "shape_"+i+"."+c.ext) // --out names the files
				}
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				m, err := c.read(f)
				f.Close()
				if err != nil || len(m.Vertices) != c.vertices || len(m.Faces) != c.faces {
					t.Fatalf("%s: %v; want %d vertices and %d faces", path, err, c.vertices, c.faces)
				}
			}
			if _, err := run("sample", "--checkpoint", ckpt, "--out", filepath.Join(dir, "x.pdb")); err == nil || !strings.Contains(err.Error(), "."+c.ext) {
				t.Errorf("a .pdb file for %s: err = %v", c.name, err)
			}
			if _, err := run("sample", "--checkpoint", ckpt, "--out", out, "--steps", "3"); err == nil || !strings.Contains(err.Error(), "not a diffusion model") {
				t.Errorf("--steps for %s: err = %v", c.name, err)
			}
		})
	}
}
