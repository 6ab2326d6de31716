package main

import (
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/modality/tabular"
)

// A tabular preset trains through job.Run (the modality comes from its
// metadata), samples rows into a CSV file and evaluates with the tabular
// metrics.
func TestTabularPresetTrainsSamplesCSVAndEvaluates(t *testing.T) {
	if _, err := tabular.Open("wine", ""); errors.Is(err, data.ErrNotFound) {
		datatest.Skipf(t, "the wine table is not installed here: %v", err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	reg := factory.DefaultRegistry()
	if _, err := run(t, reg, "train", "--zoo", "vae_tabular_wine", "--steps", "40", "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "rows.csv")
	msg, err := run(t, reg, "sample", "--checkpoint", out, "-n", "12", "--out", csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "12 rows of vae_tabular_wine") {
		t.Errorf("sample said %q", msg)
	}
	rows, err := tabular.ReadCSVFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Len() != 12 || rows.Header[0] != "alcohol" || rows.Header[13] != "class" {
		t.Errorf("sampled CSV has %d rows and header %v", rows.Len(), rows.Header)
	}
	report, err := run(t, reg, "evaluate", "--checkpoint", out)
	if err != nil {
		t.Fatal(err)
	}
	for _, metric := range []string{"tstr_accuracy", "trtr_accuracy", "ks_mean", "tvd_mean", "dcr_synthetic_median", "corr_frobenius", "nelbo", "ks/alcohol", "tvd/class"} {
		if !strings.Contains(report, metric) {
			t.Errorf("evaluate lacks %s:\n%s", metric, report)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "samples.png")); err == nil {
		t.Error("a tabular run drew an image grid")
	}
}

// writeWineLike writes a 30-row table in the wine layout whose alcohol
// column lies near 100 (the real one near 13), so that rows decoded with
// its encoder tell which file a model was fit on.
func writeWineLike(t *testing.T, dir string) {
	t.Helper()
	if err := traintest.WriteWineLike(dir, 30); err != nil {
		t.Fatal(err)
	}
}

// --data-dir reaches the tabular table like any other data set: training,
// sampling and evaluating read the CSV the test wrote, and a directory
// without it is named in the error.
func TestTabularPresetReadsItsTableFromDataDir(t *testing.T) {
	t.Setenv(data.EnvDataDir, "")
	dir := t.TempDir()
	tables := filepath.Join(dir, "tables")
	if err := os.MkdirAll(tables, 0o755); err != nil {
		t.Fatal(err)
	}
	writeWineLike(t, tables)
	out := filepath.Join(dir, "run")
	reg := factory.DefaultRegistry()
	if _, err := run(t, reg, "train", "--zoo", "vae_tabular_wine", "--data-dir", tables, "--steps", "20", "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "rows.csv")
	if _, err := run(t, reg, "sample", "--checkpoint", out, "--data-dir", tables, "-n", "50", "--out", csvPath); err != nil {
		t.Fatal(err)
	}
	rows, err := tabular.ReadCSVFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	var mean float64
	for _, r := range rows.Rows {
		v, err := strconv.ParseFloat(r[0], 64)
		if err != nil {
			t.Fatalf("alcohol %q: %v", r[0], err)
		}
		mean += v / float64(rows.Len())
	}
	if mean < 90 || mean > 110 {
		t.Errorf("sampled alcohol averages %.2f; rows decoded with the written table's encoder lie near 102", mean)
	}
	report, err := run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", tables)
	if err != nil || !strings.Contains(report, "tstr_accuracy") {
		t.Errorf("evaluate with --data-dir: %v\n%s", err, report)
	}

	empty := t.TempDir()
	_, err = run(t, reg, "train", "--zoo", "vae_tabular_wine", "--data-dir", empty, "--steps", "1", "--out", filepath.Join(dir, "none"), "--quiet")
	if _, statErr := os.Stat(tabular.DebianSklearnDir + "/wine_data.csv"); statErr == nil {
		// The Debian copy is the fallback: the run goes ahead with it.
		if err != nil {
			t.Errorf("an empty --data-dir with python3-sklearn installed: %v", err)
		}
		return
	}
	if !errors.Is(err, data.ErrNotFound) || !strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), "python3-sklearn") {
		t.Errorf("an empty --data-dir gave %v; want where it looked and how to get the table", err)
	}
}
