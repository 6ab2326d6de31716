package data

import "fmt"

// ReadMNIST reads an MNIST-format pair of IDX files (images [N, H, W] and
// labels [N] with values 0–9), as shipped for MNIST and Fashion-MNIST, into
// a data set of shape [N, 1, H, W].
func ReadMNIST(imagesPath, labelsPath string) (*Dataset, error) {
	img, err := ReadIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	if len(img.Dims) != 3 || img.Dims[1] == 0 || img.Dims[2] == 0 {
		return nil, fmt.Errorf("data: IDX file %s: images must have dimensions [N H W] with H, W > 0, got %v", imagesPath, img.Dims)
	}
	lab, err := ReadIDX(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(lab.Dims) != 1 {
		return nil, fmt.Errorf("data: IDX file %s: labels must have one dimension, got %v", labelsPath, lab.Dims)
	}
	n := img.Dims[0]
	if lab.Dims[0] != n {
		return nil, fmt.Errorf("data: %d images in %s but %d labels in %s", n, imagesPath, lab.Dims[0], labelsPath)
	}
	labels := make([]int, n)
	for i, b := range lab.Data {
		if b > 9 {
			return nil, fmt.Errorf("data: IDX file %s: label %d of example %d is not a digit 0–9", labelsPath, b, i)
		}
		labels[i] = int(b)
	}
	images := make([]float32, len(img.Data))
	bytesToUnit(images, img.Data)
	return &Dataset{images: images, labels: labels, c: 1, h: img.Dims[1], w: img.Dims[2]}, nil
}
