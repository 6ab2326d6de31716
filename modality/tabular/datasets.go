package tabular

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/tensor"
)

// DebianSklearnDir is where Debian's python3-sklearn package installs
// scikit-learn's bundled data sets (BSD-3-Clause licence, see
// /usr/share/doc/python3-sklearn/copyright).
const DebianSklearnDir = "/usr/lib/python3/dist-packages/sklearn/datasets/data"

// sklearnDir is DebianSklearnDir, a variable so that tests can search an
// empty place instead.
var sklearnDir = DebianSklearnDir

// TestFraction is the share of each class held out as the test split.
const TestFraction = 0.2

// SplitSeed seeds the permutation of the deterministic train/test split.
const SplitSeed = 20140624

// TargetColumn is the name of the class column of the built-in tables.
const TargetColumn = "class"

// builtin describes a table of scikit-learn's in its own CSV layout: a
// first line "rows,features,class names...", then the features and the
// class index of each row.
type builtin struct {
	file     string
	features []string
}

var builtins = map[string]builtin{
	"wine": {file: "wine_data.csv", features: []string{
		"alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
		"nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315_of_diluted_wines", "proline",
	}},
	"iris":          {file: "iris.csv", features: []string{"sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"}},
	"breast_cancer": {file: "breast_cancer.csv", features: breastCancerFeatures()},
}

func breastCancerFeatures() []string {
	base := []string{"radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
		"concave_points", "symmetry", "fractal_dimension"}
	var out []string
	for _, p := range []string{"mean", "error", "worst"} {
		for _, b := range base {
			out = append(out, p+"_"+b)
		}
	}
	return out
}

// Datasets lists the built-in tables, sorted.
func Datasets() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// canonical returns the built-in name a user's spelling means
// ("breast-cancer" is breast_cancer).
func canonical(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
}

// IsDataset reports whether name is a built-in table.
func IsDataset(name string) bool {
	_, ok := builtins[canonical(name)]
	return ok
}

// Source is a built-in table read, split and encoded: the encoder is fit
// on the training split.
type Source struct {
	Name        string
	Path        string // the file read
	Schema      Schema // features numerical, the class categorical (binary for two classes)
	Train, Test *Table
	Encoder     *Encoder
	Target      string // the class column, TargetColumn
}

// howTo tells the user how to get a built-in table's file.
func howTo(b builtin) string {
	return fmt.Sprintf("To get it: `apt-get install python3-sklearn` (Debian, Ubuntu), or copy scikit-learn's "+
		"sklearn/datasets/data/%s into a directory and pass it with --data-dir or $%s (a sub-folder sklearn/ of it is searched first).",
		b.file, data.EnvDataDir)
}

// openIn reads the built-in table key from the file in dir; the error
// wraps data.ErrNotFound when dir does not hold it.
func openIn(key, dir string) (*Source, error) {
	b := builtins[key]
	path := filepath.Join(dir, b.file)
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return nil, fmt.Errorf("%s %w", b.file, data.ErrNotFound)
	}
	full, classes, err := readSklearn(path, b.features)
	if err != nil {
		return nil, err
	}
	schema := make(Schema, 0, len(b.features)+1)
	for _, f := range b.features {
		schema = append(schema, Column{Name: f, Kind: Numerical})
	}
	target := Column{Name: TargetColumn, Kind: Categorical, Categories: classes}
	if len(classes) == 2 {
		target.Kind = Binary
	}
	schema = append(schema, target)
	train, test := StratifiedSplit(full, len(b.features), TestFraction, SplitSeed)
	enc, err := Fit(schema, train)
	if err != nil {
		return nil, fmt.Errorf("tabular: %s: %w", key, err)
	}
	return &Source{Name: key, Path: path, Schema: schema, Train: train, Test: test, Encoder: enc, Target: TargetColumn}, nil
}

// dataSource is the data.Source of the built-in table key, reading
// through read.
func dataSource(key string, read func(dir, split string) (*data.Dataset, error)) data.Source {
	return data.Source{
		Name:    key,
		Subdirs: []string{"sklearn"},
		Read:    func(dir, split string, _ data.LoadOptions) (*data.Dataset, error) { return read(dir, split) },
		Default: func() (string, string) { return sklearnDir, "Debian package python3-sklearn" },
		HowTo:   howTo(builtins[key]),
	}
}

// Open reads a built-in table ("wine", "iris", "breast_cancer") from the
// places data.Load searches for a registered data set: dir (--data-dir,
// when not empty), $ARTIFEX_DATA (each with its sklearn/ folder first),
// then Debian's python3-sklearn files. It splits the table into train
// and test with a stratified, seeded permutation (TestFraction of every
// class in test) and fits the encoder on the training split. When the
// file is in none of these places the error, which wraps
// data.ErrNotFound, lists where it looked and how to install it.
func Open(name, dir string) (*Source, error) {
	key := canonical(name)
	if _, ok := builtins[key]; !ok {
		return nil, fmt.Errorf("tabular: unknown data set %q; available: %s", name, strings.Join(Datasets(), ", "))
	}
	var src *Source
	s := dataSource(key, func(d, split string) (*data.Dataset, error) {
		var err error
		if src, err = openIn(key, d); err != nil {
			return nil, err
		}
		return src.Dataset(split)
	})
	if _, err := data.LoadSource(s, "train", data.LoadOptions{Dir: dir}); err != nil {
		return nil, fmt.Errorf("tabular: %w", err)
	}
	return src, nil
}

