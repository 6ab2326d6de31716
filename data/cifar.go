package data

import (
	"fmt"
	"io"
	"os"
)

// CIFAR-10 binary batches are records of one label byte followed by a 32×32
// colour image stored channel by channel (1024 red, 1024 green, 1024 blue
// bytes, each plane row-major), which is already the NCHW layout.
const (
	cifarSide   = 32
	cifarPixels = 3 * cifarSide * cifarSide
	cifarRecord = 1 + cifarPixels
)

// CIFAR10Classes names the CIFAR-10 labels 0–9.
var CIFAR10Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// ReadCIFAR10 reads CIFAR-10 binary batch files (data_batch_1.bin …
// data_batch_5.bin, test_batch.bin) into one data set of shape
// [N, 3, 32, 32], the files' records in order.
func ReadCIFAR10(paths ...string) (*Dataset, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("data: ReadCIFAR10: no files given")
	}
	var raw [][]byte
	total := 0
	for _, p := range paths {
		b, err := readCIFARFile(p)
		if err != nil {
			return nil, err
		}
		raw = append(raw, b)
		total += len(b) / cifarRecord
	}
	images := make([]float32, total*cifarPixels)
	labels := make([]int, total)
	i := 0
	for f, b := range raw {
		for off := 0; off < len(b); off, i = off+cifarRecord, i+1 {
			if b[off] > 9 {
				return nil, fmt.Errorf("data: CIFAR-10 file %s: record %d has label %d, not 0–9", paths[f], off/cifarRecord, b[off])
			}
			labels[i] = int(b[off])
			bytesToUnit(images[i*cifarPixels:(i+1)*cifarPixels], b[off+1:off+cifarRecord])
		}
	}
	return &Dataset{images: images, labels: labels, c: 3, h: cifarSide, w: cifarSide}, nil
}

// readCIFARFile reads a whole batch file after checking that its size is a
// whole number of records.
func readCIFARFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	size := st.Size()
	switch {
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("data: CIFAR-10 file %s is not a regular file", path)
	case size > MaxIDXElements:
		return nil, fmt.Errorf("data: CIFAR-10 file %s: %d bytes is too large for a batch file", path, size)
	case size == 0:
		return nil, fmt.Errorf("data: CIFAR-10 file %s is empty", path)
	case size%cifarRecord != 0:
		return nil, fmt.Errorf("data: CIFAR-10 file %s: size %d is not a whole number of %d-byte records (truncated or not a binary batch: %d records and %d bytes left over)",
			path, size, cifarRecord, size/cifarRecord, size%cifarRecord)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("data: CIFAR-10 file %s: %w", path, truncated(err))
	}
	return b, nil
}
