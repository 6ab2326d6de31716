package config

import (
	"strings"
	"testing"
)

func TestImageShapeReadsEitherLayoutWhenTheNumbersTell(t *testing.T) {
	for _, c := range []struct {
		dims    Dims
		format  string
		h, w, c int
		read    string
	}{
		{Dims{28, 28, 1}, "", 28, 28, 1, ChannelsLast},
		{Dims{32, 32, 3}, "", 32, 32, 3, ChannelsLast},
		{Dims{3, 32, 32}, "", 32, 32, 3, ChannelsFirst},
		{Dims{1, 28, 28}, "", 28, 28, 1, ChannelsFirst},
		{Dims{16, 16, 32}, "", 16, 16, 32, ChannelsLast},  // square image, 32 channels
		{Dims{32, 16, 16}, "", 16, 16, 32, ChannelsFirst}, // the same, channels first
		{Dims{3, 3, 3}, ChannelsFirst, 3, 3, 3, ChannelsFirst},
		{Dims{4, 8, 2}, ChannelsLast, 4, 8, 2, ChannelsLast}, // data_format decides
		{Dims{4, 8, 2}, ChannelsFirst, 8, 2, 4, ChannelsFirst},
	} {
		h, w, ch, read, err := ImageShape(c.dims, c.format)
		if err != nil || h != c.h || w != c.w || ch != c.c || read != c.read {
			t.Errorf("ImageShape(%v, %q) = %d, %d, %d, %q, %v; want %d, %d, %d, %q", c.dims, c.format, h, w, ch, read, err, c.h, c.w, c.c, c.read)
		}
	}
}

func TestImageShapeAsksForDataFormatWhenAmbiguous(t *testing.T) {
	for _, dims := range []Dims{{3, 3, 3}, {64, 64, 64}, {1, 28, 1}, {8, 16, 32}} {
		_, _, _, _, err := ImageShape(dims, "")
		if err == nil || !strings.Contains(err.Error(), "parameters.data_format: channels_last or channels_first") {
			t.Errorf("%v: error %v, want one asking for data_format", dims, err)
		}
	}
	if _, _, _, _, err := ImageShape(Dims{28, 28, 1}, "NHWC"); err == nil || !strings.Contains(err.Error(), `got "NHWC"`) {
		t.Errorf("unknown data_format: %v", err)
	}
	if _, _, _, _, err := (ModelConfiguration{Parameters: map[string]any{DataFormatParam: 1}}).ImageShapeOf(Dims{28, 28, 1}); err == nil {
		t.Error("a data_format that is not a string was accepted")
	}
}
