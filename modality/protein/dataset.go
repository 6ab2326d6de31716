package protein

import (
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/data"
)

// MinChainLength is the number of residues with a complete backbone a
// chain needs to be used for training; shorter chains are peptides or
// fragments.
const MinChainLength = 30

// Lengths of the examples the protein data sets hold.
const (
	SequenceLength = 128 // protein_sequences
	AngleLength    = 128 // protein_angles
	CALength       = 64  // protein_ca
)

// CAScale is the length, in ångström, of one unit of the protein_ca data
// set: CA traces are centred and divided by it so that coordinates are of
// order one.
const CAScale = 10.0

// PDBFiles returns the PDB files (.pdb, .ent, any case) under dir,
// searched recursively, sorted by path.
func PDBFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(path))
		if !d.IsDir() && (ext == ".pdb" || ext == ".ent") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("protein: %w", err)
	}
	slices.Sort(files)
	return files, nil
}

// LoadChains reads the chains of the PDB files of split under dir that
// have at least MinChainLength residues with a complete backbone. Files
// are assigned to splits by their sorted position: every fifth file
// (the 5th, 10th, ...) is "test", the others "train"; "all" takes every
// file. A folder of fewer than five files has no held-out test files: its
// "test" split reads them all, as "train" does. The error wraps
// data.ErrNotFound when dir holds no PDB file.
func LoadChains(dir, split string) ([]*Chain, error) {
	if split != "train" && split != "test" && split != "all" {
		return nil, fmt.Errorf("protein: unknown split %q; available: train, test, all", split)
	}
	files, err := PDBFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("protein: no .pdb files under %s: %w", dir, data.ErrNotFound)
	}
	if len(files) < 5 {
		split = "all"
	}
	var chains []*Chain
	for i, f := range files {
		if split != "all" && (i%5 == 4) != (split == "test") {
			continue
		}
		s, err := ReadPDB(f)
		if err != nil {
			return nil, err
		}
		for _, c := range s.Chains {
			n := 0
			for j := range c.Residues {
				if c.Residues[j].HasBackbone() {
					n++
				}
			}
			if n >= MinChainLength {
				chains = append(chains, c)
			}
		}
	}
	if len(chains) == 0 {
		return nil, fmt.Errorf("protein: no chain of %d or more residues in the %s split of %s (%d files): %w", MinChainLength, split, dir, len(files), data.ErrNoExamples)
	}
	return chains, nil
}

