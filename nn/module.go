package nn

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/artifex-go/artifex/tensor"
)

// Param is a named tensor of a model: a trainable parameter (it requires a
// gradient) or non-trainable state such as batch-norm running statistics.
type Param struct {
	Name   string // slash-separated path, e.g. "encoder/layers/0/weight"
	Tensor *tensor.Tensor
}

// Module is any struct of layers. Nothing needs to be registered: its
// tensors are found by walking its exported fields (structs, pointers,
// slices, arrays, interfaces and string-keyed maps). A field tagged
// `nn:"-"` is skipped; `nn:"name"` renames it in the path.
type Module = any

var tensorType = reflect.TypeOf((*tensor.Tensor)(nil))

// Walk calls fn for every tensor of m with its path, in a stable order
// (field order; map keys sorted). A tensor reachable twice (shared weights)
// is reported once, under its first path.
func Walk(m Module, fn func(p Param)) { walk(m, fn, nil) }

// walk visits every tensor of m (onTensor) and every addressable struct
// (onStruct, with a pointer to it: structs behind pointers and the fields,
// slice and array elements held by value inside them), each once.
func walk(m Module, onTensor func(p Param), onStruct func(v reflect.Value)) {
	seen := make(map[*tensor.Tensor]bool)
	visited := make(map[uintptr]bool)
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return
			}
			if v.Type() == tensorType {
				t := v.Interface().(*tensor.Tensor)
				if !seen[t] && onTensor != nil {
					seen[t] = true
					onTensor(Param{Name: path, Tensor: t})
				}
				return
			}
			if v.Elem().Kind() == reflect.Struct {
				if visited[v.Pointer()] {
					return
				}
				visited[v.Pointer()] = true
			}
			walk(v.Elem(), path)
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Struct:
			// Reached through a pointer, a struct is addressable, whether it
			// is the pointee or a field held by value inside it, so that
			// layers embedded by value can be switched too.
			if onStruct != nil && v.CanAddr() {
				onStruct(v.Addr())
			}
			t := v.Type()
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				if !f.IsExported() {
					continue
				}
				name := snake(f.Name)
				if tag, ok := f.Tag.Lookup("nn"); ok {
					if tag == "-" {
						continue
					}
					name = tag
				}
				if f.Anonymous {
					walk(v.Field(i), path)
					continue
				}
				walk(v.Field(i), join(path, name))
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), join(path, strconv.Itoa(i)))
			}
		case reflect.Map:
			if v.Type().Key().Kind() != reflect.String {
				return
			}
			keys := v.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			for _, k := range keys {
				walk(v.MapIndex(k), join(path, k.String()))
			}
		}
	}
	walk(reflect.ValueOf(m), "")
}

// Layers calls fn with every layer of m: m itself and every struct
// reached by walking it, as a pointer (the same structs SetTraining
// reaches), so that a caller can hand a setting to the layers that take
// it, found by an interface they implement.
func Layers(m Module, fn func(layer any)) {
	fn(m)
	walk(m, nil, func(v reflect.Value) { fn(v.Interface()) })
}

// trainingSetter is implemented by layers that behave differently in
// training and evaluation (dropout, batch norm).
type trainingSetter interface{ SetTraining(on bool) }

// SetTraining switches every layer of m between training (on) and
// evaluation mode, like PyTorch's module.train() / module.eval(). Layers
// may be held through pointers or by value inside a struct reached through
// a pointer (pass &model for a model held by value); map values held by
// value cannot be changed and are left as they are.
func SetTraining(m Module, on bool) {
	if ts, ok := m.(trainingSetter); ok {
		ts.SetTraining(on)
	}
	walk(m, nil, func(v reflect.Value) {
		if ts, ok := v.Interface().(trainingSetter); ok {
			ts.SetTraining(on)
		}
	})
}

// Parameters returns the trainable tensors of m (those that require a
// gradient) with their paths.
func Parameters(m Module) []Param {
	var ps []Param
	Walk(m, func(p Param) {
		if p.Tensor.RequiresGrad() {
			ps = append(ps, p)
		}
	})
	return ps
}

// State returns every tensor of m, trainable or not, with its path: what a
// checkpoint must hold to restore the model exactly.
func State(m Module) []Param {
	var ps []Param
	Walk(m, func(p Param) { ps = append(ps, p) })
	return ps
}

// Tensors returns just the tensors of a parameter list.
func Tensors(ps []Param) []*tensor.Tensor {
	ts := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		ts[i] = p.Tensor
	}
	return ts
}

// CountParameters returns the number of trainable scalars of m.
func CountParameters(m Module) int {
	n := 0
	for _, p := range Parameters(m) {
		n += p.Tensor.Size()
	}
	return n
}

// ZeroGrad clears the gradients of all parameters of m.
func ZeroGrad(m Module) {
	for _, p := range Parameters(m) {
		p.Tensor.ZeroGrad()
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "/" + name
}

// snake converts a Go field name to the snake_case used in paths
// ("HiddenLayers" → "hidden_layers", "QKV" → "qkv").
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
