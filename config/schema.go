package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/artifex-go/artifex/internal/suggest"
)

// ParameterSchema declares the functional parameters a model family (or
// one class of it) reads from ModelConfiguration.Parameters. Builders
// declare it so that a misspelt or misplaced parameter is an error before
// anything is built, instead of being silently ignored.
type ParameterSchema struct {
	// Family names the model family, used in error messages ("vae").
	Family string
	// Known lists every parameter name the family reads.
	Known []string
}

// Check returns an error for the first parameter (in sorted order) that
// the schema does not know, naming it, suggesting close names, and listing
// every known parameter. A nil or empty params map passes.
func (s ParameterSchema) Check(params map[string]any) error {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	known := slices.Clone(s.Known)
	sort.Strings(known)
	for _, k := range names {
		if slices.Contains(known, k) {
			continue
		}
		hint := ""
		if close := suggest.Closest(k, known); len(close) > 0 {
			hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(close, ", "))
		}
		list := "none"
		if len(known) > 0 {
			list = strings.Join(known, ", ")
		}
		return fmt.Errorf("unknown parameter %q for %s%s; known parameters: %s", k, s.Family, hint, list)
	}
	return nil
}
