package data

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeImage encodes img as PNG or JPEG (by name's extension) at dir/name.
func writeImage(t *testing.T, dir, name string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(name, ".png") {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 95})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// solid is a w×h image of one colour.
func solid(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// writeCelebA writes n PNG images 000001.png ... into dir/img_align_celeba,
// image k (from 0) solid with red k*10, and the partition file when parts
// is not nil.
func writeCelebA(t *testing.T, dir string, n int, parts []int) {
	t.Helper()
	var lines []string
	for k := range n {
		name := fmt.Sprintf("%06d.png", k+1)
		writeImage(t, filepath.Join(dir, CelebAImageFolder), name, solid(6, 8, color.NRGBA{uint8(10 * k), 100, 200, 255}))
		if parts != nil {
			lines = append(lines, fmt.Sprintf("%s %d", name, parts[k]))
		}
	}
	if parts != nil {
		writeFile(t, dir, CelebAPartitionFile, []byte(strings.Join(lines, "\n")+"\n"))
	}
}

// reds returns the red value of each image's first pixel as 0–255.
func reds(d *Dataset) []int {
	out := make([]int, d.Len())
	for i := range out {
		out[i] = int(math.Round(float64(d.Image(i)[0]) * 255))
	}
	return out
}

func TestCelebASplitsByThePartitionFile(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	writeCelebA(t, filepath.Join(dir, "celeba"), 6, []int{0, 2, 0, 1, 0, 2})
	for split, want := range map[string][]int{"train": {0, 20, 40}, "valid": {30}, "validation": {30}, "test": {10, 50}} {
		d, err := Load("CelebA", split, LoadOptions{Dir: dir, ImageSize: 4})
		if err != nil {
			t.Fatalf("%s: %v", split, err)
		}
		if !equalInts(d.Shape(), []int{len(want), 3, 4, 4}) || !equalInts(reds(d), want) || d.Labels() != nil {
			t.Errorf("%s: shape %v, reds %v, labels %v; want %d images with reds %v, unlabelled", split, d.Shape(), reds(d), d.Labels(), len(want), want)
		}
	}
	d, _ := Load("celeba", "valid", LoadOptions{Dir: dir, ImageSize: 4})
	for i, v := range d.Image(0) {
		want := []float32{30, 100, 200}[i/16] / 255
		if math.Abs(float64(v-want)) > 1e-6 {
			t.Fatalf("value %d = %v, want %v", i, v, want)
		}
	}
}

func TestCelebAWithoutPartitionSplitsByPosition(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	writeCelebA(t, dir, 20, nil) // directly in the data directory
	for split, want := range map[string][]int{
		"train": {0, 10, 20, 30, 40, 50, 60, 70, 100, 110, 120, 130, 140, 150, 160, 170},
		"valid": {80, 180}, "test": {90, 190},
	} {
		d, err := Load("celeba", split, LoadOptions{Dir: dir, ImageSize: 2})
		if err != nil {
			t.Fatalf("%s: %v", split, err)
		}
		if !equalInts(reds(d), want) {
			t.Errorf("%s: reds %v, want %v", split, reds(d), want)
		}
	}
}

func TestCelebADefaultsTo64PixelsAndReadsJPEG(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	folder := filepath.Join(dir, "celeba", CelebAImageFolder)
	writeImage(t, folder, "000001.jpg", solid(178, 218, color.NRGBA{200, 40, 90, 255}))
	writeImage(t, folder, "000002.jpg", solid(178, 218, color.NRGBA{10, 250, 128, 255}))
	d, err := Load("celeba", "train", LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(d.Shape(), []int{2, 3, CelebADefaultSize, CelebADefaultSize}) {
		t.Fatalf("shape %v", d.Shape())
	}
	n := CelebADefaultSize * CelebADefaultSize
	for i, rgb := range [][3]float64{{200, 40, 90}, {10, 250, 128}} {
		img := d.Image(i)
		for c := range 3 {
			for _, v := range img[c*n : (c+1)*n] {
				if v < 0 || v > 1 || math.Abs(float64(v)*255-rgb[c]) > 3 { // JPEG's chroma rounding
					t.Fatalf("image %d channel %d: value %v, want about %v/255", i, c, v, rgb[c])
				}
			}
		}
	}
}

func TestCelebACropsTheCentralSquareAndAveragesAreas(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	// A 6×4 grey image: the central 4×4 square is columns 1–4, whose 2×2
	// blocks average to known values; columns 0 and 5 must be cut off.
	img := image.NewGray(image.Rect(0, 0, 6, 4))
	rows := [4][6]uint8{
		{255, 0, 20, 40, 60, 255},
		{255, 80, 100, 120, 140, 255},
		{255, 160, 180, 200, 220, 255},
		{255, 240, 0, 16, 32, 255},
	}
	for y, r := range rows {
		for x, v := range r {
			img.SetGray(x, y, color.Gray{v})
		}
	}
	writeImage(t, filepath.Join(dir, CelebAImageFolder), "a.png", img)
	d, err := Load("celeba", "train", LoadOptions{Dir: dir, ImageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{(0 + 20 + 80 + 100) / 4.0, (40 + 60 + 120 + 140) / 4.0, (160 + 180 + 240 + 0) / 4.0, (200 + 220 + 16 + 32) / 4.0}
	for i, v := range d.Image(0) { // grey: the same in every channel
		if math.Abs(float64(v)*255-want[i%4]) > 1e-3 {
			t.Fatalf("value %d = %v, want %v", i, float64(v)*255, want[i%4])
		}
	}
}

func TestResizePlanesAreaAndBilinear(t *testing.T) {
	for _, tc := range []struct {
		name             string
		src              []float32
		inH, inW, oH, oW int
		want             []float32
	}{
		// 3 → 2 covers pixel 1 half by each output pixel.
		{"area 3→2", []float32{3, 6, 9}, 1, 3, 1, 2, []float32{(3 + 0.5*6) / 1.5, (0.5*6 + 9) / 1.5}},
		// 2 → 4: centres at -0.25, 0.25, 0.75, 1.25 input pixels, clamped.
		{"bilinear 2→4", []float32{0, 8}, 2, 1, 4, 1, []float32{0, 2, 6, 8}},
		{"identity", []float32{1, 2, 3, 4}, 2, 2, 2, 2, []float32{1, 2, 3, 4}},
		{"area 2×2→1", []float32{1, 2, 3, 6}, 2, 2, 1, 1, []float32{3}},
	} {
		dst := make([]float32, tc.oH*tc.oW)
		ResizePlanes(dst, tc.src, 1, tc.inH, tc.inW, tc.oH, tc.oW)
		for i := range dst {
			if math.Abs(float64(dst[i]-tc.want[i])) > 1e-5 {
				t.Errorf("%s: got %v, want %v", tc.name, dst, tc.want)
				break
			}
		}
	}
}

func TestCelebAMissingFolderSaysWhereAndHow(t *testing.T) {
	envDir, _ := isolate(t)
	dir := t.TempDir()
	_, err := Load("celeba", "train", LoadOptions{Dir: dir})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("error %v does not wrap ErrNotFound", err)
	}
	wantErr(t, err, filepath.Join(dir, "celeba", CelebAImageFolder)+" (--data-dir)", filepath.Join(dir, CelebAImageFolder),
		filepath.Join(envDir, CelebAImageFolder)+" ($ARTIFEX_DATA)", "img_align_celeba.zip", CelebAPartitionFile, "--data-dir")
}

func TestCelebARejectsBadSplitsSizesAndPartitions(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	writeCelebA(t, dir, 3, []int{0, 0, 1})
	_, err := Load("celeba", "holdout", LoadOptions{Dir: dir})
	wantErr(t, err, `"holdout"`, "train, valid", "test")
	_, err = Load("celeba", "train", LoadOptions{Dir: dir, ImageSize: -1})
	wantErr(t, err, "image size -1", "1–1024")
	_, err = Load("celeba", "test", LoadOptions{Dir: dir, ImageSize: 2})
	wantErr(t, err, "test split", "empty", "3 images")

	writeImage(t, filepath.Join(dir, CelebAImageFolder), "extra.png", solid(2, 2, color.NRGBA{A: 255}))
	_, err = Load("celeba", "train", LoadOptions{Dir: dir, ImageSize: 2})
	wantErr(t, err, "no entry for image extra.png", CelebAPartitionFile)
	writeFile(t, dir, CelebAPartitionFile, []byte("000001.png 7\n"))
	_, err = Load("celeba", "train", LoadOptions{Dir: dir, ImageSize: 2})
	wantErr(t, err, "line 1", `"7"`, "0 (train)")

	writeFile(t, dir, CelebAImageFolder+"/broken.jpg", []byte("not a jpeg"))
	os.Remove(filepath.Join(dir, CelebAPartitionFile))
	_, err = Load("celeba", "train", LoadOptions{Dir: dir, ImageSize: 2})
	wantErr(t, err, "broken.jpg")
}
