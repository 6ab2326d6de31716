package config

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

var activations = []string{
	"celu", "elu", "gelu", "glu", "hard_tanh", "leaky_relu", "relu", "relu6",
	"selu", "sigmoid", "silu", "softplus", "softsign", "swish", "tanh",
}

// Activations returns the activation names a configuration may use,
// sorted. An empty Activation is also valid and means the family's default.
func Activations() []string { return slices.Clone(activations) }

// Validate checks what every model needs whatever its family: a model
// class, positive dimensions, a known activation, a known document type,
// model parameters kept out of Metadata, and no NaN or infinite number
// anywhere in Parameters or Metadata. All problems found are
// reported together, each naming its field and bad value. Family-specific
// parameter names are checked against a ParameterSchema (see
// ParameterSchema.Check), which the factory does for registered families.
func (c ModelConfiguration) Validate() error {
	var errs []error
	if strings.TrimSpace(c.ModelClass) == "" {
		errs = append(errs, ErrMissingModelClass)
	}
	if strings.ContainsAny(c.Name, "/\\\x00") || c.Name == "." || c.Name == ".." {
		errs = append(errs, fmt.Errorf("name %q must be one path element, without / or \\: it names the run's output directory (runs/<name>) and files", c.Name))
	}
	if c.Type != "" && c.Type != "model" {
		errs = append(errs, fmt.Errorf("type must be \"model\" (or omitted), got %q", c.Type))
	}
	errs = append(errs, checkDims("input_dim", c.InputDim)...)
	errs = append(errs, checkDims("hidden_dims", c.HiddenDims)...)
	errs = append(errs, checkDims("output_dim", c.OutputDim)...)
	if c.Activation != "" && !slices.Contains(activations, c.Activation) {
		errs = append(errs, fmt.Errorf("activation %q is not known; known activations: %s",
			c.Activation, strings.Join(activations, ", ")))
	}
	errs = append(errs, checkMetadata(c.Metadata)...)
	errs = append(errs, checkFinite("parameters", c.Parameters)...)
	errs = append(errs, checkFinite("metadata", c.Metadata)...)
	return errors.Join(errs...)
}

// checkDims reports every non-positive size. A one-element Dims reads as
// a scalar in files, so it is named without an index; hidden_dims is
// always a list.
func checkDims[S ~[]int](field string, dims S) []error {
	var errs []error
	_, isDims := any(dims).(Dims)
	for i, d := range dims {
		if d > 0 {
			continue
		}
		if isDims && len(dims) == 1 {
			errs = append(errs, fmt.Errorf("%s must be > 0, got %d", field, d))
		} else {
			errs = append(errs, fmt.Errorf("%s[%d] must be > 0, got %d", field, i, d))
		}
	}
	return errs
}

// checkMetadata rejects model parameters nested in Metadata, the pattern
// the seed forbids: builders never read them there, so they would be
// silently ignored.
func checkMetadata(md map[string]any) []error {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		_, isMap := md[k].(map[string]any)
		if k == "parameters" || k == "model_params" || (isMap && strings.HasSuffix(k, "_params")) {
			errs = append(errs, fmt.Errorf("metadata[%q] nests model parameters; put them in the top-level 'parameters' field: builders read model parameters only from there, metadata is for non-functional information", k))
		}
	}
	return errs
}

// checkFinite reports every NaN or infinite number under v, and every
// string holding a number too large for a float64 (YAML reads 1e400 as
// the string "1e400"), each by its path: parameters.kl_weight,
// metadata.schedule[2]. No setting means them, and a builder or trainer
// reading one would fail late or compute garbage.
func checkFinite(path string, v any) []error {
	switch x := v.(type) {
	case map[string]any:
		var errs []error
		for _, k := range slices.Sorted(maps.Keys(x)) {
			errs = append(errs, checkFinite(path+"."+k, x[k])...)
		}
		return errs
	case []any:
		return checkFiniteItems(path, x)
	case []float64:
		return checkFiniteItems(path, x)
	case float64, float32:
		if f, _ := asNumber(x); math.IsNaN(f) || math.IsInf(f, 0) {
			return []error{fmt.Errorf("%s must be a finite number, got %v", path, f)}
		}
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) {
			return []error{fmt.Errorf("%s must be a finite number, got %s, which overflows a float64", path, x)}
		}
	}
	return nil
}

func checkFiniteItems[E any](path string, xs []E) []error {
	var errs []error
	for i, e := range xs {
		errs = append(errs, checkFinite(fmt.Sprintf("%s[%d]", path, i), e)...)
	}
	return errs
}
