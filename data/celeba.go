package data

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // CelebA ships JPEG files
	_ "image/png"  // and users may convert them to PNG
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// CelebA (Liu et al. 2015, "Deep Learning Face Attributes in the Wild") is
// read from the folder of aligned and cropped faces the user downloaded:
//
//	DIR/img_align_celeba/000001.jpg ... 202599.jpg   (178×218 JPEG)
//	DIR/list_eval_partition.txt                      ("000001.jpg 0" per line)
//
// where DIR is --data-dir, $ARTIFEX_DATA, or their celeba/ or CelebA/
// folder. The partition file (also found in DIR/Eval/ or inside the image
// folder) assigns each image to train (0), valid (1) or test (2). Without
// it the images are split by their position in name order: of every ten,
// the ninth is valid, the tenth test and the rest train. Each image is
// cropped to its central square and resized to ImageSize×ImageSize (area
// averaging when shrinking, bilinear when enlarging), giving [N, 3, S, S]
// values in [0, 1] without labels.
const (
	// CelebADefaultSize is the side of the CelebA images when
	// LoadOptions.ImageSize is 0: the 64×64 of the DDPM/DCGAN literature.
	CelebADefaultSize = 64
	// CelebAImageFolder is the folder of images inside a CelebA directory.
	CelebAImageFolder = "img_align_celeba"
	// CelebAPartitionFile assigns the images to the train, valid and test
	// splits.
	CelebAPartitionFile = "list_eval_partition.txt"
	// maxImageSize bounds ImageSize: a data set of larger images would not
	// fit in memory as float32 anyway.
	maxImageSize = 1024
)

// celebaSplits are the split names with their number in the partition file.
var celebaSplits = map[string]int{"train": 0, "valid": 1, "validation": 1, "val": 1, "test": 2}

const celebaHowTo = "To get it: download img_align_celeba.zip and list_eval_partition.txt from the CelebA page " +
	"(https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html), unpack the zip into a directory DIR so that the images are " +
	"DIR/img_align_celeba/*.jpg, put list_eval_partition.txt beside that folder, and pass DIR with --data-dir or $" + EnvDataDir + "."

// isCelebA reports whether name is the CelebA image folder data set.
func isCelebA(name string) bool { return sourceKey(name) == "celeba" }

// loadCelebA finds the CelebA image folder in the user's directories and
// reads split from it at opts.ImageSize.
func loadCelebA(split string, opts LoadOptions) (*Dataset, error) {
	want, ok := celebaSplits[split]
	if !ok {
		return nil, fmt.Errorf("data: unknown split %q for celeba; available: train, valid (or validation, val), test", split)
	}
	size := opts.ImageSize
	if size == 0 {
		size = CelebADefaultSize
	}
	if size < 1 || size > maxImageSize {
		return nil, fmt.Errorf("data: celeba image size %d out of range; it must be 1–%d (0 for %d)", opts.ImageSize, maxImageSize, CelebADefaultSize)
	}
	var looked []string
	for _, root := range []struct{ dir, origin, unset string }{
		{opts.Dir, "--data-dir", "not given"},
		{os.Getenv(EnvDataDir), "$" + EnvDataDir, "not set"},
	} {
		if root.dir == "" {
			looked = append(looked, fmt.Sprintf("  %s: %s", root.origin, root.unset))
			continue
		}
		for _, sub := range []string{"celeba", "CelebA", ""} {
			base := filepath.Join(root.dir, sub)
			folder := filepath.Join(base, CelebAImageFolder)
			names, err := imageFiles(folder)
			if err != nil {
				return nil, err
			}
			if len(names) == 0 {
				looked = append(looked, fmt.Sprintf("  %s (%s)", folder, root.origin))
				continue
			}
			picked, err := celebaSplit(base, folder, names, want)
			if err != nil {
				return nil, err
			}
			if len(picked) == 0 {
				return nil, fmt.Errorf("data: celeba %s split of %s is empty (%d images in the folder)", split, folder, len(names))
			}
			paths := make([]string, len(picked))
			for i, n := range picked {
				paths[i] = filepath.Join(folder, n)
			}
			return ReadImageFolder(paths, size)
		}
	}
	return nil, fmt.Errorf("data: celeba %s split %w; looked for JPEG or PNG images in:\n%s\n%s",
		split, ErrNotFound, strings.Join(looked, "\n"), celebaHowTo)
}

