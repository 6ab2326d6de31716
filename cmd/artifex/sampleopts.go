package main

import (
	"fmt"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/tensor"
)

// translations translates the first n test images of the data set.
func translations(tr sampling.Translator, dataset, dataDir string, n int) (*tensor.Tensor, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sample: number of images must be > 0, got %d", n)
	}
	test, err := data.Load(dataset, "test", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return nil, err
	}
	if n < test.Len() {
		if test, _, err = test.Split(n); err != nil {
			return nil, err
		}
	}
	return tr.Translations(test.Images())
}
