package data

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
	// fortunesTestEvery puts every tenth document (a fortune, a
	// paragraph) in the test split.
	fortunesTestEvery = 10
)

// fortunesDir is DebianFortunesDir, a variable so that tests can search an
// empty place instead.
var fortunesDir = DebianFortunesDir

// isTextCorpus reports whether name is a text data set.
func isTextCorpus(name string) bool {
	return strings.EqualFold(name, "fortunes") || strings.EqualFold(name, "text")
}

// loadText reads a text data set: the fortune files ("fortunes", see
// loadFortunes) or a user's plain-text corpus ("text", see loadPlainText).
func loadText(name, split string, opts LoadOptions) (*Dataset, error) {
	if split != "train" && split != "test" {
		return nil, fmt.Errorf("data: unknown split %q for %s; available: train, test", split, strings.ToLower(name))
	}
	if strings.EqualFold(name, "text") {
		return loadPlainText(split, opts)
	}
	return loadFortunes(split, opts)
}

// userDirs returns the directories a user named for data set sub, each
// preceded by its sub/ folder: opts.Dir, then $ARTIFEX_DATA.
func userDirs(opts LoadOptions, sub string) []string {
	var dirs []string
	for _, dir := range []string{opts.Dir, os.Getenv(EnvDataDir)} {
		if dir != "" {
			dirs = append(dirs, filepath.Join(dir, sub), dir)
		}
	}
	return dirs
}

// loadPlainText reads every .txt file under the first directory of
// userDirs(opts, "text") that holds any (searched recursively, in path
// order). The text is cut into paragraphs at blank lines; every tenth
// paragraph (numbers 9, 19, ...) is in the test split, the rest in train;
// each split is the byte stream of its paragraphs, each followed by a
// blank line, cut into rows as the fortunes are.
func loadPlainText(split string, opts LoadOptions) (*Dataset, error) {
	var looked []string
	for _, dir := range userDirs(opts, "text") {
		var files []string
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".txt") {
				files = append(files, path)
			}
			return nil
		})
		if len(files) == 0 {
			looked = append(looked, "  "+dir)
			continue
		}
		sort.Strings(files)
		return textRows(files, split, paragraphs, "\n\n")
	}
	if len(looked) == 0 {
		looked = append(looked, "  (no directory given)")
	}
	return nil, fmt.Errorf("data: text %s split %w; looked for .txt files in:\n%s\n"+
		"Pass a directory of .txt files with --data-dir or $%s (its text/ folder is searched first).",
		split, ErrNotFound, strings.Join(looked, "\n"), EnvDataDir)
}

// paragraphs cuts text at blank lines; empty paragraphs are dropped and
// each keeps no trailing newline.
func paragraphs(b []byte) [][]byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	var out [][]byte
	for _, p := range regexpBlank.Split(string(b), -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, []byte(p))
		}
	}
	return out
}

// regexpBlank matches a blank line: a paragraph break.
var regexpBlank = regexp.MustCompile(`\n[ \t]*\n\s*`)

// loadFortunes reads the fortune files (BSD fortune(6)'s data, under the
// BSD licence) from opts.Dir (or its fortunes/ folder), $ARTIFEX_DATA (or
// its fortunes/ folder) or DebianFortunesDir. Fortunes, separated by lines
// holding "%", are numbered across the files in name order; every tenth
// (numbers 9, 19, ...) is in the test split, the rest in train. Each split
// is the byte stream of its fortunes, each followed by "%\n" as in the
// files, cut into rows of TextRowLength bytes.
func loadFortunes(split string, opts LoadOptions) (*Dataset, error) {
	var looked []string
	for _, dir := range append(userDirs(opts, "fortunes"), fortunesDir) {
		files := fortuneFiles(dir)
		if len(files) == 0 {
			looked = append(looked, "  "+dir)
			continue
		}
		return textRows(files, split, splitFortunes, "%\n")
	}
	return nil, fmt.Errorf("data: fortunes %s split %w; looked for fortune files (text files of fortunes separated by %% lines, beside their .dat index) in:\n%s\n"+
		"To get them: `apt-get install fortunes fortunes-min` (Debian, Ubuntu), or copy fortune files into a directory and pass it with --data-dir or $%s. "+
		"For a folder of plain .txt files, use the data set \"text\" (--set dataset=text).",
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

// textRows reads files, cuts each into documents with cut, puts every
// tenth document (numbers 9, 19, ... across the files) in the test split
// and the rest in train, and returns the split's byte stream, each
// document followed by sep, cut into rows of TextRowLength bytes.
func textRows(files []string, split string, cut func([]byte) [][]byte, sep string) (*Dataset, error) {
	var stream []byte
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		for _, doc := range cut(b) {
			if (n%fortunesTestEvery == fortunesTestEvery-1) == (split == "test") {
				stream = append(stream, doc...)
				stream = append(stream, sep...)
			}
			n++
		}
	}
	rows := (len(stream) - 1) / (TextRowLength - 1)
	if rows <= 0 {
		return nil, fmt.Errorf("data: text %s split: %d bytes in %d files (%d documents in all) make no row of %d bytes", split, len(stream), len(files), n, TextRowLength)
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
