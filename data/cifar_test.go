package data

import (
	"bytes"
	"testing"
)

// cifarRecords makes n records whose label is i%10 and whose pixel j is
// (i + j) mod 256.
func cifarRecords(n int) []byte {
	b := make([]byte, 0, n*cifarRecord)
	for i := 0; i < n; i++ {
		b = append(b, byte(i%10))
		for j := 0; j < cifarPixels; j++ {
			b = append(b, byte(i+j))
		}
	}
	return b
}

func TestReadCIFAR10ReadsRecordsAsNCHW(t *testing.T) {
	dir := t.TempDir()
	p1 := writeFile(t, dir, "data_batch_1.bin", cifarRecords(3))
	p2 := writeFile(t, dir, "data_batch_2.bin", cifarRecords(2))
	d, err := ReadCIFAR10(p1, p2)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Shape(); !equalInts(got, []int{5, 3, 32, 32}) {
		t.Fatalf("shape %v, want [5 3 32 32]", got)
	}
	if got := d.Labels(); !equalInts(got, []int{0, 1, 2, 0, 1}) {
		t.Errorf("labels %v", got)
	}
	x := d.Images()
	// Image 2, green channel, row 5, column 7 is byte 1024 + 5*32 + 7 of record 2.
	if got, want := x.At(2, 1, 5, 7), float32((2+1024+5*32+7)%256)/255; got != want {
		t.Errorf("pixel (2, G, 5, 7) = %v, want %v", got, want)
	}
	if got, want := x.At(4, 2, 31, 31), float32((1+cifarPixels-1)%256)/255; got != want {
		t.Errorf("last pixel of image 4 = %v, want %v", got, want)
	}
}

func TestReadCIFAR10RejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	badLabel := cifarRecords(2)
	badLabel[cifarRecord] = 12
	cases := []struct {
		name string
		b    []byte
		want []string
	}{
		{"truncated.bin", cifarRecords(2)[:2*cifarRecord-100], []string{"3073", "truncated"}},
		{"empty.bin", nil, []string{"empty"}},
		{"label.bin", badLabel, []string{"record 1", "label 12"}},
	}
	for _, c := range cases {
		p := writeFile(t, dir, c.name, c.b)
		_, err := ReadCIFAR10(p)
		wantErr(t, err, append(c.want, p)...)
	}
	_, err := ReadCIFAR10(dir + "/missing.bin")
	wantErr(t, err, "missing.bin")
}

func TestReadMNISTChecksThePair(t *testing.T) {
	dir := t.TempDir()
	img := writeFile(t, dir, "img", idxBytes(t, &IDX{Dims: []int{3, 2, 2}, Data: bytes.Repeat([]byte{255, 0, 51, 102}, 3)}))
	lab := writeFile(t, dir, "lab", idxBytes(t, &IDX{Dims: []int{3}, Data: []byte{5, 0, 9}}))
	d, err := ReadMNIST(img, lab)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(d.Shape(), []int{3, 1, 2, 2}) || !equalInts(d.Labels(), []int{5, 0, 9}) {
		t.Fatalf("shape %v labels %v", d.Shape(), d.Labels())
	}
	if got := d.Image(1); got[0] != 1 || got[1] != 0 || got[2] != 0.2 || got[3] != 0.4 {
		t.Errorf("pixels %v, want [1 0 0.2 0.4]", got)
	}

	short := writeFile(t, dir, "short", idxBytes(t, &IDX{Dims: []int{2}, Data: []byte{1, 2}}))
	_, err = ReadMNIST(img, short)
	wantErr(t, err, "3 images", "2 labels", short)

	bad := writeFile(t, dir, "bad", idxBytes(t, &IDX{Dims: []int{3}, Data: []byte{1, 10, 2}}))
	_, err = ReadMNIST(img, bad)
	wantErr(t, err, "label 10", "example 1", bad)

	flat := writeFile(t, dir, "flat", idxBytes(t, &IDX{Dims: []int{3, 4}, Data: make([]byte, 12)}))
	_, err = ReadMNIST(flat, lab)
	wantErr(t, err, "[N H W]", flat)
}
