// Package zoo ships ready-made model configurations, embedded in the
// binary from zoo/configs/<category>/<name>.yaml, and builds models from
// them by name, with overrides.
//
// Users add their own configurations with AddDir or the ARTIFEX_ZOO_PATH
// environment variable (a list of directories separated like PATH). A
// directory holds <name>.yaml, .yml or .json files, either directly
// (category "custom") or in one level of category folders. When two
// sources hold the same name the first wins, in this order: directories
// added with AddDir (the latest first), ARTIFEX_ZOO_PATH left to right,
// the embedded zoo.
package zoo

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/suggest"
	"github.com/artifex-go/artifex/nn"
)

//go:embed configs
var embedded embed.FS

// customCategory is the category of files placed directly in a user zoo
// directory rather than in a category folder.
const customCategory = "custom"

var (
	dirsMu sync.Mutex
	dirs   []string // added with AddDir, in the order added
)

// AddDir adds a directory of configurations, searched before
// ARTIFEX_ZOO_PATH and the embedded zoo. Adding a directory again does
// nothing.
func AddDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("zoo: add directory %q: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("zoo: add directory: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("zoo: add directory %q: not a directory", dir)
	}
	dirsMu.Lock()
	defer dirsMu.Unlock()
	if !slices.Contains(dirs, abs) {
		dirs = append(dirs, abs)
	}
	return nil
}

// entry is one configuration file.
type entry struct {
	name     string
	category string
	fsys     fs.FS
	file     string // path inside fsys
	source   string // path shown to users
}

type source struct {
	fsys  fs.FS
	label string // prefix of the paths shown to users
}

func sources() []source {
	dirsMu.Lock()
	added := slices.Clone(dirs)
	dirsMu.Unlock()
	slices.Reverse(added)
	var srcs []source
	for _, d := range append(added, filepath.SplitList(os.Getenv("ARTIFEX_ZOO_PATH"))...) {
		if d != "" {
			srcs = append(srcs, source{os.DirFS(d), d})
		}
	}
	sub, err := fs.Sub(embedded, "configs")
	if err != nil {
		panic(err) // the embedded tree always has configs/
	}
	return append(srcs, source{sub, "zoo/configs"})
}

func isConfigFile(name string) bool {
	switch path.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// entries lists every configuration, the first source holding a name
// winning. Unreadable user directories are skipped, as PATH entries are.
func entries() []entry {
	var out []entry
	seen := map[string]bool{}
	add := func(src source, category, file string) {
		name := strings.TrimSuffix(path.Base(file), path.Ext(file))
		if seen[name] {
			return
		}
		seen[name] = true
		out = append(out, entry{name: name, category: category, fsys: src.fsys, file: file,
			source: filepath.Join(src.label, filepath.FromSlash(file))})
	}
	for _, src := range sources() {
		top, err := fs.ReadDir(src.fsys, ".")
		if err != nil {
			continue
		}
		for _, d := range top {
			switch {
			case d.IsDir():
				files, err := fs.ReadDir(src.fsys, d.Name())
				if err != nil {
					continue
				}
				for _, f := range files {
					if !f.IsDir() && isConfigFile(f.Name()) {
						add(src, d.Name(), path.Join(d.Name(), f.Name()))
					}
				}
			case isConfigFile(d.Name()):
				add(src, customCategory, d.Name())
			}
		}
	}
	return out
}

func names(es []entry) []string {
	ns := make([]string, len(es))
	for i, e := range es {
		ns[i] = e.name
	}
	slices.Sort(ns)
	return ns
}

// ListConfigs returns the names of the configurations in a category,
// sorted: those in the category's folder and those tagged with it. The
// empty category lists every configuration.
func ListConfigs(category string) []string {
	var picked []entry
	for _, e := range entries() {
		if category == "" || e.category == category {
			picked = append(picked, e)
			continue
		}
		if cfg, err := e.load(); err == nil && slices.Contains(cfg.Tags, category) {
			picked = append(picked, e)
		}
	}
	return names(picked)
}

func (e entry) load() (config.ModelConfiguration, error) {
	data, err := fs.ReadFile(e.fsys, e.file)
	if err != nil {
		return config.ModelConfiguration{}, err
	}
	cfg, err := config.Parse(data, e.source)
	if err != nil {
		return config.ModelConfiguration{}, err
	}
	if cfg.Name == "" {
		cfg.Name = e.name
	}
	return cfg, nil
}

// find returns the entry for name, or an error listing close matches and
// every available name.
func find(name string) (entry, error) {
	es := entries()
	for _, e := range es {
		if e.name == name {
			return e, nil
		}
	}
	all := names(es)
	hint := ""
	if close := suggest.Closest(name, all); len(close) > 0 {
		hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(close, ", "))
	}
	return entry{}, fmt.Errorf("zoo: unknown config %q%s; available: %s", name, hint, strings.Join(all, ", "))
}

// GetConfig returns the named configuration, validated. Each call returns
// a fresh copy.
func GetConfig(name string) (config.ModelConfiguration, error) {
	cfg, _, err := get(name)
	return cfg, err
}

func get(name string) (config.ModelConfiguration, entry, error) {
	e, err := find(name)
	if err != nil {
		return config.ModelConfiguration{}, entry{}, err
	}
	cfg, err := e.load()
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return config.ModelConfiguration{}, entry{}, fmt.Errorf("zoo: config %q: %w", name, err)
	}
	return cfg, e, nil
}

// Info describes a zoo configuration.
type Info struct {
	Name        string
	Description string
	ModelClass  string
	Version     string
	InputDim    config.Dims
	HiddenDims  []int
	OutputDim   config.Dims
	Parameters  map[string]any
	Metadata    map[string]any
	Tags        []string
	// Category is the folder the configuration is in ("custom" for a file
	// directly in a user directory).
	Category string
	// Family is the model type factory.DetectModelType finds ("vae", ...).
	Family string
	// Source is the file the configuration was read from.
	Source string
}

// GetInfo describes the named configuration.
func GetInfo(name string) (Info, error) {
	cfg, e, err := get(name)
	if err != nil {
		return Info{}, err
	}
	return Info{
		Name: cfg.Name, Description: cfg.Description, ModelClass: cfg.ModelClass, Version: cfg.Version,
		InputDim: cfg.InputDim, HiddenDims: cfg.HiddenDims, OutputDim: cfg.OutputDim,
		Parameters: cfg.Parameters, Metadata: cfg.Metadata, Tags: cfg.Tags,
		Category: e.category, Family: factory.DetectModelType(cfg.ModelClass), Source: e.source,
	}, nil
}

// CreateModel builds the named configuration, changed by overrides (see
// Overrides), with factory.CreateModel and the given options.
func CreateModel(name string, rngs *nn.Rngs, overrides Overrides, opts ...factory.Option) (factory.Model, error) {
	cfg, err := GetConfig(name)
	if err != nil {
		return nil, err
	}
	if cfg, err = overrides.Apply(cfg); err != nil {
		return nil, fmt.Errorf("zoo: config %q: %w", name, err)
	}
	m, err := factory.CreateModel(cfg, rngs, opts...)
	if err != nil {
		return nil, fmt.Errorf("zoo: config %q: %w", name, err)
	}
	return m, nil
}
