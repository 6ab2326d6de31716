package audio

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzReadWAV checks that no input makes the WAV reader panic, that what
// it accepts is a valid clip of samples in [-1, 1), and that 16-bit PCM
// writes back and reads unchanged. Seeds: testdata/fuzz/FuzzReadWAV.
// Longer runs: docs/reliability.md.
func FuzzReadWAV(f *testing.F) {
	var b bytes.Buffer
	WriteWAV(&b, &Clip{SampleRate: 8000, Channels: [][]float32{{0, 0.5, -1, 0.25}}})
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, file []byte) {
		c, err := ReadWAV(bytes.NewReader(file))
		if err != nil {
			return
		}
		if err := c.validate(); err != nil {
			t.Fatalf("accepted clip is invalid: %v", err)
		}
		for _, ch := range c.Channels {
			for _, v := range ch {
				if !(v >= -1 && v < 1) {
					t.Fatalf("sample %v outside [-1, 1)", v)
				}
			}
		}
		var out bytes.Buffer
		if err := WriteWAV(&out, c); err != nil {
			t.Fatalf("accepted clip does not write: %v", err)
		}
		again, err := ReadWAV(&out)
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("written clip reads back as %+v, %v", again, err)
		}
	})
}
