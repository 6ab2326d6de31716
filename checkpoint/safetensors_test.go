package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// tinyFile is the spec's layout written out by hand: two tensors and one
// metadata entry, without checksums, as older files and other writers'
// files are.
func tinyFile() []byte {
	return specFile(`{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[1,3],"data_offsets":[8,11]}}`)
}

// tinyFileWithChecksums is tinyFile as Encode writes it. The CRC-32C
// values come from a bitwise implementation in Python (polynomial
// 0x82F63B78, reflected; it gives the standard e3069283 for "123456789"):
// a's 8 bytes aa36f2c9, b's 3 bytes f130f21e, the metadata "k\0v\0" 76146fc1.
func tinyFileWithChecksums() []byte {
	return specFile(`{"__metadata__":{"artifex/crc32c":"{\"__metadata__\":\"76146fc1\",\"a\":\"aa36f2c9\",\"b\":\"f130f21e\"}","k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[1,3],"data_offsets":[8,11]}}`)
}

// specFile pads header to a multiple of 8 and adds tinyFile's data.
func specFile(header string) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write([]byte{0, 0, 0x80, 0x3f}) // 1.0f
	b.Write([]byte{0, 0, 0, 0xc0})    // -2.0f
	b.Write([]byte{1, 2, 3})
	return b.Bytes()
}

func TestEncodeMatchesTheSpecByteForByte(t *testing.T) {
	var got bytes.Buffer
	err := Encode(&got, []Tensor{
		Float32("a", tensor.FromSlice([]float32{1, -2})),
		{Name: "b", DType: U8, Shape: []int{1, 3}, Data: []byte{1, 2, 3}},
	}, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if want := tinyFileWithChecksums(); !bytes.Equal(got.Bytes(), want) {
		t.Errorf("encoded\n%q\nwant\n%q", got.Bytes(), want)
	}
	if n := binary.LittleEndian.Uint64(got.Bytes()); n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
}

func TestDecodeReadsTheSpecLayout(t *testing.T) {
	f, err := Decode(tinyFile())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.Get("a")
	vals, err := a.Float32s()
	if err != nil || len(vals) != 2 || vals[0] != 1 || vals[1] != -2 {
		t.Errorf("a = %v, %v", vals, err)
	}
	b, _ := f.Get("b")
	if b.DType != U8 || len(b.Shape) != 2 || b.Shape[1] != 3 || !bytes.Equal(b.Data, []byte{1, 2, 3}) {
		t.Errorf("b = %+v", b)
	}
	if f.Metadata["k"] != "v" {
		t.Errorf("metadata %v", f.Metadata)
	}
}

func TestSaveLoadRoundTripIsBitExact(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7fc00001), math.Float32frombits(1), math.MaxFloat32, 1.0 / 3}
	rng := tensor.NewRngs(5).Params()
	in := []Tensor{
		Float32("special", tensor.FromSlice(special, 2, 4)),
		Float32("w", rng.Normal(17, 3)),
		Float32("scalar", tensor.Scalar(2.5)),
		Float32("empty", tensor.Zeros(0, 4)),
		Float64("f64", []int{2}, []float64{math.Pi, -1e300}),
		Int64("i64", nil, []int64{-1 << 62}),
		Bytes("u8", []byte("state")),
	}
	path := filepath.Join(t.TempDir(), "x.safetensors")
	meta := map[string]string{"note": `quotes " and <html> & unicode é`}
	if err := Save(path, in, meta); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != len(in) {
		t.Fatalf("%d tensors back, want %d", len(f.Tensors), len(in))
	}
	for i, want := range in {
		got := f.Tensors[i]
		if got.Name != want.Name || got.DType != want.DType || !tensor.SameShape(got.Shape, append([]int{}, want.Shape...)) || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("tensor %d: got %s %s %v, want %s %s %v", i, got.Name, got.DType, got.Shape, want.Name, want.DType, want.Shape)
		}
	}
	back, _ := f.Tensors[0].Float32s()
	for i, v := range back {
		if math.Float32bits(v) != math.Float32bits(special[i]) {
			t.Errorf("special[%d]: bits %08x, want %08x", i, math.Float32bits(v), math.Float32bits(special[i]))
		}
	}
	if f.Metadata["note"] != meta["note"] {
		t.Errorf("metadata %q", f.Metadata["note"])
	}
}

