package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

// elsewhere are zoo configurations whose integration belongs to another
// issue (the protein modality).
var elsewhere = map[string]string{
	"vae_protein":                 "the protein VAE is integrated with the protein modality",
	"diffusion_foldingdiff":       "FoldingDiff is integrated with the protein modality (shapes_test.go trains it on PDB files)",
	"diffusion_foldingdiff_small": "FoldingDiff is integrated with the protein modality (shapes_test.go trains it on PDB files)",
	"pointcloud_primitives":       "point clouds are sampled as PLY files, tested in shapes_test.go",
}

// tiny shrinks a zoo configuration so that two training steps, a few
// samples and a short evaluation take a moment, keeping its class, data
// and everything else it configures.
var tiny = map[string]func(c *config.ModelConfiguration){
	"vae_mnist": func(c *config.ModelConfiguration) { c.HiddenDims = []int{16} },
	"gan_mnist": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{8, 4}
		c.Parameters["discriminator_features"] = []int{4, 8}
	},
	"cyclegan_mnist": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{4}
		c.Parameters["residual_blocks"] = 1
		c.Parameters["discriminator_features"] = []int{4, 8}
	},
	"diffusion_mnist": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{4, 8, 8}
		c.Parameters["time_embedding_dim"] = 8
		c.Parameters["sampling_steps"] = 2
	},
	"diffusion_celeba": func(c *config.ModelConfiguration) {
		c.InputDim, c.OutputDim = []int{16, 16, 3}, []int{16, 16, 3}
		c.HiddenDims = []int{8, 16}
		c.Parameters["num_res_blocks"] = 1
		c.Parameters["attention_resolutions"] = []int{8}
		c.Parameters["time_embedding_dim"] = 16
		c.Parameters["sampling_steps"] = 2
	},
	"flow_mnist_realnvp": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{4}
		c.Parameters["num_layers"] = 1
	},
	"flow_mnist_glow": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{4}
		c.Parameters["num_layers"] = 1
	},
	"maf_mnist": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{16}
		c.Parameters["num_layers"] = 2
	},
	"transformer_text": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{16}
		c.Parameters["num_layers"] = 1
		c.Parameters["num_heads"] = 2
		c.Parameters["ff_dim"] = 32
	},
	"nsf_tabular": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{8}
		c.Parameters["num_layers"] = 2
	},
}

