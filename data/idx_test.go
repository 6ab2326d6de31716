package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// writeFile writes b to name in dir, gzip-compressed when name ends in .gz.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	if strings.HasSuffix(name, ".gz") {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		b = z.Bytes()
	}
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func idxBytes(t *testing.T, x *IDX) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteIDX(&b, x); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// idxHeader builds a header with any dimensions, valid or not.
func idxHeader(typ byte, dims ...uint32) []byte {
	h := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		h = binary.BigEndian.AppendUint32(h, d)
	}
	return h
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestIDXRoundTripPlainAndGzip(t *testing.T) {
	x := &IDX{Dims: []int{3, 2, 4}, Data: make([]byte, 24)}
	for i := range x.Data {
		x.Data[i] = byte(i*37 + 11)
	}
	dir := t.TempDir()
	for _, name := range []string{"plain-idx3-ubyte", "packed-idx3-ubyte.gz", "misnamed.gz-is-plain"} {
		got, err := ReadIDX(writeFile(t, dir, name, idxBytes(t, x)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !equalInts(got.Dims, x.Dims) || !bytes.Equal(got.Data, x.Data) {
			t.Errorf("%s: read %v %v, wrote %v %v", name, got.Dims, got.Data, x.Dims, x.Data)
		}
	}
	got, err := DecodeIDX(bytes.NewReader(idxBytes(t, x)))
	if err != nil || !bytes.Equal(got.Data, x.Data) {
		t.Errorf("DecodeIDX: %v", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadIDXRejectsTruncatedFiles(t *testing.T) {
	full := idxBytes(t, &IDX{Dims: []int{10, 28, 28}, Data: make([]byte, 10*28*28)})
	dir := t.TempDir()
	for _, cut := range []int{0, 3, 4, 9, 16, len(full) - 1} {
		for _, ext := range []string{"", ".gz"} {
			name := "cut" + ext
			p := writeFile(t, dir, name, full[:cut])
			_, err := ReadIDX(p)
			wantErr(t, err, p, "truncated")
		}
	}
}

func TestReadIDXRejectsCorruptGzip(t *testing.T) {
	x := &IDX{Dims: []int{100}, Data: bytes.Repeat([]byte{7}, 100)}
	p := writeFile(t, t.TempDir(), "x.gz", idxBytes(t, x))
	b, _ := os.ReadFile(p)
	b[len(b)-6] ^= 0xff // inside the CRC-32 of the gzip trailer
	os.WriteFile(p, b, 0o644)
	_, err := ReadIDX(p)
	wantErr(t, err, p, "checksum")
}

func TestReadIDXRejectsBadHeaders(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"text", []byte("hello, not an IDX file"), "bad magic"},
		{"float", append(idxHeader(0x0D, 2), make([]byte, 8)...), "float32"},
		{"unknown-type", append(idxHeader(0x42, 2), 1, 2), "unknown element type 0x42"},
		{"zero-dims", idxHeader(0x08), "zero dimensions"},
		{"trailing", append(idxHeader(0x08, 2), 1, 2, 3), "extra bytes"},
	}
	for _, c := range cases {
		for _, ext := range []string{"", ".gz"} {
			p := writeFile(t, dir, c.name+ext, c.b)
			_, err := ReadIDX(p)
			wantErr(t, err, p, c.want)
		}
	}
}

func TestReadIDXRejectsAbsurdDimsWithoutAllocating(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		// 2^96 elements: the product overflows 64 bits.
		{"overflow", idxHeader(0x08, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), "more than"},
		// 1 GiB announced, 10 bytes present.
		{"short-plain", append(idxHeader(0x08, 1<<30), make([]byte, 10)...), "truncated"},
		{"short.gz", append(idxHeader(0x08, 1<<30), make([]byte, 10)...), "truncated"},
	}
	for _, c := range cases {
		p := writeFile(t, dir, c.name, c.b)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(p)
		runtime.ReadMemStats(&after)
		wantErr(t, err, p, c.want)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
			t.Errorf("%s: allocated %d bytes to reject a %d-byte file", c.name, grew, len(c.b))
		}
	}
}

func TestWriteIDXChecksItsInput(t *testing.T) {
	var b bytes.Buffer
	wantErr(t, WriteIDX(&b, &IDX{Dims: []int{2, 2}, Data: []byte{1, 2, 3}}), "need 4 bytes")
	wantErr(t, WriteIDX(&b, &IDX{}), "0 dimensions")
}
