package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/tabular"
)

// A tabular preset trains through train.Run (the modality comes from its
// metadata), samples rows into a CSV file and evaluates with the tabular
// metrics.
func TestTabularPresetTrainsSamplesCSVAndEvaluates(t *testing.T) {
	if _, err := tabular.Open("wine", ""); errors.Is(err, data.ErrNotFound) {
		t.Skipf("the wine table is not installed here: %v", err)
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
	for _, metric := range []string{"tstr_accuracy", "trtr_accuracy", "ks_mean", "tvd_mean", "dcr_synthetic_median", "corr_frobenius", "nelbo"} {
		if !strings.Contains(report, metric) {
			t.Errorf("evaluate lacks %s:\n%s", metric, report)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "samples.png")); err == nil {
		t.Error("a tabular run drew an image grid")
	}
}
