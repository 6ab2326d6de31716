package tensor

import (
	"reflect"
	"sync"
	"unsafe"
)

// span is the memory of one []float32 found by the walk: its first
// element's address (a slice may start inside an arena buffer).
type span struct{ from uintptr }

// reachableSpans walks the values in roots through pointers, structs,
// slices, arrays, maps and interfaces, and returns where every []float32
// it meets starts (a tensor's values and its gradient's among them). Func
// and channel values are not looked into. Types that cannot hold a
// []float32 are skipped without visiting their values.
func reachableSpans(roots []any) []span {
	w := walker{seen: map[visit]bool{}}
	for _, r := range roots {
		if r != nil {
			w.walk(reflect.ValueOf(r))
		}
	}
	return w.spans
}

type visit struct {
	p unsafe.Pointer
	t reflect.Type
	n int // a slice's length: a longer slice of the same array is walked again
}

type walker struct {
	seen  map[visit]bool
	spans []span
}

var (
	tensorPtrType = reflect.TypeFor[*Tensor]()
	float32Type   = reflect.TypeFor[float32]()
)

func (w *walker) walk(v reflect.Value) {
	if !mayHoldFloats(v.Type()) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Type() == tensorPtrType {
			w.tensor((*Tensor)(v.UnsafePointer()))
			return
		}
		key := visit{p: v.UnsafePointer(), t: v.Type()}
		if w.seen[key] {
			return
		}
		w.seen[key] = true
		w.walk(v.Elem())
	case reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			w.walk(v.Field(i))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			return
		}
		if v.Type().Elem() == float32Type {
			w.spans = append(w.spans, span{uintptr(v.UnsafePointer())})
			return
		}
		key := visit{v.UnsafePointer(), v.Type(), v.Len()}
		if w.seen[key] {
			return
		}
		w.seen[key] = true
		for i := range v.Len() {
			w.walk(v.Index(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		key := visit{p: v.UnsafePointer(), t: v.Type()}
		if w.seen[key] {
			return
		}
		w.seen[key] = true
		for it := v.MapRange(); it.Next(); {
			w.walk(it.Key())
			w.walk(it.Value())
		}
	}
}

// tensor records t's values and its gradient's; its graph holds no values
// of its own (see node) and its closures cannot be walked.
func (w *walker) tensor(t *Tensor) {
	for ; t != nil; t = t.grad {
		key := visit{p: unsafe.Pointer(t), t: tensorPtrType}
		if w.seen[key] {
			return
		}
		w.seen[key] = true
		if len(t.data) > 0 {
			w.spans = append(w.spans, span{uintptr(unsafe.Pointer(&t.data[0]))})
		}
	}
}

// holdsFloats caches mayHoldFloats per type.
var holdsFloats sync.Map // reflect.Type → bool

// mayHoldFloats reports whether a value of type t can lead to a []float32.
func mayHoldFloats(t reflect.Type) bool {
	if v, ok := holdsFloats.Load(t); ok {
		return v.(bool)
	}
	// A type that refers to itself is taken to hold floats while its
	// answer is worked out: wrong only in the safe direction.
	holdsFloats.Store(t, true)
	var holds bool
	switch t.Kind() {
	case reflect.Pointer, reflect.Array:
		holds = mayHoldFloats(t.Elem())
	case reflect.Slice:
		holds = t.Elem() == float32Type || mayHoldFloats(t.Elem())
	case reflect.Map:
		holds = mayHoldFloats(t.Key()) || mayHoldFloats(t.Elem())
	case reflect.Interface:
		holds = true
	case reflect.Struct:
		for i := range t.NumField() {
			if mayHoldFloats(t.Field(i).Type) {
				holds = true
				break
			}
		}
	}
	holdsFloats.Store(t, holds)
	return holds
}