// TestEveryZooConfigTrainsSamplesAndEvaluatesFromTheCommandLine runs
// train → sample → evaluate through the CLI for every zoo configuration
// whose family is registered and whose data set is here, shrunk by tiny.
// Evaluation may only be missing for the GANs that draw from noise, whose
// metric (FID) comes with the metrics package.
func TestEveryZooConfigTrainsSamplesAndEvaluatesFromTheCommandLine(t *testing.T) {
	if testing.Short() {
		t.Skip("trains every zoo model for two steps")
	}
	reg := factory.DefaultRegistry()
	registerDataSets() // before data.Load below looks for each data set
	for _, name := range zoo.ListConfigs("") {
		t.Run(name, func(t *testing.T) {
			if why, ok := elsewhere[name]; ok {
				t.Skip(why)
			}
			cfg, err := zoo.GetConfig(name)
			if err != nil {
				t.Fatal(err)
			}
			family := factory.DetectModelType(cfg.ModelClass)
			if _, ok := reg.Builder(family); !ok {
				t.Skipf("the %s family is not registered in this build", family)
			}
			s, err := train.SettingsFromConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := data.Load(s.Dataset, "test", data.LoadOptions{}); err != nil {
				t.Skipf("data set %s is not available here: %v", s.Dataset, firstLine(err))
			}
			if shrink, ok := tiny[name]; ok {
				shrink(&cfg)
			} else {
				t.Logf("%s has no tiny variant in this test: it runs at full size (add one to the tiny map to keep the test fast)", name)
			}
			dir := t.TempDir()
			file := filepath.Join(dir, name+".yaml")
			if err := cfg.Save(file); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "run")
			if _, err := run(t, reg, "train", "--config", file, "--steps", "2", "--batch-size", "4", "--samples", "4", "--out", out, "--quiet"); err != nil {
				t.Fatalf("train: %v", err)
			}
			records, err := train.ReadMetrics(filepath.Join(out, train.MetricsFile))
			if err != nil || len(records) != 1 || records[0].Step != 2 || math.IsNaN(records[0].Loss) {
				t.Errorf("metrics %+v, %v", records, err)
			}

			modality, _ := cfg.Metadata["modality"].(string)
			grid := filepath.Join(dir, "samples.png")
			if modality == "tabular" {
				grid = filepath.Join(dir, "samples.csv")
			}
			args := []string{"sample", "--checkpoint", out, "-n", "4", "--out", grid}
			if family == "diffusion" {
				args = append(args, "--sampler", "ddim", "--steps", "2")
			}
			printed, err := run(t, reg, args...)
			if err != nil {
				t.Fatalf("sample: %v", err)
			}
			switch {
			case name == "transformer_text" || modality == "text":
				if !strings.Contains(printed, "--- sample 1 of") {
					t.Errorf("sample printed %q, want text samples", printed)
				}
			case modality == "tabular":
				assertCSVRows(t, grid, 4)
			default:
				assertPNG(t, grid)
			}
			if _, adapted := cfg.Metadata["modality"]; !adapted && name != "transformer_text" {
				checkSamplingFlags(t, reg, family, out, grid)
			}

			stdout, err := run(t, reg, "evaluate", "--checkpoint", out, "--limit", "64", "--json")
			if err != nil {
				if family == "gan" && name != "cyclegan_mnist" && strings.Contains(err.Error(), "has no evaluation metrics") {
					t.Logf("evaluate: %v (FID comes with the metrics package)", err)
					return
				}
				t.Fatalf("evaluate: %v", err)
			}
			var metrics map[string]float64
			if err := json.Unmarshal([]byte(stdout), &metrics); err != nil || len(metrics) == 0 {
				t.Fatalf("evaluate printed %q (%v)", stdout, err)
			}
			for k, v := range metrics {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("metric %s = %v", k, v)
				}
			}
			t.Logf("metrics %v", metrics)
		})
	}
}

// assertCSVRows checks that path is a CSV file of a header and rows records
// of its width.
func assertCSVRows(t *testing.T, path string, rows int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil || len(records) != rows+1 {
		t.Errorf("%s: %d records (%v), want a header and %d rows", path, len(records), err, rows)
	}
}

func assertPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}

func firstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	if errors.Is(err, data.ErrNotFound) {
		return line + " (not installed)"
	}
	return line
}

// checkSamplingFlags checks that the sampling flags work for the families
// they belong to and are clear errors for the others.
func checkSamplingFlags(t *testing.T, reg *factory.Registry, family, ckpt, grid string) {
	t.Helper()
	sample := func(flags ...string) error {
		_, err := run(t, reg, append([]string{"sample", "--checkpoint", ckpt, "-n", "4", "--out", grid}, flags...)...)
		return err
	}
	wantErr := func(err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to contain %q", err, want)
		}
	}
	switch family {
	case "diffusion":
		wantErr(sample("--sampler", "euler"), "allowed: ddpm, ddim")
		wantErr(sample("--temperature", "0.5"), "applies to flows and VAEs")
		wantErr(sample("--sampler", "ddpm", "--eta", "0.5", "--steps", "2"), "--eta is DDIM's parameter")
		if err := sample("--sampler", "ddpm", "--steps", "2"); err != nil {
			t.Errorf("ddpm sampler: %v", err)
		}
	case "flow", "vae":
		if err := sample("--temperature", "0.7"); err != nil {
			t.Errorf("--temperature: %v", err)
		}
		wantErr(sample("--sampler", "ddim"), "not a diffusion model")
	default:
		wantErr(sample("--sampler", "ddim"), "diffusion")
		wantErr(sample("--temperature", "0.5"), "temperature")
	}
}