// imageFiles returns the names of the JPEG and PNG files in dir, sorted;
// none when dir does not exist.
func imageFiles(dir string) ([]string, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".jpg", ".jpeg", ".png":
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// celebaSplit returns the names (sorted) of the images in split want: by
// the partition file when there is one, else by position.
func celebaSplit(base, folder string, names []string, want int) ([]string, error) {
	var part string
	for _, p := range []string{
		filepath.Join(base, CelebAPartitionFile),
		filepath.Join(base, "Eval", CelebAPartitionFile),
		filepath.Join(folder, CelebAPartitionFile),
	} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			part = p
			break
		}
	}
	var picked []string
	if part == "" {
		for i, n := range names {
			split := 0
			switch i % 10 {
			case 8:
				split = 1
			case 9:
				split = 2
			}
			if split == want {
				picked = append(picked, n)
			}
		}
		return picked, nil
	}
	splits, err := readPartition(part)
	if err != nil {
		return nil, err
	}
	// The folder may hold a subset of CelebA, but every image in it must
	// be assigned: an image left out would silently shrink every split.
	for _, n := range names {
		s, ok := splits[n]
		if !ok {
			return nil, fmt.Errorf("data: celeba: %s has no entry for image %s of %s; use the partition file of these images or remove it to split by position",
				part, n, folder)
		}
		if s == want {
			picked = append(picked, n)
		}
	}
	return picked, nil
}

// readPartition reads CelebA's list_eval_partition.txt: lines "NAME SPLIT"
// with SPLIT 0, 1 or 2.
func readPartition(path string) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	splits := make(map[string]int)
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("data: celeba partition file %s line %d: want \"IMAGE SPLIT\", got %q", path, line, sc.Text())
		}
		s, err := strconv.Atoi(fields[1])
		if err != nil || s < 0 || s > 2 {
			return nil, fmt.Errorf("data: celeba partition file %s line %d: split %q is not 0 (train), 1 (valid) or 2 (test)", path, line, fields[1])
		}
		splits[fields[0]] = s
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("data: celeba partition file %s: %w", path, err)
	}
	return splits, nil
}

// ReadImageFolder decodes the JPEG or PNG images at paths (in parallel,
// one worker per CPU), crops each to its central square and resizes it to
// size×size, giving an unlabelled data set of shape [N, 3, size, size] with
// values in [0, 1], the images in the order of paths. Grey images are
// repeated over the three channels; transparent pixels are composited on
// black.
func ReadImageFolder(paths []string, size int) (*Dataset, error) {
	if size < 1 || size > maxImageSize {
		return nil, fmt.Errorf("data: ReadImageFolder: image size %d out of range 1–%d", size, maxImageSize)
	}
	if len(paths) == 0 {
		return nil, errors.New("data: ReadImageFolder: no images given")
	}
	per := 3 * size * size
	images := make([]float32, len(paths)*per)
	errs := make([]error, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = readSquareImage(images[i*per:(i+1)*per], paths[i], size)
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Dataset{images: images, c: 3, h: size, w: size}, nil
}

// readSquareImage decodes the image at path into dst as 3 planes of
// size×size values.
func readSquareImage(dst []float32, path string, size int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("data: image %s: %w", path, err)
	}
	r := img.Bounds()
	side := min(r.Dx(), r.Dy())
	if side == 0 {
		return fmt.Errorf("data: image %s is empty (%d×%d)", path, r.Dx(), r.Dy())
	}
	crop := image.Rect(0, 0, side, side).Add(r.Min).Add(image.Pt((r.Dx()-side)/2, (r.Dy()-side)/2))
	planes := rgbPlanes(img, crop)
	ResizePlanes(dst, planes, 3, side, side, size, size)
	return nil
}

