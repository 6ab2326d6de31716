package data

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecodeIDX checks that no input makes the IDX reader panic or
// allocate what its header claims rather than what it holds, that what it
// accepts is consistent (the data is as long as the dimensions say), and
// that it writes back unchanged, read as a stream and as a file of known
// size. Seeds: testdata/fuzz/FuzzDecodeIDX. Longer runs:
// docs/reliability.md.
func FuzzDecodeIDX(f *testing.F) {
	f.Add([]byte{0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file []byte) {
		x, err := DecodeIDX(bytes.NewReader(file))
		path := filepath.Join(dir, "f.idx")
		if werr := os.WriteFile(path, file, 0o600); werr != nil {
			t.Fatal(werr)
		}
		y, ferr := ReadIDX(path)
		if (err == nil) != (ferr == nil) {
			t.Fatalf("stream and file readers disagree: %v vs %v", err, ferr)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("stream read %v, file read %v", x.Dims, y.Dims)
		}
		n := 1
		for _, d := range x.Dims {
			n *= d
		}
		if n != len(x.Data) {
			t.Fatalf("dims %v with %d bytes of data", x.Dims, len(x.Data))
		}
		var b bytes.Buffer
		if err := WriteIDX(&b, x); err != nil {
			t.Fatalf("accepted array does not write: %v", err)
		}
		again, err := DecodeIDX(&b)
		if err != nil || !reflect.DeepEqual(again, x) {
			t.Fatalf("written array reads back as %v, %v", again, err)
		}
	})
}

// FuzzReadCIFAR10 checks that no batch file makes the CIFAR-10 reader
// panic, and that what it accepts holds one image of 3×32×32 values in
// [0, 1] and a label 0–9 per 3073-byte record. Seeds:
// testdata/fuzz/FuzzReadCIFAR10.
func FuzzReadCIFAR10(f *testing.F) {
	f.Add(append([]byte{7}, make([]byte, cifarPixels)...))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file []byte) {
		path := filepath.Join(dir, "data_batch_1.bin")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		d, err := ReadCIFAR10(path)
		if err != nil {
			return
		}
		if d.Len() != len(file)/cifarRecord || len(file)%cifarRecord != 0 {
			t.Fatalf("%d bytes read as %d images", len(file), d.Len())
		}
		for i := range d.Len() {
			if l := d.Label(i); l < 0 || l > 9 || l != int(file[i*cifarRecord]) {
				t.Fatalf("image %d: label %d, file byte %d", i, l, file[i*cifarRecord])
			}
			for _, v := range d.Image(i) {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("image %d: value %v outside [0, 1]", i, v)
				}
			}
		}
	})
}
