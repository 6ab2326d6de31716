package config

import "fmt"

// Image layouts a three-number image shape can be written in, as the
// parameter "data_format" names them (Keras's names).
const (
	ChannelsLast  = "channels_last"  // [H, W, C], as (28, 28, 1)
	ChannelsFirst = "channels_first" // [C, H, W], as (3, 32, 32)
)

// DataFormatParam is the parameter that says how a three-number image
// shape is laid out when the numbers alone do not tell.
const DataFormatParam = "data_format"

// ImageShape reads a three-number image shape in either layout and
// returns its height, width and channels, and the layout it read.
// dataFormat is the configuration's "data_format" parameter ("" when not
// given); when given it decides. Otherwise the numbers decide, and only
// when they leave one reading:
//
//   - exactly one end is a usual channel count (1 to 4): (28, 28, 1) is
//     channels-last, (3, 32, 32) channels-first;
//   - else the two equal numbers are height and width of a square image:
//     (16, 16, 32) is channels-last, (32, 16, 16) channels-first.
//
// Anything else, such as (3, 3, 3) or (64, 64, 64), is an error asking for
// data_format. Images in Artifex configurations are written both ways
// (the seed's DCGAN output_dim is (3, 32, 32), its VAE input_dim
// (28, 28, 1)), so neither layout can be assumed.
func ImageShape(dims Dims, dataFormat string) (h, w, c int, format string, err error) {
	if len(dims) != 3 {
		return 0, 0, 0, "", fmt.Errorf("an image shape has three numbers, [H, W, C] or [C, H, W]; got %v", []int(dims))
	}
	a, b, z := dims[0], dims[1], dims[2]
	switch dataFormat {
	case ChannelsLast:
		return a, b, z, ChannelsLast, nil
	case ChannelsFirst:
		return b, z, a, ChannelsFirst, nil
	case "":
	default:
		return 0, 0, 0, "", fmt.Errorf("parameter %q must be %q or %q, got %q", DataFormatParam, ChannelsLast, ChannelsFirst, dataFormat)
	}
	channels := func(n int) bool { return n >= 1 && n <= 4 }
	switch {
	case channels(z) && !channels(a):
		return a, b, z, ChannelsLast, nil
	case channels(a) && !channels(z):
		return b, z, a, ChannelsFirst, nil
	case a == b && b != z:
		return a, b, z, ChannelsLast, nil
	case b == z && a != b:
		return b, z, a, ChannelsFirst, nil
	}
	return 0, 0, 0, "", fmt.Errorf("image shape %v reads as [H, W, C] or as [C, H, W]; say which with parameters.%s: %s or %s",
		[]int(dims), DataFormatParam, ChannelsLast, ChannelsFirst)
}

// ImageShapeOf reads dims as an image shape with the configuration's own
// data_format parameter (see ImageShape).
func (c ModelConfiguration) ImageShapeOf(dims Dims) (h, w, ch int, format string, err error) {
	f, ok := c.Parameters[DataFormatParam]
	var s string
	if ok {
		if s, ok = f.(string); !ok {
			return 0, 0, 0, "", fmt.Errorf("parameter %q must be %q or %q, got %s", DataFormatParam, ChannelsLast, ChannelsFirst, Describe(f))
		}
	}
	return ImageShape(dims, s)
}
