package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/models/geometric"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

// slowPresets are walked only with ARTIFEX_ZOO_SLOW=1 set: their data
// set or their size makes even a few steps too slow for CI.
var slowPresets = map[string]string{
	"diffusion_foldingdiff": "a 12-layer transformer of width 384 kept at full size: 31 CPU-seconds with 3 sampling steps (3.4 CPU-minutes with its 100), about as much as the other 24 presets together (diffusion_foldingdiff_small, the same model at CPU size, is walked)",
	"diffusion_celeba":      "reading the CelebA test split decodes and resizes about 20,000 JPEG files",
}

// sampleFormats is what `artifex sample` writes for each zoo preset, as
// README's zoo table says: "png" (a grid, or a scatter plot of 2-D
// points), "csv" rows, "text" printed, "wav" clips, "pdb" structures,
// "ply" point clouds or "fasta" sequences.
var sampleFormats = map[string]string{
	"cyclegan_mnist": "png", "diffusion_celeba": "png", "diffusion_mnist": "png", "ebm_cifar": "png", "ebm_mnist": "png",
	"flow_mnist_glow": "png", "flow_mnist_realnvp": "png", "gan_cifar10": "png", "gan_mnist": "png", "maf_mnist": "png",
	"mvae_mnist_text": "png", "nsf_tabular": "png", "pixel_cnn_cifar10": "png", "pixel_cnn_mnist": "png",
	"vae_mnist": "png", "vae_mnist_cnn": "png",
	"flow_tabular_wine": "csv", "vae_tabular_wine": "csv",
	"transformer_text":      "text",
	"wavenet_speech":        "wav",
	"diffusion_foldingdiff": "pdb", "diffusion_foldingdiff_small": "pdb", "egnn_protein_ca": "pdb",
	"pointcloud_primitives": "ply",
	"vae_protein":           "fasta",
}

// sharedPDB is the folder of public PDB files beside the repository;
// pdbTestdata (two files, one chain long enough for angle windows) stands
// in where it is absent.
var sharedPDB = filepath.Join("..", "..", "..", "shared", "data", "pdb")

// walkDataDirs gives the --data-dir of the data sets that have no place
// of their own: a folder of PDB files for the protein sets, and for speech
// a folder of voiced clips the test writes (writeSpeech), standing in for
// the espeak-ng words of gen_speech.sh.
var walkDataDirs = map[string]func(t *testing.T) string{
	"protein_sequences": pdbFolder, "protein_angles": pdbFolder, "protein_ca": pdbFolder,
	"speech": func(t *testing.T) string {
		dir := t.TempDir()
		writeSpeech(t, dir, 20)
		return dir
	},
}

// pdbFolder returns the absolute path of sharedPDB, or of pdbTestdata
// where it is absent (absolute: sample runs in a folder of its own).
func pdbFolder(t *testing.T) string {
	dir := pdbTestdata
	if files, err := protein.PDBFiles(sharedPDB); err == nil && len(files) > 0 {
		dir = sharedPDB
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// tiny shrinks a zoo configuration so that two training steps, a few
// samples and a short evaluation take a moment, keeping its class, data
// and everything else it configures.
var tiny = map[string]func(c *config.ModelConfiguration){
	"vae_mnist":     func(c *config.ModelConfiguration) { c.HiddenDims = []int{16} },
	"vae_mnist_cnn": func(c *config.ModelConfiguration) { c.HiddenDims = []int{4, 8} },
	"gan_mnist": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{8, 4}
		c.Parameters["discriminator_features"] = []int{4, 8}
	},
	"gan_cifar10": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{8, 8, 4}
		c.Parameters["discriminator_features"] = []int{4, 8, 8}
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
	// The 12-layer model keeps its size; only its sampler is shortened.
	"diffusion_foldingdiff":       func(c *config.ModelConfiguration) { c.Parameters["sampling_steps"] = 3 },
	"diffusion_foldingdiff_small": func(c *config.ModelConfiguration) { c.Parameters["sampling_steps"] = 3 },
	"egnn_protein_ca": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{8}
		c.Parameters["num_layers"] = 1
		c.Parameters["noise_steps"] = 10
	},
	"ebm_cifar": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{4, 8, 8}
		c.Parameters["mcmc_steps"] = 3
	},
	"ebm_mnist": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{4, 8, 8}
		c.Parameters["mcmc_steps"] = 3
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
	"mvae_mnist_text": func(c *config.ModelConfiguration) { c.HiddenDims = []int{32} },
	"pixel_cnn_cifar10": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{8}
		c.Parameters["num_residual_blocks"] = 1
		c.Parameters["output_hidden_channels"] = 16
	},
	"pixel_cnn_mnist": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{8}
		c.Parameters["num_residual_blocks"] = 1
		c.Parameters["output_hidden_channels"] = 8
	},
	"pointcloud_primitives": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{8, 16}
		c.Parameters["decoder_dims"] = []int{16}
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
	"vae_protein": func(c *config.ModelConfiguration) { c.HiddenDims = []int{32} },
	"wavenet_speech": func(c *config.ModelConfiguration) {
		c.HiddenDims = []int{8, 8, 16}
		c.Parameters["num_stacks"] = 1
		c.Parameters["layers_per_stack"] = 3
	},
}

