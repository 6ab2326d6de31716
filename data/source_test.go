package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegisteredSourcesAreLoadedFromTheUsersDirectories(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "things"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "things", "a.thing"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func(d, split string, _ LoadOptions) (*Dataset, error) {
		if _, err := os.Stat(filepath.Join(d, "a.thing")); err != nil {
			return nil, fmt.Errorf("no .thing files: %w", ErrNotFound)
		}
		return NewDataset([]float32{1, 2}, nil, 1, 1, 2)
	}
	if err := RegisterSource(Source{Name: "test_things", Subdirs: []string{"things"}, Read: read, HowTo: "Make things."}); err != nil {
		t.Fatal(err)
	}
	ds, err := Load("test-things", "train", LoadOptions{Dir: dir})
	if err != nil || ds.Len() != 1 {
		t.Fatalf("Load: %v", err)
	}
	t.Setenv(EnvDataDir, "")
	_, err = Load("test_things", "train", LoadOptions{Dir: t.TempDir()})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "Make things.") || !strings.Contains(err.Error(), "no .thing files") {
		t.Errorf("missing files: err %v", err)
	}
	if _, err := Load("nothing", "train", LoadOptions{}); err == nil || !strings.Contains(err.Error(), "test_things") {
		t.Errorf("unknown data set: err %v, want the registered sources listed", err)
	}
	if err := RegisterSource(Source{Name: "mnist", Read: read}); err == nil {
		t.Error("a source replaced MNIST")
	}
	if err := RegisterSource(Source{Name: "gen", Read: read, Generate: func(string) (*Dataset, error) { return nil, nil }}); err == nil {
		t.Error("a source with both Read and Generate accepted")
	}
}
