package protein_test

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func TestFASTARoundTripsWithSixtyResiduesPerLine(t *testing.T) {
	long := strings.Repeat("ACDEFGHIKLMNPQRSTVWY", 7) // 140 residues: lines of 60, 60, 20
	records := []protein.FASTARecord{
		{Header: "vae_protein_1 model=vae_protein step=3 seed=0", Sequence: long},
		{Header: "empty", Sequence: ""},
		{Header: "short", Sequence: "MKX"},
	}
	var buf bytes.Buffer
	if err := protein.WriteFASTA(&buf, records); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if want := []int{46, 60, 60, 20, 6, 6, 3}; len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	} else {
		for i, l := range lines {
			if len(l) != want[i] {
				t.Errorf("line %d has %d characters, want %d: %q", i+1, len(l), want[i], l)
			}
		}
	}
	back, err := protein.ReadFASTA(&buf)
	if err != nil || !slices.Equal(back, records) {
		t.Errorf("read back %+v (%v), want %+v", back, err, records)
	}
	if err := protein.WriteFASTA(&buf, []protein.FASTARecord{{Header: "a\nb"}}); err == nil {
		t.Error("a header with a newline was written")
	}
	if _, err := protein.ReadFASTA(strings.NewReader("MKV\n>x\nMKV\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("residues before a header: err = %v, want it to name line 1", err)
	}
}