// OneHotSequences returns the sequences of chains as one-hot vectors over
// the vocabulary, [N, 1, length, VocabSize] in a data set: chains are cut
// into windows of length residues every length/2, and shorter ones are
// padded with the gap token.
func OneHotSequences(chains []*Chain, length int) (*data.Dataset, error) {
	var vals []float32
	for _, c := range chains {
		for _, w := range Windows(c, length, max(1, length/2)) {
			ex := make([]float32, length*VocabSize)
			for i := range length {
				a := Unknown
				if i < w.Len() {
					a = w.Residues[i].AA
				}
				ex[i*VocabSize+a] = 1
			}
			vals = append(vals, ex...)
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("protein: no sequences: %w", data.ErrNoExamples)
	}
	return data.NewDataset(vals, nil, 1, length, VocabSize)
}

// AngleOffsets are subtracted from the six internal coordinates of
// AngleNames before a model sees them (EncodeAngles), so that every
// coordinate is centred near zero: omega near ±π (trans peptides) and the
// bond angles near their ideal values.
var AngleOffsets = [6]float64{0, 0, math.Pi, AngleNCAC, AngleCACN, AngleCNCA}

// wrap maps an angle to [-π, π).
func wrap(a float64) float64 {
	a = math.Mod(a+math.Pi, 2*math.Pi)
	if a < 0 {
		a += 2 * math.Pi
	}
	return a - math.Pi
}

// EncodeAngles returns angles minus AngleOffsets, wrapped to [-π, π).
func EncodeAngles(a [6]float64) [6]float64 {
	var out [6]float64
	for k := range a {
		out[k] = wrap(a[k] - AngleOffsets[k])
	}
	return out
}

// DecodeAngles inverts EncodeAngles.
func DecodeAngles(e [6]float64) [6]float64 {
	var out [6]float64
	for k := range e {
		out[k] = wrap(e[k] + AngleOffsets[k])
	}
	return out
}

// AngleWindows returns the encoded internal coordinates (EncodeAngles) of
// every window of length consecutive bonded residues of chains, starting
// every stride residues, as [N, 1, length, 6] in a data set. Coordinates
// undefined at a chain's ends are zero; windows across a chain break are
// skipped.
func AngleWindows(chains []*Chain, length, stride int) (*data.Dataset, error) {
	var vals []float32
	for _, c := range chains {
		ang, mask := BackboneAngles(c)
		n := c.Len()
	window:
		for s := 0; s+length <= n; s += stride {
			for i := s; i < s+length; i++ {
				for k := range 6 {
					atStart := i == 0 && k == 0
					atEnd := i == n-1 && k != 0 && k != 3
					if !mask[i][k] && !atStart && !atEnd {
						continue window
					}
				}
			}
			for i := s; i < s+length; i++ {
				e := EncodeAngles(ang[i])
				for k := range 6 {
					if !mask[i][k] {
						e[k] = 0
					}
					vals = append(vals, float32(e[k]))
				}
			}
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("protein: no window of %d consecutive residues with complete, bonded backbones in %d chains of %d or more residues: angle windows need chains that long without breaks: %w", length, len(chains), MinChainLength, data.ErrNoExamples)
	}
	return data.NewDataset(vals, nil, 1, length, 6)
}

// CATraces returns windows of length CA atoms of chains (every stride
// residues, only windows where every CA is present), centred and divided
// by CAScale, as [N, 1, length, 3] in a data set.
func CATraces(chains []*Chain, length, stride int) (*data.Dataset, error) {
	var vals []float32
	for _, c := range chains {
		for _, w := range Windows(c, length, stride) {
			if w.Len() < length {
				continue
			}
			ca, mask := w.CA()
			if slices.Contains(mask, false) {
				continue
			}
			centred, _ := Center(ca, nil)
			for _, p := range centred {
				for d := range 3 {
					vals = append(vals, float32(p[d]/CAScale))
				}
			}
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("protein: no complete CA window of %d residues in %d chains: %w", length, len(chains), data.ErrNoExamples)
	}
	return data.NewDataset(vals, nil, 1, length, 3)
}

// DataSources are the protein data sets data.Load reads once
// RegisterDataSets has run, each from any folder of PDB files:
// protein_sequences (one-hot sequences, SequenceLength residues),
// protein_angles (FoldingDiff's six internal coordinates, AngleLength
// residues) and protein_ca (CA traces, CALength residues).
func DataSources() []data.Source {
	howTo := "Put PDB files (.pdb or .ent, e.g. downloaded from rcsb.org) in a directory and pass it with --data-dir or $" +
		data.EnvDataDir + " (a sub-folder pdb/ or protein/ of it is searched first)."
	subdirs := []string{"pdb", "protein"}
	mk := func(name string, build func([]*Chain) (*data.Dataset, error)) data.Source {
		return data.Source{Name: name, Subdirs: subdirs, HowTo: howTo, Read: func(dir, split string, _ data.LoadOptions) (*data.Dataset, error) {
			chains, err := LoadChains(dir, split)
			if err != nil {
				return nil, err
			}
			ds, err := build(chains)
			if err != nil {
				return nil, fmt.Errorf("%s, %s split of %s: %w", name, split, dir, err)
			}
			return ds, nil
		}}
	}
	return []data.Source{
		mk("protein_sequences", func(c []*Chain) (*data.Dataset, error) { return OneHotSequences(c, SequenceLength) }),
		mk("protein_angles", func(c []*Chain) (*data.Dataset, error) { return AngleWindows(c, AngleLength, AngleLength/8) }),
		mk("protein_ca", func(c []*Chain) (*data.Dataset, error) { return CATraces(c, CALength, CALength/4) }),
	}
}

var registerOnce = data.RegisterSourcesOnce(DataSources)

// RegisterDataSets registers DataSources with data.Load; calling it again
// does nothing.
func RegisterDataSets() error { return registerOnce() }