// DataSources are the built-in tables as data sets that data.Load reads
// once RegisterDataSets has run: each split encoded as rows (see
// Source.Dataset), found as Open finds the table.
func DataSources() []data.Source {
	var out []data.Source
	for _, key := range Datasets() {
		out = append(out, dataSource(key, func(dir, split string) (*data.Dataset, error) {
			src, err := openIn(key, dir)
			if err != nil {
				return nil, err
			}
			return src.Dataset(split)
		}))
	}
	return out
}

var registerOnce = data.RegisterSourcesOnce(DataSources)

// RegisterDataSets registers DataSources with data.Load; calling it again
// does nothing.
func RegisterDataSets() error { return registerOnce() }

// readSklearn reads scikit-learn's layout and returns the table with the
// class names in the class column.
func readSklearn(path string, features []string) (*Table, []string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("tabular: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	head := strings.Split(strings.TrimSpace(lines[0]), ",")
	if len(head) < 4 {
		return nil, nil, fmt.Errorf("tabular: %s: first line %q is not \"rows,features,class names...\"", path, lines[0])
	}
	n, err1 := strconv.Atoi(head[0])
	d, err2 := strconv.Atoi(head[1])
	if err := errors.Join(err1, err2); err != nil || d != len(features) {
		return nil, nil, fmt.Errorf("tabular: %s: first line %q should give the row count and %d features", path, lines[0], len(features))
	}
	classes := trimAll(head[2:])
	if len(lines)-1 != n {
		return nil, nil, fmt.Errorf("tabular: %s announces %d rows and holds %d", path, n, len(lines)-1)
	}
	t := &Table{Header: append(slices.Clone(features), TargetColumn), Rows: make([][]string, n)}
	for i, line := range lines[1:] {
		cells := trimAll(strings.Split(strings.TrimSpace(line), ","))
		if len(cells) != d+1 {
			return nil, nil, fmt.Errorf("tabular: %s line %d has %d cells, want %d", path, i+2, len(cells), d+1)
		}
		k, err := strconv.Atoi(cells[d])
		if err != nil || k < 0 || k >= len(classes) {
			return nil, nil, fmt.Errorf("tabular: %s line %d: class %q is not an index below %d", path, i+2, cells[d], len(classes))
		}
		cells[d] = classes[k]
		t.Rows[i] = cells
	}
	return t, classes, nil
}

// StratifiedSplit splits t into train and test: the rows of each value of
// column target are permuted with a stream seeded by seed, and the first
// round(fraction·count) of them go to test. Both keep the original row
// order. The same table, fraction and seed always give the same split.
func StratifiedSplit(t *Table, target int, fraction float64, seed uint64) (train, test *Table) {
	byClass := map[string][]int{}
	var order []string
	for i, r := range t.Rows {
		v := r[target]
		if _, ok := byClass[v]; !ok {
			order = append(order, v)
		}
		byClass[v] = append(byClass[v], i)
	}
	s := tensor.NewRngs(seed).Stream("split")
	inTest := make([]bool, t.Len())
	for _, v := range order {
		rows := byClass[v]
		perm := s.Permutation(len(rows))
		k := int(fraction*float64(len(rows)) + 0.5)
		for _, p := range perm[:k] {
			inTest[rows[p]] = true
		}
	}
	var tr, te []int
	for i, in := range inTest {
		if in {
			te = append(te, i)
		} else {
			tr = append(tr, i)
		}
	}
	return t.Subset(tr), t.Subset(te)
}

// Dataset returns split ("train" or "test") of the source encoded as a
// data.Dataset of [N, 1, 1, Width] rows, labelled by the class index.
func (s *Source) Dataset(split string) (*data.Dataset, error) {
	var t *Table
	switch split {
	case "train":
		t = s.Train
	case "test":
		t = s.Test
	default:
		return nil, fmt.Errorf("tabular: unknown split %q for %s; available: train, test", split, s.Name)
	}
	return EncodeDataset(s.Encoder, t, s.Target)
}

// EncodeDataset encodes a table as a data.Dataset of [N, 1, 1, Width]
// rows, labelled by the index of the target column's value when target
// is not empty.
func EncodeDataset(enc *Encoder, t *Table, target string) (*data.Dataset, error) {
	x, err := enc.Encode(t)
	if err != nil {
		return nil, err
	}
	var labels []int
	if target != "" {
		if labels, err = enc.Indices(t, target); err != nil {
			return nil, err
		}
	}
	return data.NewDataset(x, labels, 1, 1, enc.Width())
}
