package data

import (
	"bytes"
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSplitFortunesCutsAtPercentLines(t *testing.T) {
	got := splitFortunes([]byte("one\nline\n%\ntwo\n%\n%\nthree"))
	want := []string{"one\nline\n", "two\n", "three\n"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("fortune %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestFortunesSplitIsDeterministicDisjointAndOverlapsRowsByOneByte(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 100 {
		b.WriteString(strings.Repeat(string(rune('a'+i%26)), 30+i) + "\n%\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "f.dat"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	train, err := Load("fortunes", "train", LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	test, err := Load("fortunes", "test", LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := train.ImageShape(); got[2] != TextRowLength {
		t.Fatalf("row shape %v", got)
	}
	// 90 train and 10 test fortunes of 30+i bytes, a newline and "%\n".
	trainBytes, testBytes := 0, 0
	for i := range 100 {
		n := 30 + i + 1 + 2
		if i%10 == 9 {
			testBytes += n
		} else {
			trainBytes += n
		}
	}
	if want := (trainBytes - 1) / (TextRowLength - 1); train.Len() != want {
		t.Errorf("train rows = %d, want %d", train.Len(), want)
	}
	if want := (testBytes - 1) / (TextRowLength - 1); test.Len() != want {
		t.Errorf("test rows = %d, want %d", test.Len(), want)
	}
	// The test split starts with fortune 9, of j.
	if got := test.Image(0)[0]; got != 'j' {
		t.Errorf("first test byte = %q, want 'j'", rune(got))
	}
	r0, r1 := train.Image(0), train.Image(1)
	if r0[TextRowLength-1] != r1[0] {
		t.Errorf("rows do not overlap by one byte: %v vs %v", r0[TextRowLength-1], r1[0])
	}
}

func TestFortunesMissingSaysHowToGetThem(t *testing.T) {
	old := fortunesDir
	fortunesDir = t.TempDir()
	defer func() { fortunesDir = old }()
	t.Setenv(EnvDataDir, "")
	_, err := Load("fortunes", "train", LoadOptions{Dir: t.TempDir()})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "apt-get install fortunes") {
		t.Fatalf("error = %v", err)
	}
	if _, err := Load("fortunes", "valid", LoadOptions{}); err == nil || !strings.Contains(err.Error(), "train, test") {
		t.Fatalf("bad split error = %v", err)
	}
}

func TestFortunesRealCorpusLoads(t *testing.T) {
	if len(fortuneFiles(DebianFortunesDir)) == 0 {
		datatest.Skip(t, "Debian fortunes not installed (apt-get install fortunes fortunes-min)")
	}
	train, err := Load("fortunes", "train", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	test, err := Load("fortunes", "test", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fortunes: %d train rows, %d test rows of %d bytes", train.Len(), test.Len(), TextRowLength)
	if train.Len() < 5*test.Len() || test.Len() == 0 {
		t.Errorf("train %d rows, test %d rows: want about 9:1", train.Len(), test.Len())
	}
}

func TestPlainTextFolderLoadsItsParagraphsNineToOne(t *testing.T) {
	// Real prose: the project's own documentation, as .txt.
	dir := t.TempDir()
	docs, err := filepath.Glob("../docs/*.md")
	if err != nil || len(docs) < 10 {
		t.Fatalf("the documentation to read: %v, %v", docs, err)
	}
	for _, f := range append(docs, "../README.md", "../BENCHMARKS.md") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, "text", "docs")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, filepath.Base(f)+".txt"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "text", "ignored.md"), []byte("not a .txt file"), 0o644); err != nil {
		t.Fatal(err)
	}
	train, err := Load("text", "train", LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	test, err := Load("text", "test", LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() < 5*test.Len() || test.Len() == 0 || !slices.Equal(train.ImageShape(), []int{1, 1, TextRowLength}) {
		t.Fatalf("train %d rows, test %d rows of %v", train.Len(), test.Len(), train.ImageShape())
	}
	// Rows overlap by one byte, so the stream reads back from them.
	var stream []byte
	for i := range train.Len() {
		row := train.Image(i)
		if i > 0 && stream[len(stream)-1] != byte(row[0]) {
			t.Fatalf("row %d does not start with the last byte of row %d", i, i-1)
		}
		start := 1
		if i == 0 {
			start = 0
		}
		for _, v := range row[start:] {
			stream = append(stream, byte(v))
		}
	}
	if !bytes.Contains(stream, []byte("Artifex-Go")) || bytes.Contains(stream, []byte("\n\n\n")) || bytes.Contains(stream, []byte("not a .txt")) {
		t.Errorf("train stream does not hold the paragraphs as expected: %.200q", stream)
	}

	if _, err := Load("text", "train", LoadOptions{Dir: t.TempDir()}); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "looked for .txt files") {
		t.Errorf("an empty folder: %v", err)
	}
}
