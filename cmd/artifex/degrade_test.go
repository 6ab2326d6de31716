package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/protein"
)

const tinySequenceVAEYAML = `name: seq_vae_tiny
model_class: artifex.generative_models.models.vae.VAE
input_dim: [128, 21]
hidden_dims: [16]
output_dim: 4
parameters:
  encoder_type: mlp
  decoder_type: mlp
  reconstruction_loss: categorical
metadata:
  training_defaults:
    dataset: protein_sequences
    batch_size: 4
    learning_rate: 0.001
    epochs: 1
  modality: protein
`

// A model of one-hot residues samples sequences as one FASTA file, and
// evaluate puts their composition, identity and entropy beside the test
// sequences' and uniform residues' under its test NLL.
func TestProteinSequenceModelsSampleFASTAAndEvaluateAgainstTestAndUniform(t *testing.T) {
	reg := factory.DefaultRegistry()
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	if _, err := run(t, reg, "train", "--config", writeFile(t, "seq.yaml", tinySequenceVAEYAML), "--data-dir", pdbTestdata, "--steps", "2", "--out", out, "--quiet"); err != nil {
		t.Fatalf("train: %v", err)
	}
	checkFASTAFile := func(path string, n int, header string) {
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
		if !strings.HasPrefix(records[0].Header, header) {
			t.Errorf("%s: header %q, want it to start %q", path, records[0].Header, header)
		}
	}
	checkFASTAFile(filepath.Join(out, "samples.fasta"), 1, "seq_vae_tiny_1 model=seq_vae_tiny") // the trainer's own sample

	seqs := filepath.Join(dir, "seqs.fasta")
	printed, err := run(t, reg, "sample", "--checkpoint", out, "-n", "3", "--seed", "5", "--out", seqs)
	if err != nil || !strings.Contains(printed, "3 protein sequences") {
		t.Fatalf("sample: %v\n%s", err, printed)
	}
	checkFASTAFile(seqs, 3, "seq_vae_tiny_1 model=seq_vae_tiny step=2 seed=5 sample=1 length=")
	first, _ := os.ReadFile(seqs)
	if _, err := run(t, reg, "sample", "--checkpoint", out, "-n", "3", "--seed", "5", "--temperature", "0.5", "--out", seqs); err != nil {
		t.Fatalf("sample --temperature 0.5: %v", err)
	}
	if cooler, _ := os.ReadFile(seqs); bytes.Equal(first, cooler) {
		t.Error("--temperature 0.5 drew the same sequences as 1")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", filepath.Join(dir, "x.png")}, "written as FASTA"},
		{[]string{"--sampler", "ddim"}, "configured sampler"},
		{[]string{"-n", "0"}, "must be > 0"},
		{[]string{"--temperature", "0"}, "temperature must be > 0"},
	} {
		_, err := run(t, reg, append([]string{"sample", "--checkpoint", out, "--out", filepath.Join(dir, "more.fasta")}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("sample %v: err = %v, want %q", c.args, err, c.want)
		}
	}

	table, err := run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", pdbTestdata)
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	t.Log("\n" + table)
	for _, want := range []string{"iwae_nll", "SAMPLES", "TEST", "UNIFORM", "aa_composition_tv", "nearest_train_identity", "position_entropy_bits"} {
		if !strings.Contains(table, want) {
			t.Errorf("evaluate's table lacks %s", want)
		}
	}
	printed, err = run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", pdbTestdata, "--json")
	var m map[string]float64
	if err != nil || json.Unmarshal([]byte(printed), &m) != nil {
		t.Fatalf("evaluate --json: %v\n%s", err, printed)
	}
	// The two test files are both splits (fewer than five files): every
	// test window is a training window.
	if m["nearest_train_identity/test"] != 1 || m["nearest_train_identity/uniform"] > 0.3 || m["gap_fraction/uniform"] != 0 {
		t.Errorf("identity test %v, uniform %v, uniform gaps %v; want 1, near 1/20 and 0", m["nearest_train_identity/test"], m["nearest_train_identity/uniform"], m["gap_fraction/uniform"])
	}
}

// pdbFolderWithoutTestWindows makes a folder of five PDB files whose
// fifth, the test split, is 1BXY (60 residues): too short for the
// 128-residue windows of the angle data set, which the other four (1Z2U)
// have.
func pdbFolderWithoutTestWindows(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range map[string]string{"a1.pdb": "1Z2U_A.pdb", "a2.pdb": "1Z2U_A.pdb", "a3.pdb": "1Z2U_A.pdb", "a4.pdb": "1Z2U_A.pdb", "a5.pdb": "1BXY_A.pdb"} {
		b, err := os.ReadFile(filepath.Join(pdbTestdata, src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A test split without a single usable window is not an error after the
// user waited for the checkpoint to load: evaluate falls back to the
// training split and says so. A split the user chose is not replaced.
func TestEvaluateFallsBackToTheTrainSplitWhenTheTestSplitHasNoUsableExample(t *testing.T) {
	reg := factory.DefaultRegistry()
	pdb := pdbFolderWithoutTestWindows(t)
	out := filepath.Join(t.TempDir(), "run")
	if _, err := run(t, reg, "train", "--config", writeFile(t, "fd.yaml", tinyFoldingDiffYAML), "--data-dir", pdb, "--steps", "1", "--samples", "0", "--out", out, "--quiet"); err != nil {
		t.Fatalf("train: %v", err)
	}
	stdout, stderr, err := runOutputs(t, reg, "evaluate", "--checkpoint", out, "--data-dir", pdb)
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	if !strings.Contains(stdout, "on the protein_angles train split") || !strings.Contains(stdout, "bond_angle_rmsd") {
		t.Errorf("evaluate printed\n%s\nwant the train split's metrics", stdout)
	}
	for _, want := range []string{"the test split of protein_angles has no usable example", "no window of 128 consecutive residues", "evaluated on the train split instead"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the warning lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", pdb, "--split", "test"); !errors.Is(err, data.ErrNoExamples) {
		t.Errorf("--split test chosen: err = %v, want data.ErrNoExamples", err)
	}
}

func TestLeftOutNamesTheExamplesAndClassesALimitLeavesOut(t *testing.T) {
	labelled, err := data.NewDataset(make([]float32, 6), []int{2, 0, 2, 1, 3, 0}, 1, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := leftOut(labelled, 3, "digits", "test"), "--limit 3: evaluating the first 3 of the 6 examples of the digits test split, which hold 2 of its 4 classes (metrics per class cover those); left out: class 1, 3"; got != want {
		t.Errorf("leftOut =\n%q, want\n%q", got, want)
	}
	if got := leftOut(labelled, 5, "digits", "test"); strings.Contains(got, "class") {
		t.Errorf("every class is in the first 5, yet: %q", got)
	}
	windows, err := data.NewDataset(make([]float32, 4), nil, 1, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := leftOut(windows, 1, "protein_angles", "train"), "--limit 1: evaluating the first 1 of the 4 examples of the protein_angles train split"; got != want {
		t.Errorf("leftOut = %q, want %q", got, want)
	}
}

func TestPrintTablePutsGroupsOfSeveralMetricsInColumns(t *testing.T) {
	var b strings.Builder
	err := printTable(&b, map[string]float64{
		"iwae_nll": 353.5, "entropy/samples": 2.5, "entropy/test": 1.5, "identity/samples": 0.1, "identity/uniform": 0.05, "n/samples": 8, "tv/test": 0.2,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "METRIC    VALUE\niwae_nll  353.5\n\nMETRIC    SAMPLES  TEST  UNIFORM\nentropy   2.5      1.5   -\nidentity  0.1      -     0.05\nn         8        -     -\ntv        -        0.2   -\n"
	if b.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", b.String(), want)
	}
	// One metric per column of a table (ks/COLUMN) stays one per row.
	b.Reset()
	if err := printTable(&b, map[string]float64{"ks/alcohol": 0.2, "ks/ash": 0.3, "ks_mean": 0.25}); err != nil {
		t.Fatal(err)
	}
	if want := "METRIC      VALUE\nks/alcohol  0.2\nks/ash      0.3\nks_mean     0.25\n"; b.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", b.String(), want)
	}
}
