package data

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Text data sets hold token rows, not images: a Dataset of shape
// [N, 1, 1, TextRowLength] whose values are byte ids 0–255 (exact in
// float32), cut from one stream of the corpus's bytes with consecutive
// rows overlapping by one byte, so that a language model trained on
// next-byte prediction sees every byte but the first as a target once.
const (
	// TextRowLength is the number of bytes per row of a text data set.
	TextRowLength = 257
	// DebianFortunesDir is where Debian's fortunes and fortunes-min
	// packages install the fortune files.
	DebianFortunesDir = "/usr/share/games/fortunes"
	// fortunesTestEvery puts every tenth fortune in the test split.
	fortunesTestEvery = 10
)

// fortunesDir is DebianFortunesDir, a variable so that tests can search an
// empty place instead.
var fortunesDir = DebianFortunesDir

// isTextCorpus reports whether name is a text data set.
func isTextCorpus(name string) bool { return strings.EqualFold(name, "fortunes") }

// loadFortunes reads the fortune files (BSD fortune(6)'s data, under the
// BSD licence) from opts.Dir (or its fortunes/ folder), $ARTIFEX_DATA (or
// its fortunes/ folder) or DebianFortunesDir. Fortunes, separated by lines
// holding "%", are numbered across the files in name order; every tenth
// (numbers 9, 19, ...) is in the test split, the rest in train. Each split
// is the byte stream of its fortunes, each followed by "%\n" as in the
// files, cut into rows of TextRowLength bytes.
func loadFortunes(split string, opts LoadOptions) (*Dataset, error) {
	if split != "train" && split != "test" {
		return nil, fmt.Errorf("data: unknown split %q for fortunes; available: train, test", split)
	}
	var looked []string
	var dirs []string
	for _, root := range []struct{ dir, origin string }{
		{opts.Dir, "--data-dir"}, {os.Getenv(EnvDataDir), "$" + EnvDataDir},
	} {
		if root.dir == "" {
			continue
		}
		dirs = append(dirs, filepath.Join(root.dir, "fortunes"), root.dir)
	}
	dirs = append(dirs, fortunesDir)
	for _, dir := range dirs {
		files := fortuneFiles(dir)
		if len(files) == 0 {
			looked = append(looked, "  "+dir)
			continue
		}
		return readFortunes(files, split)
	}
	return nil, fmt.Errorf("data: fortunes %s split %w; looked for fortune files (text files of fortunes separated by %% lines, beside their .dat index) in:\n%s\n"+
		"To get them: `apt-get install fortunes fortunes-min` (Debian, Ubuntu), or copy fortune files into a directory and pass it with --data-dir or $%s.",
		split, ErrNotFound, strings.Join(looked, "\n"), EnvDataDir)
}

// fortuneFiles returns the fortune files of dir, sorted: the files that
// have a strfile index beside them (name.dat).
func fortuneFiles(dir string) []string {
	idx, _ := filepath.Glob(filepath.Join(dir, "*.dat"))
	var files []string
	for _, d := range idx {
		f := strings.TrimSuffix(d, ".dat")
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			files = append(files, f)
		}
	}
	sort.Strings(files)
	return files
}

func readFortunes(files []string, split string) (*Dataset, error) {
	var stream []byte
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("data: fortunes: %w", err)
		}
		for _, fortune := range splitFortunes(b) {
			if (n%fortunesTestEvery == fortunesTestEvery-1) == (split == "test") {
				stream = append(stream, fortune...)
				stream = append(stream, "%\n"...)
			}
			n++
		}
	}
	rows := (len(stream) - 1) / (TextRowLength - 1)
	if rows <= 0 {
		return nil, fmt.Errorf("data: fortunes %s split: %d bytes in %d files make no row of %d bytes", split, len(stream), len(files), TextRowLength)
	}
	values := make([]float32, rows*TextRowLength)
	for r := range rows {
		for j, c := range stream[r*(TextRowLength-1) : r*(TextRowLength-1)+TextRowLength] {
			values[r*TextRowLength+j] = float32(c)
		}
	}
	return NewDataset(values, nil, 1, 1, TextRowLength)
}

// splitFortunes cuts a fortune file at its "%" lines; empty fortunes are
// dropped. Each fortune keeps its final newline.
func splitFortunes(b []byte) [][]byte {
	var out [][]byte
	for _, f := range bytes.Split(b, []byte("\n%\n")) {
		f = bytes.TrimPrefix(f, []byte("%\n"))
		if len(bytes.TrimSpace(f)) == 0 {
			continue
		}
		if f[len(f)-1] != '\n' {
			f = append(f, '\n')
		}
		out = append(out, f)
	}
	return out
}
