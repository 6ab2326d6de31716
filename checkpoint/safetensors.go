// Package checkpoint reads and writes safetensors files and builds training
// checkpoints on them: model parameters and state, optimizer and EMA state,
// random streams, the data position, the model configuration and the step.
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON header padded with spaces to a multiple of 8, then the raw
// little-endian tensor data. The header maps each tensor name to its dtype,
// shape and byte range [begin, end) relative to the start of the data, and
// may hold string metadata under "__metadata__". Files written here are
// readable by the Python safetensors package and vice versa.
package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// MaxHeaderSize bounds the JSON header a file may declare (the limit of the
// reference implementation), so a corrupt length cannot cause a huge
// allocation.
const MaxHeaderSize = 100 << 20

// DType is a safetensors element type name.
type DType string

// The element types of the safetensors format.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	I16  DType = "I16"
	I8   DType = "I8"
	U64  DType = "U64"
	U32  DType = "U32"
	U16  DType = "U16"
	U8   DType = "U8"
	Bool DType = "BOOL"
)

// Size returns the bytes per element of d, or 0 for an unknown type.
func (d DType) Size() int {
	switch d {
	case F64, I64, U64:
		return 8
	case F32, I32, U32:
		return 4
	case F16, BF16, I16, U16:
		return 2
	case I8, U8, Bool:
		return 1
	}
	return 0
}

// Tensor is one named entry of a safetensors file: its element type, its
// shape and its raw little-endian bytes.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// Float32 encodes t's values as an F32 entry.
func Float32(name string, t *tensor.Tensor) Tensor {
	vals := t.Data()
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: F32, Shape: slices.Clone(t.Shape()), Data: b}
}

// Float64 encodes vals, of the given shape, as an F64 entry.
func Float64(name string, shape []int, vals []float64) Tensor {
	b := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return Tensor{Name: name, DType: F64, Shape: slices.Clone(shape), Data: b}
}

// Int64 encodes vals, of the given shape, as an I64 entry.
func Int64(name string, shape []int, vals []int64) Tensor {
	b := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return Tensor{Name: name, DType: I64, Shape: slices.Clone(shape), Data: b}
}

// Bytes stores b as a one-dimensional U8 entry.
func Bytes(name string, b []byte) Tensor {
	return Tensor{Name: name, DType: U8, Shape: []int{len(b)}, Data: slices.Clone(b)}
}

func (t Tensor) want(d DType) error {
	if t.DType != d {
		return fmt.Errorf("checkpoint: %s: dtype %s, want %s", t.Name, t.DType, d)
	}
	return nil
}