// rgbPlanes returns the pixels of img inside rect as 3 planes (red, green,
// blue) of values in [0, 1].
func rgbPlanes(img image.Image, rect image.Rectangle) []float32 {
	w, h := rect.Dx(), rect.Dy()
	n := w * h
	out := make([]float32, 3*n)
	set := func(i int, r, g, b uint32) {
		out[i], out[n+i], out[2*n+i] = float32(r)/0xffff, float32(g)/0xffff, float32(b)/0xffff
	}
	switch m := img.(type) {
	case *image.YCbCr: // JPEG: the common case, converted without interfaces
		for y := range h {
			for x := range w {
				yi, ci := m.YOffset(rect.Min.X+x, rect.Min.Y+y), m.COffset(rect.Min.X+x, rect.Min.Y+y)
				r, g, b := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				i := y*w + x
				out[i], out[n+i], out[2*n+i] = float32(r)/255, float32(g)/255, float32(b)/255
			}
		}
	default:
		for y := range h {
			for x := range w {
				r, g, b, _ := img.At(rect.Min.X+x, rect.Min.Y+y).RGBA()
				set(y*w+x, r, g, b)
			}
		}
	}
	return out
}

// ResizePlanes resizes c planes of inH×inW values in src to outH×outW in
// dst, separably along each axis: an axis that shrinks averages the input
// pixels each output pixel covers, weighted by the covered fraction (area
// or box resampling, which does not alias); an axis that grows
// interpolates linearly between the two nearest pixel centres (bilinear,
// pixel centres at half-integers, edges clamped). Both keep values within
// the input's range.
func ResizePlanes(dst, src []float32, c, inH, inW, outH, outW int) {
	wy, wx := resampleWeights(inH, outH), resampleWeights(inW, outW)
	tmp := make([]float32, inH*outW)
	for ch := range c {
		in := src[ch*inH*inW : (ch+1)*inH*inW]
		for y := range inH {
			row := in[y*inW : (y+1)*inW]
			for x, taps := range wx {
				var s float32
				for _, t := range taps {
					s += t.w * row[t.i]
				}
				tmp[y*outW+x] = s
			}
		}
		out := dst[ch*outH*outW : (ch+1)*outH*outW]
		for y, taps := range wy {
			o := out[y*outW : (y+1)*outW]
			clear(o)
			for _, t := range taps {
				r := tmp[t.i*outW : (t.i+1)*outW]
				for x := range o {
					o[x] += t.w * r[x]
				}
			}
		}
	}
}

// tap is one input pixel's weight in an output pixel.
type tap struct {
	i int
	w float32
}

// resampleWeights returns, for each of m output pixels along an axis of n
// input pixels, the input pixels it is made of and their weights (summing
// to 1).
func resampleWeights(n, m int) [][]tap {
	out := make([][]tap, m)
	scale := float64(n) / float64(m)
	for j := range out {
		if scale >= 1 {
			lo, hi := float64(j)*scale, float64(j+1)*scale
			for i := int(lo); i < n && float64(i) < hi; i++ {
				cover := min(hi, float64(i+1)) - max(lo, float64(i))
				if cover > 1e-9 {
					out[j] = append(out[j], tap{i, float32(cover / scale)})
				}
			}
			continue
		}
		pos := min(max((float64(j)+0.5)*scale-0.5, 0), float64(n-1))
		i0 := int(pos)
		f := pos - float64(i0)
		out[j] = append(out[j], tap{i0, float32(1 - f)})
		if f > 0 {
			out[j] = append(out[j], tap{i0 + 1, float32(f)})
		}
	}
	return out
}
