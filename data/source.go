package data

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
)

// Source is a data set that a package above data knows how to read, such
// as the protein structures of modality/protein: Load finds it by Name
// and searches the same places as for its own data sets (--data-dir,
// $ARTIFEX_DATA), each directory's Subdirs first.
type Source struct {
	Name    string
	Subdirs []string
	// Read reads split from the files in dir, cut as opts asks where it
	// applies (opts.ImageSize, opts.SampleRate, ...); its error wraps
	// ErrNotFound when dir holds none of the files, so that Load goes on
	// searching.
	Read func(dir, split string, opts LoadOptions) (*Dataset, error)
	// Generate, when set instead of Read, makes split without reading
	// files (synthetic data sets).
	Generate func(split string) (*Dataset, error)
	// Default, when set, returns a directory searched after the user's
	// (a system package's copy, as for MNIST the Go module cache) and
	// where it comes from; Read gets it as it is, without Subdirs.
	Default func() (dir, origin string)
	// HowTo tells the user how to get the files, for the error Load
	// returns when no directory holds them.
	HowTo string
}

var sources sync.Map // normalised name → Source

func sourceKey(name string) string {
	return strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(name))
}

// RegisterSource makes Load read the data set s.Name through s.Read.
// Registering a name again replaces the earlier source; a name of one of
// Load's own data sets, an empty name or a nil Read is an error.
func RegisterSource(s Source) error {
	if s.Name == "" || (s.Read == nil) == (s.Generate == nil) {
		return errors.New("data: RegisterSource: a source needs a name and one of Read and Generate")
	}
	if _, err := lookupSpec(s.Name); err == nil {
		return fmt.Errorf("data: RegisterSource: %q is a built-in data set", s.Name)
	}
	sources.Store(sourceKey(s.Name), s)
	return nil
}

// RegisterSourcesOnce returns a function that registers the sources list
// returns the first time it is called and, like later calls, returns that
// first call's error: the RegisterDataSets of the packages above data.
func RegisterSourcesOnce(list func() []Source) func() error {
	return sync.OnceValue(func() error {
		for _, s := range list() {
			if err := RegisterSource(s); err != nil {
				return err
			}
		}
		return nil
	})
}

func sourceNames() []string {
	var names []string
	sources.Range(func(_, v any) bool {
		names = append(names, v.(Source).Name)
		return true
	})
	slices.Sort(names)
	return names
}

// LoadSource reads split of s as Load does for a registered source:
// from opts.Dir, then $ARTIFEX_DATA (each with s.Subdirs first), then
// s.Default. Packages use it to find their files by the same rules
// without registering s (Read may keep what it read).
func LoadSource(s Source, split string, opts LoadOptions) (*Dataset, error) {
	if s.Name == "" || (s.Read == nil) == (s.Generate == nil) {
		return nil, errors.New("data: LoadSource: a source needs a name and one of Read and Generate")
	}
	return loadSource(s, split, opts)
}

// loadSource searches the user's directories for a registered source.
func loadSource(s Source, split string, opts LoadOptions) (*Dataset, error) {
	if s.Generate != nil {
		return s.Generate(split)
	}
	roots := []struct{ dir, origin, unset string }{
		{opts.Dir, "--data-dir", "not given"},
		{os.Getenv(EnvDataDir), "$" + EnvDataDir, "not set"},
	}
	if s.Default != nil {
		dir, origin := s.Default()
		roots = append(roots, struct{ dir, origin, unset string }{dir, origin, "none"})
	}
	var looked []string
	for i, root := range roots {
		if root.dir == "" {
			looked = append(looked, fmt.Sprintf("  %s: %s", root.origin, root.unset))
			continue
		}
		dirs := make([]string, 0, len(s.Subdirs)+1)
		if i < 2 {
			for _, sub := range s.Subdirs {
				dirs = append(dirs, root.dir+string(os.PathSeparator)+sub)
			}
		}
		for _, dir := range append(dirs, root.dir) {
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				looked = append(looked, fmt.Sprintf("  %s (%s): no such directory", dir, root.origin))
				continue
			}
			ds, err := s.Read(dir, split, opts)
			if err == nil {
				return ds, nil
			}
			if !errors.Is(err, ErrNotFound) {
				return nil, err
			}
			looked = append(looked, fmt.Sprintf("  %s (%s): %v", dir, root.origin, err))
		}
	}
	return nil, fmt.Errorf("data: %s %s split %w; looked in:\n%s\n%s", s.Name, split, ErrNotFound, strings.Join(looked, "\n"), s.HowTo)
}
