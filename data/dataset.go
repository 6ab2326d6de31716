// Package data reads the image data sets the models train on (MNIST,
// Fashion-MNIST, CIFAR-10, CelebA's image folder) from local files, holds them as float32 images in
// [0, 1] with shape [N, C, H, W], and serves them in seeded, resumable
// batches through transforms such as dynamic binarisation or dequantisation.
//
// Nothing here touches the network: Load finds the files in a directory the
// user names, in $ARTIFEX_DATA, in the Go module cache (MNIST) or in Debian's
// dataset package (Fashion-MNIST).
package data

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// Dataset is a set of images of one shape with optional integer labels.
// Images are float32 in [0, 1], stored contiguously in NCHW order. A Dataset
// is not modified once made; Subset and Split derive new ones.
type Dataset struct {
	images  []float32
	labels  []int
	c, h, w int
}

// NewDataset makes a data set of len(images)/(c*h*w) images of c channels
// and h×w pixels from contiguous NCHW values. labels is nil for unlabelled
// data or has one entry per image. The slices are kept, not copied.
func NewDataset(images []float32, labels []int, c, h, w int) (*Dataset, error) {
	if c <= 0 || h <= 0 || w <= 0 {
		return nil, fmt.Errorf("data: NewDataset: image shape [%d %d %d] must be positive", c, h, w)
	}
	per := c * h * w
	if len(images)%per != 0 {
		return nil, fmt.Errorf("data: NewDataset: %d values are not a whole number of %d×%d×%d images", len(images), c, h, w)
	}
	if n := len(images) / per; labels != nil && len(labels) != n {
		return nil, fmt.Errorf("data: NewDataset: %d labels for %d images", len(labels), n)
	}
	return &Dataset{images: images, labels: labels, c: c, h: h, w: w}, nil
}

// Len returns the number of images.
func (d *Dataset) Len() int {
	if d == nil || d.c == 0 {
		return 0
	}
	return len(d.images) / d.imageSize()
}

// Shape returns [N, C, H, W].
func (d *Dataset) Shape() []int { return []int{d.Len(), d.c, d.h, d.w} }

// ImageShape returns [C, H, W], the shape of one image.
func (d *Dataset) ImageShape() []int { return []int{d.c, d.h, d.w} }

func (d *Dataset) imageSize() int { return d.c * d.h * d.w }

// Images returns all images as one [N, C, H, W] tensor. It shares the data
// set's storage, which must not be modified.
func (d *Dataset) Images() *tensor.Tensor {
	return tensor.FromSlice(d.images, d.Shape()...)
}

// Image returns the C*H*W values of image i (shared storage, read only).
func (d *Dataset) Image(i int) []float32 {
	k := d.imageSize()
	return d.images[i*k : (i+1)*k : (i+1)*k]
}

// Labels returns the label of every image, or nil for unlabelled data
// (shared storage, read only).
func (d *Dataset) Labels() []int { return d.labels }

// Label returns the label of image i, or -1 for unlabelled data.
func (d *Dataset) Label(i int) int {
	if d.labels == nil {
		return -1
	}
	return d.labels[i]
}

// Subset returns a new data set holding copies of the images at idx, in that
// order; an index may repeat.
func (d *Dataset) Subset(idx []int) (*Dataset, error) {
	n := d.Len()
	for j, i := range idx {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("data: Subset: index %d (position %d) out of range for %d images", i, j, n)
		}
	}
	images, labels := d.gather(idx)
	return &Dataset{images: images, labels: labels, c: d.c, h: d.h, w: d.w}, nil
}

// Split returns the first n images and the rest, sharing d's storage. For a
// random split, Subset a permutation first.
func (d *Dataset) Split(n int) (head, tail *Dataset, err error) {
	if n < 0 || n > d.Len() {
		return nil, nil, fmt.Errorf("data: Split: %d out of range for %d images", n, d.Len())
	}
	k := n * d.imageSize()
	head = &Dataset{images: d.images[:k:k], c: d.c, h: d.h, w: d.w}
	tail = &Dataset{images: d.images[k:], c: d.c, h: d.h, w: d.w}
	if d.labels != nil {
		head.labels, tail.labels = d.labels[:n:n], d.labels[n:]
	}
	return head, tail, nil
}

// gather copies the images and labels at idx, which must be in range.
func (d *Dataset) gather(idx []int) ([]float32, []int) {
	k := d.imageSize()
	images := make([]float32, len(idx)*k)
	for j, i := range idx {
		copy(images[j*k:(j+1)*k], d.images[i*k:(i+1)*k])
	}
	var labels []int
	if d.labels != nil {
		labels = make([]int, len(idx))
		for j, i := range idx {
			labels[j] = d.labels[i]
		}
	}
	return images, labels
}

// bytesToUnit converts 8-bit pixels to float32 in [0, 1] as p/255.
func bytesToUnit(dst []float32, src []byte) {
	var lut [256]float32
	for i := range lut {
		lut[i] = float32(i) / 255
	}
	for i, b := range src {
		dst[i] = lut[b]
	}
}
