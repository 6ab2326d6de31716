// Package pretrained holds weights this project trained for small zoo
// presets, exported in float16 with their model cards (artifex export),
// and embedded in the binary, so that a fresh checkout draws samples at
// once: `artifex sample --zoo vae_mnist --pretrained` (and gan_mnist,
// diffusion_mnist, pixel_cnn_mnist). Each preset's folder holds
// model.safetensors, config.yaml, MODEL_CARD.md (how it was trained:
// command, CPU time) and evaluate.json (the numbers behind the card).
package pretrained

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed vae_mnist gan_mnist diffusion_mnist pixel_cnn_mnist
var files embed.FS

// Names returns the presets that have pretrained weights, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}

// Extract writes the exported directory of preset name into a new folder
// under dir and returns its path, which job.LoadCheckpoint reads as it
// reads any exported run.
func Extract(name, dir string) (string, error) {
	if !slices.Contains(Names(), name) {
		return "", fmt.Errorf("pretrained: no pretrained weights for %q; presets with them: %s", name, strings.Join(Names(), ", "))
	}
	out := filepath.Join(dir, name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("pretrained: %w", err)
	}
	entries, err := fs.ReadDir(files, name)
	if err != nil {
		return "", fmt.Errorf("pretrained: %w", err)
	}
	for _, e := range entries {
		b, err := files.ReadFile(name + "/" + e.Name())
		if err != nil {
			return "", fmt.Errorf("pretrained: %w", err)
		}
		if err := os.WriteFile(filepath.Join(out, e.Name()), b, 0o644); err != nil {
			return "", fmt.Errorf("pretrained: %w", err)
		}
	}
	return out, nil
}