func TestFASTASequenceDropsEndPaddingAndMarksUnknownResiduesX(t *testing.T) {
	for in, want := range map[string]string{"MK-V--": "MKXV", "-MK": "XMK", "----": "", "ACD": "ACD"} {
		if got := protein.FASTASequence(in); got != want {
			t.Errorf("FASTASequence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSequenceMetricsByHand(t *testing.T) {
	c := protein.Composition([]string{"AAC-", "CC--"})
	// Residues A A C C C: A 2/5, C 3/5; gaps are not residues.
	if c[0] != 0.4 || c[1] != 0.6 {
		t.Errorf("composition A %g C %g, want 0.4 and 0.6", c[0], c[1])
	}
	d := protein.Composition([]string{"AD"})
	// |0.4-0.5| + |0.6-0| + |0-0.5| = 1.2, halved.
	if tv := protein.CompositionTV(c, d); math.Abs(tv-0.6) > 1e-12 {
		t.Errorf("TV %g, want 0.6", tv)
	}
	if tv := protein.CompositionTV(c, protein.Composition([]string{"--"})); tv != 1 {
		t.Errorf("TV to a set without residues %g, want 1", tv)
	}
	// Positions where both are gaps do not count: 2 identical of 3.
	if id := protein.Identity("ACD-", "ACE-"); math.Abs(id-2.0/3) > 1e-12 {
		t.Errorf("identity %g, want 2/3", id)
	}
	if id := protein.Identity("AC", "AC--"); id != 1 {
		t.Errorf("identity of a sequence and its padded self %g, want 1", id)
	}
	if id := protein.Identity("--", "--"); id != 0 {
		t.Errorf("identity of two gaps %g, want 0", id)
	}
	if id := protein.NearestIdentity([]string{"ACDE", "WWWW"}, []string{"ACDD", "WWWY", "ACDE"}); math.Abs(id-(1+0.75)/2) > 1e-12 {
		t.Errorf("nearest identity %g, want (1 + 0.75)/2", id)
	}
	if !math.IsNaN(protein.NearestIdentity([]string{"A"}, nil)) {
		t.Error("nearest identity without a reference is not NaN")
	}
	// Position 0: A A C C, 1 bit; position 1: all K, 0 bits.
	if h := protein.PositionEntropy([]string{"AK", "AK", "CK", "CK"}); math.Abs(h-0.5) > 1e-12 {
		t.Errorf("position entropy %g bits, want 0.5", h)
	}
	st := protein.MeasureSequences([]string{"AK--"}, c, nil)
	if st.GapFraction != 0.5 {
		t.Errorf("gap fraction %g, want 0.5", st.GapFraction)
	}
	if _, ok := st.Metrics()["nearest_train_identity"]; ok {
		t.Error("an identity without training sequences was reported")
	}
}

// seqVAE builds a small VAE over one-hot sequences of length residues,
// adapted to proteins.
func seqVAE(t *testing.T, length int) models.Model {
	t.Helper()
	cfg := config.ModelConfiguration{
		Name: "seq_vae", ModelClass: "VAE", InputDim: config.Dims{length, protein.VocabSize}, HiddenDims: []int{32}, OutputDim: config.Dims{4},
		Activation: "relu", Parameters: map[string]any{"reconstruction_loss": "categorical"},
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(1), factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// oneHot encodes sequences as OneHotSequences does.
func oneHot(t *testing.T, seqs ...string) *data.Dataset {
	t.Helper()
	var vals []float32
	for _, s := range seqs {
		for i := range len(s) {
			v := make([]float32, protein.VocabSize)
			v[strings.IndexByte(protein.Alphabet, s[i])] = 1
			vals = append(vals, v...)
		}
	}
	ds, err := data.NewDataset(vals, nil, 1, len(seqs[0]), protein.VocabSize)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestASequenceModelDrawsSequencesAndNoStructures(t *testing.T) {
	m := seqVAE(t, 12)
	s, ok := m.(protein.SequenceSampler)
	if !ok {
		t.Fatalf("%T is not a SequenceSampler", m)
	}
	if _, ok := m.(*protein.Adapted); ok {
		t.Error("a sequence model is an Adapted, which the CLI samples as structures")
	}
	if fs, ok := m.(models.FileSampler); !ok || fs.SampleFile() != "samples.fasta" {
		t.Errorf("the trainer's sample file is not samples.fasta (%v)", ok)
	}
	seqs, err := s.SampleSequences(5, 1, tensor.NewRngs(7))
	if err != nil || len(seqs) != 5 {
		t.Fatalf("%d sequences, %v", len(seqs), err)
	}
	for _, q := range seqs {
		if len(q) != 12 || strings.Trim(q, protein.Alphabet) != "" {
			t.Errorf("sequence %q is not 12 letters of %s", q, protein.Alphabet)
		}
	}
	again, _ := s.SampleSequences(5, 1, tensor.NewRngs(7))
	if !slices.Equal(seqs, again) {
		t.Error("the same seed drew other sequences")
	}
	// An untrained decoder is near uniform: residues drawn from it vary.
	if protein.PositionEntropy(seqs) < 1 {
		t.Errorf("entropy %g bits per position: residues are not drawn from the decoder's distribution", protein.PositionEntropy(seqs))
	}
	for _, temp := range []float64{0, -1, math.NaN()} {
		if _, err := s.SampleSequences(2, temp, tensor.NewRngs(7)); err == nil {
			t.Errorf("temperature %g accepted", temp)
		}
	}
	if _, err := s.SampleSequences(0, 1, tensor.NewRngs(7)); err == nil {
		t.Error("0 sequences accepted")
	}
	path := filepath.Join(t.TempDir(), "s.fasta")
	if err := m.(models.FileSampler).WriteSample(path, tensor.NewRngs(1)); err != nil {
		t.Fatal(err)
	}
}

func TestSequenceEvaluationComparesSamplesTestAndUniformSequences(t *testing.T) {
	m := seqVAE(t, 8)
	test := oneHot(t, "ACDEFG--", "ACDEFGHI", "KKKKKKKK")
	train := oneHot(t, "ACDEFGHI", "MMMMMMMM")
	got, err := m.(interface {
		EvaluateWithTraining(test, train *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error)
	}).EvaluateWithTraining(test, train, tensor.NewRngs(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"iwae_nll", "nelbo", "aa_composition_tv/samples", "aa_composition_tv/test", "aa_composition_tv/uniform",
		"nearest_train_identity/samples", "nearest_train_identity/test", "nearest_train_identity/uniform",
		"position_entropy_bits/samples", "gap_fraction/test"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %s in %v", k, got)
		}
	}
	if got["sequences/samples"] != 3 {
		t.Errorf("%g sequences drawn, want one per test sequence (3)", got["sequences/samples"])
	}
	// Test sequences: ACDEFG (identity 6/8 to ACDEFGHI: positions 7-8
	// are gap against residue), ACDEFGHI (1) and KKKKKKKK (0).
	if want := (0.75 + 1 + 0) / 3; math.Abs(got["nearest_train_identity/test"]-want) > 1e-9 {
		t.Errorf("test identity %g, want %g", got["nearest_train_identity/test"], want)
	}
	if want := 2.0 / 24; math.Abs(got["gap_fraction/test"]-want) > 1e-9 || got["gap_fraction/uniform"] != 0 {
		t.Errorf("gap fractions test %g, uniform %g; want %g and 0", got["gap_fraction/test"], got["gap_fraction/uniform"], want)
	}
	// The test column's composition distance is the training set's: A C D
	// E F G H I 1/16 each, M 1/2 against the test's A..G 2/22, H I 1/22, K 8/22.
	trainC := protein.Composition([]string{"ACDEFGHI", "MMMMMMMM"})
	testC := protein.Composition([]string{"ACDEFG--", "ACDEFGHI", "KKKKKKKK"})
	if want := protein.CompositionTV(trainC, testC); math.Abs(got["aa_composition_tv/test"]-want) > 1e-9 || want == 0 {
		t.Errorf("test column composition distance %g, want the training set's %g", got["aa_composition_tv/test"], want)
	}

	without, err := m.(models.Evaluator).Evaluate(test, tensor.NewRngs(3))
	if err != nil {
		t.Fatal(err)
	}
	for k := range without {
		if strings.HasPrefix(k, "nearest_train_identity") || k == "aa_composition_tv/test" {
			t.Errorf("%s reported without the training split", k)
		}
	}
}

func TestDecodeSequencesReadsOneHotWindows(t *testing.T) {
	seqs, err := protein.DecodeSequences(oneHot(t, "MKV-", "ACDE").Images())
	if err != nil || !slices.Equal(seqs, []string{"MKV-", "ACDE"}) {
		t.Errorf("decoded %q, %v", seqs, err)
	}
	if _, err := protein.DecodeSequences(tensor.Zeros(2, 4, 6)); err == nil {
		t.Error("angles decoded as sequences")
	}
}

// A split whose chains are all too short or broken for the windows asked
// for holds no usable example: the error says so with data.ErrNoExamples,
// so that the CLI can evaluate another split.
func TestSplitsWithoutWindowsWrapErrNoExamples(t *testing.T) {
	c := testChain(t) // 1BXY: 60 residues
	if _, err := protein.AngleWindows([]*protein.Chain{c}, 128, 16); !errors.Is(err, data.ErrNoExamples) {
		t.Errorf("angle windows longer than the chain: err = %v, want data.ErrNoExamples", err)
	}
	if _, err := protein.CATraces([]*protein.Chain{c}, 128, 16); !errors.Is(err, data.ErrNoExamples) {
		t.Errorf("CA windows longer than the chain: err = %v, want data.ErrNoExamples", err)
	}
	if _, err := protein.AngleWindows([]*protein.Chain{c}, 32, 16); err != nil {
		t.Errorf("windows that fit: %v", err)
	}
}

func TestADiffusionModelOfOneHotResiduesDrawsSequences(t *testing.T) {
	cfg := config.ModelConfiguration{
		Name: "seq_ddpm", ModelClass: "DDPM", InputDim: config.Dims{8, protein.VocabSize}, HiddenDims: []int{16}, Activation: "gelu",
		Parameters: map[string]any{"noise_steps": 20, "backbone": "transformer", "num_layers": 1, "num_heads": 2, "sampler": "ddim", "sampling_steps": 3},
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(2), factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := m.(protein.SequenceSampler)
	if !ok {
		t.Fatalf("%T draws no sequences", m)
	}
	seqs, err := s.SampleSequences(3, 1, tensor.NewRngs(1))
	if err != nil || len(seqs) != 3 || len(seqs[0]) != 8 {
		t.Fatalf("sequences %q, %v; want 3 of 8 residues", seqs, err)
	}
	if _, err := s.SampleSequences(3, 0.5, tensor.NewRngs(1)); err == nil || !strings.Contains(err.Error(), "no sampling temperature") {
		t.Errorf("a temperature for a diffusion model: err = %v", err)
	}
}