// withHeader builds a file from a header string and data bytes.
func withHeader(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestDecodeRejectsBadFilesNamingTheProblem(t *testing.T) {
	good := tinyFile()
	hugeLen := append([]byte{}, good...)
	binary.LittleEndian.PutUint64(hugeLen, 1<<62)
	overLen := append([]byte{}, good...)
	binary.LittleEndian.PutUint64(overLen, uint64(len(good)))
	corrupt := append([]byte{}, good...)
	corrupt[20] = '!'
	f32 := func(name, offsets string) string {
		return `"` + name + `":{"dtype":"F32","shape":[1],"data_offsets":` + offsets + `}`
	}
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"truncated length", good[:5], "too short"},
		{"truncated header", good[:40], "exceeds the"},
		{"truncated data", good[:len(good)-1], "b: data_offsets [8, 11] outside"},
		{"huge header length", hugeLen, "limit"},
		{"header longer than file", overLen, "truncated"},
		{"corrupted header", corrupt, "header"},
		{"not an object", withHeader(`[1,2]   `, nil), "'{'"},
		{"trailing bytes", withHeader(`{}x`, nil), "after the JSON"},
		{"overlap", withHeader("{"+f32("a", "[0,4]")+","+f32("b", "[2,6]")+"}", make([]byte, 8)), "b: data_offsets [2, 6] overlap"},
		{"gap", withHeader("{"+f32("a", "[0,4]")+","+f32("b", "[8,12]")+"}", make([]byte, 12)), "b: data_offsets [8, 12] leave a gap"},
		{"uncovered tail", withHeader("{"+f32("a", "[0,4]")+"}", make([]byte, 8)), "cover 4 of the 8"},
		{"offsets out of range", withHeader("{"+f32("a", "[0,4]")+"}", make([]byte, 2)), "a: data_offsets [0, 4] outside"},
		{"reversed offsets", withHeader("{"+f32("a", "[4,0]")+"}", make([]byte, 4)), "a: data_offsets"},
		{"size mismatch", withHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)), "a: 4 bytes of data for dtype F32 and shape [2]"},
		{"negative dim", withHeader(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4)), "a:"},
		{"overflowing shape", withHeader(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, make([]byte, 4)), "a:"},
		{"unknown dtype", withHeader(`{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), `a: unknown dtype "F31"`},
		{"missing field", withHeader(`{"a":{"dtype":"F32","shape":[1]}}`, make([]byte, 4)), "a: needs"},
		{"unknown field", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, make([]byte, 4)), "a:"},
		{"three offsets", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,4]}}`, make([]byte, 4)), "a: data_offsets has 3"},
		{"duplicate", withHeader("{"+f32("a", "[0,4]")+","+f32("a", "[4,8]")+"}", make([]byte, 8)), "a: duplicate"},
		{"non-string metadata", withHeader(`{"__metadata__":{"k":1}}`, nil), "__metadata__"},
		{"invalid utf-8", withHeader("{\"\xff\":1}", nil), "UTF-8"},
	}
	for _, c := range cases {
		f, err := Decode(c.file)
		if err == nil {
			t.Errorf("%s: accepted: %+v", c.name, f)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.want)
		}
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(path, tinyFile()[:30], 0o644)
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v does not name %s", err, path)
	}
}

func TestEncodeRejectsInconsistentTensors(t *testing.T) {
	for _, ts := range [][]Tensor{
		{{Name: "a", DType: F32, Shape: []int{3}, Data: make([]byte, 8)}},
		{{Name: "a", DType: "F31", Shape: []int{1}, Data: make([]byte, 4)}},
		{Bytes("a", nil), Bytes("a", nil)},
		{Bytes("__metadata__", nil)},
	} {
		if err := Encode(io.Discard, ts, nil); err == nil {
			t.Errorf("%+v accepted", ts)
		}
	}
}

func TestFailedSaveLeavesTheOldFileIntact(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	if err := Save(path, []Tensor{Bytes("a", []byte("old"))}, nil); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)
	boom := errors.New("disk full")
	err := writeAtomic(path, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("x"), 3<<20)) // more than the buffer: reaches the temp file
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	if err := Save(path, []Tensor{{Name: "bad", DType: F32, Shape: []int{2}}}, nil); err == nil {
		t.Fatal("inconsistent tensor saved")
	}
	now, _ := os.ReadFile(path)
	if !bytes.Equal(now, old) {
		t.Error("the old file changed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// FuzzDecode checks that no input makes Decode panic and that whatever it
// accepts encodes back to a file that decodes to the same tensors.
func FuzzDecode(f *testing.F) {
	f.Add(tinyFile())
	f.Add(withHeader(`{}      `, nil))
	f.Add(withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I64","shape":[],"data_offsets":[4,12]}}`, make([]byte, 12)))
	f.Add(withHeader(`{"a":{"dtype":"BF16","shape":[0,2],"data_offsets":[0,0]}}`, nil))
	f.Fuzz(func(t *testing.T, file []byte) {
		d, err := Decode(file)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := Encode(&b, d.Tensors, d.Metadata); err != nil {
			t.Fatalf("accepted file does not re-encode: %v", err)
		}
		again, err := Decode(b.Bytes())
		if err != nil {
			t.Fatalf("re-encoded file rejected: %v", err)
		}
		for i, x := range d.Tensors {
			y := again.Tensors[i]
			if x.Name != y.Name || x.DType != y.DType || !tensor.SameShape(x.Shape, y.Shape) || !bytes.Equal(x.Data, y.Data) {
				t.Fatalf("tensor %d changed: %+v vs %+v", i, x, y)
			}
		}
	})
}

func TestScalarTensorsKeepTheirShape(t *testing.T) {
	var b bytes.Buffer
	if err := Encode(&b, []Tensor{Float32("s", tensor.Scalar(1))}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Decode(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := f.Get("s")
	s, err := e.ToTensor()
	if err != nil || s.NDim() != 0 || s.Item() != 1 {
		t.Errorf("scalar decoded as shape %v value %v (%v), want shape [] value 1", s.Shape(), s.Item(), err)
	}
}