// TestEveryZooPresetTrainsSamplesAndEvaluatesFromTheCommandLine runs
// train → sample → evaluate through the CLI for every zoo preset whose
// family is registered and whose data set is here, shrunk by tiny: two
// training steps, four samples in the preset's format (sampleFormats,
// each file read back) and an evaluation of the first 8 test examples
// (--limit 8, which leaves classes and windows out) that must succeed with
// finite metrics. It logs which presets it skipped and why; slowPresets
// run only with ARTIFEX_ZOO_SLOW=1.
func TestEveryZooPresetTrainsSamplesAndEvaluatesFromTheCommandLine(t *testing.T) {
	if testing.Short() {
		t.Skip("trains every zoo model for two steps")
	}
	reg := factory.DefaultRegistry() // registers the data sets data.Load looks for below
	t.Setenv("ARTIFEX_ZOO_PATH", "") // the shipped presets, not a user's configurations
	var skipped []string
	for _, name := range zoo.ListConfigs("") {
		t.Run(name, func(t *testing.T) {
			p := walkPreset(t, reg, name, &skipped)
			cfg, family, file, dir, withData := p.cfg, p.family, p.file, p.dir, p.withData
			format := sampleFormats[name]
			out := filepath.Join(dir, "run")
			if _, err := run(t, reg, withData("train", "--config", file, "--steps", "2", "--batch-size", "4", "--samples", "4", "--out", out, "--quiet")...); err != nil {
				t.Fatalf("train: %v", err)
			}
			// One training record, at step 2; a held-out record where an
			// epoch of the preset's small data ended on the way.
			all, err := train.ReadMetrics(filepath.Join(out, train.MetricsFile))
			var records []train.Record
			for _, r := range all {
				if !r.Validation {
					records = append(records, r)
				} else if math.IsNaN(r.ValLoss) || r.ValLoss == 0 {
					t.Errorf("held-out record %+v", r)
				}
			}
			if err != nil || len(records) != 1 || records[0].Step != 2 || math.IsNaN(records[0].Loss) {
				t.Errorf("metrics %+v, %v", all, err)
			}

			// sample with its default --out, in a folder of its own.
			samples := filepath.Join(dir, "samples")
			if err := os.Mkdir(samples, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Chdir(samples)
			printed, err := run(t, reg, withData("sample", "--checkpoint", out, "-n", "4")...)
			if err != nil {
				t.Fatalf("sample: %v", err)
			}
			checkSamples(t, name, format, samples, printed, 4)
			if _, adapted := cfg.Metadata["modality"]; !adapted && format == "png" {
				checkSamplingFlags(t, reg, family, out, filepath.Join(dir, "flags.png"))
			}

			stdout, stderr, err := runOutputs(t, reg, withData("evaluate", "--checkpoint", out, "--limit", "8", "--json")...)
			if err != nil {
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
			if stderr != "" {
				t.Logf("evaluate said: %s", stderr)
			}
		})
	}
	if len(skipped) > 0 {
		t.Logf("skipped %d of %d presets:\n  %s", len(skipped), len(zoo.ListConfigs("")), strings.Join(skipped, "\n  "))
	}
}

// walkedPreset is a zoo preset made ready for a short run: shrunk by tiny,
// saved as dir/name.yaml (file), with the --data-dir its data set needs.
type walkedPreset struct {
	cfg      config.ModelConfiguration
	family   string
	file     string
	dir      string
	withData func(args ...string) []string
}

// walkPreset prepares preset name for a short run, or skips the test
// (noting why in skipped) when the preset is slow, its family is not
// registered or its data set is not here.
func walkPreset(t *testing.T, reg *factory.Registry, name string, skipped *[]string) walkedPreset {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		why := fmt.Sprintf(format, args...)
		*skipped = append(*skipped, name+": "+why)
		t.Skip(why)
	}
	if why, ok := slowPresets[name]; ok && os.Getenv("ARTIFEX_ZOO_SLOW") == "" {
		skip("slow (%s); ARTIFEX_ZOO_SLOW=1 walks it", why)
	}
	if _, ok := sampleFormats[name]; !ok {
		t.Fatalf("%s is not in sampleFormats: add what its samples are, here and in README's zoo table", name)
	}
	cfg, err := zoo.GetConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	family := factory.DetectModelType(cfg.ModelClass)
	if _, ok := reg.Builder(family); !ok {
		skip("the %s family is not registered in this build", family)
	}
	s, err := train.SettingsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var dataDir string
	if dirOf, ok := walkDataDirs[s.Dataset]; ok {
		dataDir = dirOf(t)
	} else if _, err := data.Load(s.Dataset, "train", data.LoadOptions{}); err != nil {
		if errors.Is(err, data.ErrNotFound) {
			skip("data set %s is not here: %v", s.Dataset, firstLine(err))
		}
		t.Fatalf("data set %s: %v", s.Dataset, err)
	}
	withData := func(args ...string) []string {
		if dataDir == "" {
			return args
		}
		return append(args, "--data-dir", dataDir)
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
	return walkedPreset{cfg: cfg, family: family, file: file, dir: dir, withData: withData}
}

// TestEveryZooPresetTrainsTheSameWithoutTheArena trains every preset that
// the walk above trains for four steps twice: with the trainer's
// tensor.Arena poisoning every buffer it recycles (ARTIFEX_ARENA=poison),
// and without an arena (off). The checkpoints must hold the same values
// bit for bit: a buffer recycled while something still used it would show
// up as a NaN or a different value.
func TestEveryZooPresetTrainsTheSameWithoutTheArena(t *testing.T) {
	if testing.Short() {
		t.Skip("trains every zoo model for four steps twice")
	}
	reg := factory.DefaultRegistry()
	t.Setenv("ARTIFEX_ZOO_PATH", "")
	var skipped []string
	for _, name := range zoo.ListConfigs("") {
		t.Run(name, func(t *testing.T) {
			p := walkPreset(t, reg, name, &skipped)
			states := map[string]*checkpoint.Checkpoint{}
			for _, mode := range []string{"off", "poison"} {
				t.Setenv("ARTIFEX_ARENA", mode)
				out := filepath.Join(p.dir, mode)
				if _, err := run(t, reg, p.withData("train", "--config", p.file, "--steps", "4", "--batch-size", "4", "--samples", "0", "--out", out, "--quiet")...); err != nil {
					t.Fatalf("train with ARTIFEX_ARENA=%s: %v", mode, err)
				}
				c, err := checkpoint.Read(filepath.Join(out, train.CheckpointFile))
				if err != nil {
					t.Fatal(err)
				}
				states[mode] = c
			}
			traintest.SameState(t, states["off"].Model, states["poison"].Model)
		})
	}
}

// checkSamples reads back what `sample -n n` wrote into dir (or printed)
// for a preset whose samples are in format.
func checkSamples(t *testing.T, name, format, dir, printed string, n int) {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if format == "text" {
		if len(files) != 0 || strings.Count(printed, "--- sample ") != n {
			t.Errorf("%s: sample wrote %v and printed %q, want %d text samples printed", name, files, printed, n)
		}
		return
	}
	if len(files) == 0 {
		t.Fatalf("%s: sample wrote no file (printed %q), want %s", name, printed, format)
	}
	for _, f := range files {
		if ext := strings.TrimPrefix(filepath.Ext(f), "."); ext != format {
			t.Errorf("%s: sample wrote %s, want %s files", name, filepath.Base(f), format)
			continue
		}
		switch format {
		case "png":
			assertPNG(t, f)
		case "csv":
			assertCSVRows(t, f, n)
		case "wav":
			if c, err := audio.ReadWAVFile(f); err != nil || c.Len() == 0 {
				t.Errorf("%s: %v, %v", f, c, err)
			}
		case "pdb":
			if s, err := protein.ReadPDB(f); err != nil || len(s.Chains) != 1 || s.Chains[0].Len() == 0 {
				t.Errorf("%s: %v, want one chain", f, err)
			}
		case "ply":
			r, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := geometric.ReadPLY(r)
			r.Close()
			if err != nil || len(m.Vertices) == 0 {
				t.Errorf("%s: %v, want points", f, err)
			}
		case "fasta":
			checkFASTA(t, f, name, n)
		}
	}
	if perFile := map[string]bool{"pdb": true, "ply": true}; perFile[format] && len(files) != n {
		t.Errorf("%s: %d files, want one per sample (%d)", name, len(files), n)
	}
}

// checkFASTA reads a FASTA file of n sampled sequences of model name:
// each header says the model, the step (2), the seed (0) and the sample.
func checkFASTA(t *testing.T, path, name string, n int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := protein.ReadFASTA(f)
	if err != nil || len(records) != n {
		t.Fatalf("%s: %d records (%v), want %d", path, len(records), err, n)
	}
	for i, r := range records {
		want := fmt.Sprintf("%s_%d model=%s step=2 seed=0 sample=%d length=%d", name, i+1, name, i+1, len(r.Sequence))
		if r.Header != want || strings.Trim(r.Sequence, protein.Alphabet[:protein.NumAminoAcids]+"X") != "" {
			t.Errorf("record %d: >%s %q; want header %q and amino acids (X unknown)", i+1, r.Header, r.Sequence, want)
		}
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
		wantErr(sample("--sampler", "ddpm", "--eta", "0.5", "--steps", "2"), "eta is DDIM's parameter")
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
