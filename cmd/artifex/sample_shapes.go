package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/tensor"
)

// sampleShapes draws n samples of a model of shapes and writes them, one
// file per sample, where out says (see shapePaths).
func sampleShapes(cmd *cobra.Command, c *job.Checkpointed, sm sampling.ShapeModel, n int, seed uint64, out string, so sampling.Options) error {
	if err := sm.Validate(c.Model, n, so); err != nil {
		return err
	}
	paths, format, err := shapePaths(out, n, sm.Formats)
	if err != nil {
		return err
	}
	writers, err := sm.Draw(c.Model, n, so, tensor.NewRngs(seed))
	if err != nil {
		return err
	}
	for i, write := range writers {
		if err := writeSampleFile(paths[i], func(w io.Writer) error { return write(w, format) }); err != nil {
			return err
		}
	}
	where := paths[0]
	if n > 1 {
		where = fmt.Sprintf("%s ... %s", paths[0], filepath.Base(paths[n-1]))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d %s of %s (step %d) written as %s files: %s\n", n, sm.What, c.Config.Name, c.Checkpoint.Step, strings.ToUpper(format), where)
	return nil
}

// shapePaths names n sample files. out is a directory, created if need
// be, that receives sample_001.EXT ... in the default format; or a file
// name whose extension is one of formats, which picks the format and is
// numbered NAME_001.EXT ... (used as it is when n is 1).
func shapePaths(out string, n int, formats []string) ([]string, string, error) {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
	format, dir, stem := formats[0], out, "sample"
	if ext != "" {
		if !slices.Contains(formats, ext) {
			return nil, "", fmt.Errorf("sample: --out %s: this model's samples are written as %s files; name a directory or a file ending in .%s", out, strings.ToUpper(strings.Join(formats, ", ")), strings.Join(formats, ", ."))
		}
		format, dir, stem = ext, filepath.Dir(out), strings.TrimSuffix(filepath.Base(out), filepath.Ext(out))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", fmt.Errorf("sample: %w", err)
	}
	if ext != "" && n == 1 {
		return []string{out}, format, nil
	}
	paths := make([]string, n)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("%s_%03d.%s", stem, i+1, format))
	}
	return paths, format, nil
}

// writeSampleFile creates path and writes it with write.
func writeSampleFile(path string, write func(w io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("sample: writing %s: %w", path, err)
	}
	return f.Close()
}
