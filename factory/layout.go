package factory

import (
	"fmt"

	"github.com/artifex-go/artifex/config"
)

// imageHWC reads dims, a shape given in the configuration, as the image
// shape [H, W, C] when it has three numbers (in either layout; see
// config.ImageShape) and records the layout it read in the effective
// configuration's data_format parameter, so that a reloaded configuration
// reads the same. Other shapes are returned as they are, and then
// data_format must not be given: it would be silently meaningless.
func imageHWC(cfg *config.ModelConfiguration, dims config.Dims) ([]int, error) {
	if len(dims) != 3 {
		if _, given := cfg.Parameters[config.DataFormatParam]; given {
			return nil, fmt.Errorf("parameter %q applies to image shapes of three numbers; this model's shape is %v", config.DataFormatParam, []int(dims))
		}
		return []int(dims), nil
	}
	h, w, c, format, err := cfg.ImageShapeOf(dims)
	if err != nil {
		return nil, err
	}
	cfg.Parameters = WithDefaults(cfg.Parameters, map[string]any{config.DataFormatParam: format})
	return []int{h, w, c}, nil
}

// imageCHW is imageHWC with the channels first, as tensors hold images
// ([C, H, W]); other shapes are returned as they are.
func imageCHW(cfg *config.ModelConfiguration, dims config.Dims) ([]int, error) {
	s, err := imageHWC(cfg, dims)
	if err != nil || len(s) != 3 {
		return s, err
	}
	return []int{s[2], s[0], s[1]}, nil
}