// Float32s decodes an F32 entry.
func (t Tensor) Float32s() ([]float32, error) {
	if err := t.want(F32); err != nil {
		return nil, err
	}
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// Float64s decodes an F64 entry.
func (t Tensor) Float64s() ([]float64, error) {
	if err := t.want(F64); err != nil {
		return nil, err
	}
	out := make([]float64, len(t.Data)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return out, nil
}

// Int64s decodes an I64 entry.
func (t Tensor) Int64s() ([]int64, error) {
	if err := t.want(I64); err != nil {
		return nil, err
	}
	out := make([]int64, len(t.Data)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return out, nil
}

// ToTensor decodes an F32 entry, or an F16 or BF16 one widened exactly to
// float32, into a new tensor.
func (t Tensor) ToTensor() (*tensor.Tensor, error) {
	vals, err := t.decodeFloats()
	if err != nil {
		return nil, err
	}
	if len(t.Shape) == 0 && len(vals) == 1 {
		// A scalar (shape []): FromSlice would make it [1].
		return tensor.Scalar(vals[0]), nil
	}
	return tensor.FromSlice(vals, t.Shape...), nil
}

// Params encodes named tensors (nn.State(model), say) as F32 entries, each
// name prefixed with prefix.
func Params(prefix string, ps []nn.Param) []Tensor {
	out := make([]Tensor, len(ps))
	for i, p := range ps {
		out[i] = Float32(prefix+p.Name, p.Tensor)
	}
	return out
}

// File is the content of a safetensors file: its entries in data order and
// its metadata.
type File struct {
	Tensors  []Tensor
	Metadata map[string]string
}

// Get returns the entry with the given name.
func (f *File) Get(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// elements returns the product of shape, or ok=false on a negative
// dimension or overflow.
func elements(shape []int) (n uint64, ok bool) {
	n = 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 {
			return 0, false
		}
		n = lo
	}
	return n, true
}

// byteSize returns the data size of a dtype and shape, or ok=false.
func byteSize(d DType, shape []int) (uint64, bool) {
	n, ok := elements(shape)
	if !ok || d.Size() == 0 {
		return 0, false
	}
	hi, size := bits.Mul64(n, uint64(d.Size()))
	return size, hi == 0
}

// Encode writes tensors, in order, and metadata to w in the safetensors
// format, adding the checksums of the data and the metadata under
// ChecksumKey when there are tensors. It checks every entry first and
// writes nothing on error.
func Encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	if _, ok := metadata[ChecksumKey]; ok {
		return fmt.Errorf("checkpoint: metadata key %q is reserved for the checksums Encode writes", ChecksumKey)
	}
	if len(tensors) > 0 {
		sums, err := checksums(tensors, metadata)
		if err != nil {
			return err
		}
		metadata = maps.Clone(metadata)
		if metadata == nil {
			metadata = map[string]string{}
		}
		metadata[ChecksumKey] = sums
	}
	var h bytes.Buffer
	h.WriteByte('{')
	sep := func() {
		if h.Len() > 1 {
			h.WriteByte(',')
		}
	}
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		h.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				h.WriteByte(',')
			}
			if !utf8.ValidString(k) || !utf8.ValidString(metadata[k]) {
				return fmt.Errorf("checkpoint: metadata %q: not valid UTF-8", k)
			}
			writeJSONString(&h, k)
			h.WriteByte(':')
			writeJSONString(&h, metadata[k])
		}
		h.WriteByte('}')
	}
	seen := make(map[string]bool, len(tensors))
	var offset uint64
	for _, t := range tensors {
		switch {
		case t.Name == "" || t.Name == "__metadata__" || !utf8.ValidString(t.Name):
			return fmt.Errorf("checkpoint: invalid tensor name %q", t.Name)
		case seen[t.Name]:
			return fmt.Errorf("checkpoint: %s: duplicate tensor name", t.Name)
		case t.DType.Size() == 0:
			return fmt.Errorf("checkpoint: %s: unknown dtype %q", t.Name, t.DType)
		}
		seen[t.Name] = true
		size, ok := byteSize(t.DType, t.Shape)
		if !ok || size != uint64(len(t.Data)) {
			return fmt.Errorf("checkpoint: %s: %d bytes of data for dtype %s and shape %v", t.Name, len(t.Data), t.DType, t.Shape)
		}
		sep()
		writeJSONString(&h, t.Name)
		h.WriteString(`:{"dtype":"`)
		h.WriteString(string(t.DType))
		h.WriteString(`","shape":[`)
		for i, d := range t.Shape {
			if i > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, offset, offset+size)
		offset += size
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	if h.Len() > MaxHeaderSize {
		return fmt.Errorf("checkpoint: header of %d bytes exceeds the %d-byte limit", h.Len(), MaxHeaderSize)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(h.Len()))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(h.Bytes()); err != nil {
		return err
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// writeJSONString writes s as a JSON string without HTML escaping.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // a string always encodes
	b.Truncate(b.Len() - 1) // Encode appends a newline
}

// Save writes tensors and metadata to path atomically: the file is written
// under a temporary name in the same directory, flushed to disk and renamed
// over path, so a crash or an error leaves either the old file or the new
// one, never a partial file. A temporary file that a killed earlier write
// of path left behind is removed first (see StaleTempAge).
func Save(path string, tensors []Tensor, metadata map[string]string) error {
	return writeAtomic(path, func(w io.Writer) error { return Encode(w, tensors, metadata) })
}

// SaveParams saves named tensors (nn.State(model), say) as F32 entries.
func SaveParams(path string, ps []nn.Param, metadata map[string]string) error {
	return Save(path, Params("", ps), metadata)
}

func writeAtomic(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	removeStaleTemps(path)
	f, err := os.CreateTemp(dir, tempPrefix(path)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("checkpoint: %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// The rename is durable only once the directory entry is on disk.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Load reads and validates a safetensors file. Entries come back in data
// order; their Data share one buffer holding the file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	f, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return f, nil
}

// headerEntry is a tensor's description in the header; pointers tell a
// missing field from a zero one.
type headerEntry struct {
	DType   *DType    `json:"dtype"`
	Shape   *[]int    `json:"shape"`
	Offsets *[]uint64 `json:"data_offsets"`
}

// Decode parses a whole safetensors file held in memory, checking that the
// header is well-formed and that the tensors exactly tile the data: offsets
// in range, contiguous, non-overlapping, each as long as its dtype and shape
// require. When the file carries checksums (ChecksumKey, written by Encode)
// every tensor's data and the metadata must match them; the key is then
// removed from Metadata. Files without them (older ones, other writers')
// are read unchecked. Errors name the offending tensor.
func Decode(file []byte) (*File, error) {
	if len(file) < 8 {
		return nil, fmt.Errorf("%d bytes is too short for the 8-byte header length", len(file))
	}
	n := binary.LittleEndian.Uint64(file)
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	if n > uint64(len(file)-8) {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes after it (truncated file?)", n, len(file)-8)
	}
	header, data := file[8:8+n], file[8+n:]
	if len(header) == 0 || header[0] != '{' {
		return nil, fmt.Errorf("header does not start with '{'")
	}
	if !utf8.Valid(header) {
		return nil, fmt.Errorf("header is not valid UTF-8")
	}
	out := &File{}
	type located struct {
		t          Tensor
		begin, end uint64
	}
	var entries []located
	dec := json.NewDecoder(bytes.NewReader(header))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("header: %w", err)
		}
		name := tok.(string) // object keys are always strings
		if seen[name] {
			return nil, fmt.Errorf("header: %s: duplicate entry", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("header: %s: %w", name, err)
		}
		if name == "__metadata__" {
			if err := strictUnmarshal(raw, &out.Metadata); err != nil || out.Metadata == nil {
				return nil, fmt.Errorf("header: __metadata__ must map strings to strings: %s", errText(err))
			}
			continue
		}
		var e headerEntry
		if err := strictUnmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("header: %s: %w", name, err)
		}
		if e.DType == nil || e.Shape == nil || e.Offsets == nil {
			return nil, fmt.Errorf("header: %s: needs dtype, shape and data_offsets", name)
		}
		if e.DType.Size() == 0 {
			return nil, fmt.Errorf("%s: unknown dtype %q", name, *e.DType)
		}
		if len(*e.Offsets) != 2 {
			return nil, fmt.Errorf("%s: data_offsets has %d values, want 2", name, len(*e.Offsets))
		}
		begin, end := (*e.Offsets)[0], (*e.Offsets)[1]
		if begin > end || end > uint64(len(data)) {
			return nil, fmt.Errorf("%s: data_offsets [%d, %d] outside the %d bytes of data", name, begin, end, len(data))
		}
		size, ok := byteSize(*e.DType, *e.Shape)
		if !ok || size != end-begin {
			return nil, fmt.Errorf("%s: %d bytes of data for dtype %s and shape %v", name, end-begin, *e.DType, *e.Shape)
		}
		t := Tensor{Name: name, DType: *e.DType, Shape: *e.Shape, Data: data[begin:end:end]}
		if t.Shape == nil {
			t.Shape = []int{}
		}
		entries = append(entries, located{t, begin, end})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if rest := header[dec.InputOffset():]; len(bytes.TrimLeft(rest, " \t\r\n")) != 0 {
		return nil, fmt.Errorf("header: unexpected bytes after the JSON object")
	}
	slices.SortStableFunc(entries, func(a, b located) int {
		if a.begin != b.begin {
			return cmpU64(a.begin, b.begin)
		}
		return cmpU64(a.end, b.end)
	})
	var pos uint64
	for _, e := range entries {
		if e.begin != pos {
			if e.begin < pos {
				return nil, fmt.Errorf("%s: data_offsets [%d, %d] overlap the previous tensor, which ends at %d", e.t.Name, e.begin, e.end, pos)
			}
			return nil, fmt.Errorf("%s: data_offsets [%d, %d] leave a gap after byte %d", e.t.Name, e.begin, e.end, pos)
		}
		pos = e.end
		out.Tensors = append(out.Tensors, e.t)
	}
	if pos != uint64(len(data)) {
		return nil, fmt.Errorf("tensors cover %d of the %d bytes of data", pos, len(data))
	}
	if err := verifyChecksums(out); err != nil {
		return nil, err
	}
	return out, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func strictUnmarshal(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func errText(err error) string {
	if err == nil {
		return "got null"
	}
	return err.Error()
}
