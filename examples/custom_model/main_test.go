package main

import (
	"context"
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/data"
)

func TestAUserProgramRegistersBuildsTrainsAndReloadsItsOwnModels(t *testing.T) {
	if _, err := data.Load("mnist", "test", data.LoadOptions{}); errors.Is(err, data.ErrNotFound) {
		datatest.Skipf(t, "MNIST is not on this machine: %v", err)
	}
	var log strings.Builder
	out := t.TempDir()
	if err := run(context.Background(), "zoo", out, 3, &log); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"my_model_config: my_model,",
		"my_ddpm: diffusion,",
		"with backbone tiny_denoiser",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("output %q lacks %q", log.String(), want)
		}
	}
	cfg, err := os.ReadFile(filepath.Join(out, "my_ddpm", "config.yaml"))
	if err != nil || !strings.Contains(string(cfg), "backbone: tiny_denoiser") || !strings.Contains(string(cfg), "denoiser_width: 256") {
		t.Errorf("the saved configuration does not name the registered backbone: %s (%v)", cfg, err)
	}
}
