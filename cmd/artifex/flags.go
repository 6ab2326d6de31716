package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
)

// checkDataDir refuses a --data-dir that is not a directory: a misspelt
// one would otherwise fall back to the data set's default place without a
// word.
func checkDataDir(cmd, dir string) error {
	if dir == "" {
		return nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s: --data-dir %s: %w", cmd, dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: --data-dir %s is not a directory", cmd, dir)
	}
	return nil
}

// positive refuses a count flag the user set to zero or less; counts
// that may be zero name the meaning of zero in their help instead.
func positive(cmd string, flags *pflag.FlagSet, values map[string]int) error {
	var errs []error
	for name, v := range values {
		if flags.Changed(name) && v <= 0 {
			errs = append(errs, fmt.Errorf("%s: --%s must be > 0, got %d", cmd, name, v))
		}
	}
	return errors.Join(errs...)
}

// notNegative refuses a flag set below zero.
func notNegative(cmd string, flags *pflag.FlagSet, values map[string]int, budget time.Duration) error {
	var errs []error
	for name, v := range values {
		if flags.Changed(name) && v < 0 {
			errs = append(errs, fmt.Errorf("%s: --%s must be >= 0, got %d", cmd, name, v))
		}
	}
	if budget < 0 {
		errs = append(errs, fmt.Errorf("%s: --budget must be >= 0 (0: no limit), got %v", cmd, budget))
	}
	return errors.Join(errs...)
}

// writableDir makes dir (and its parents) and checks that a file can be
// created in it, before any long work whose results go there.
func writableDir(cmd, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s: output directory: %w", cmd, err)
	}
	f, err := os.CreateTemp(dir, ".artifex-write-check-*")
	if err != nil {
		return fmt.Errorf("%s: output directory %s is not writable: %w", cmd, dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// writableFile checks that the file at path can be written (its directory
// exists and takes a new file), before the work that produces it.
func writableFile(cmd, path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s: --out %s: %w", cmd, path, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: --out %s: %s is not a directory", cmd, path, dir)
	}
	f, err := os.CreateTemp(dir, ".artifex-write-check-*")
	if err != nil {
		return fmt.Errorf("%s: --out %s: cannot write in %s: %w", cmd, path, dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
