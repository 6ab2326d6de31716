// Package audio is the audio modality: WAV files (16-bit PCM, mono or
// stereo) read and written, resampling, mu-law companding, log-mel
// spectrograms, and the spectral metrics of generated audio (spectral
// convergence, log-spectral distance). Its Modality adapts waveform models
// (WaveNet) so that they train on and generate waveforms at a sample rate.
package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Clip is a piece of audio: one slice of samples in [-1, 1] per channel
// (all of the same length) at SampleRate samples per second.
type Clip struct {
	SampleRate int
	Channels   [][]float32
}

// Len returns the number of samples per channel.
func (c *Clip) Len() int {
	if len(c.Channels) == 0 {
		return 0
	}
	return len(c.Channels[0])
}

// Duration returns the length in seconds.
func (c *Clip) Duration() float64 { return float64(c.Len()) / float64(c.SampleRate) }

// Mono returns the clip's samples mixed down to one channel (the mean of
// the channels).
func (c *Clip) Mono() []float32 {
	if len(c.Channels) == 1 {
		return append([]float32(nil), c.Channels[0]...)
	}
	out := make([]float32, c.Len())
	for _, ch := range c.Channels {
		for i, v := range ch {
			out[i] += v
		}
	}
	for i := range out {
		out[i] /= float32(len(c.Channels))
	}
	return out
}

func (c *Clip) validate() error {
	if c.SampleRate <= 0 {
		return fmt.Errorf("audio: sample rate must be > 0, got %d", c.SampleRate)
	}
	if n := len(c.Channels); n != 1 && n != 2 {
		return fmt.Errorf("audio: a clip must have 1 (mono) or 2 (stereo) channels, got %d", n)
	}
	for i, ch := range c.Channels {
		if len(ch) != c.Len() {
			return fmt.Errorf("audio: channel %d has %d samples, channel 0 has %d", i, len(ch), c.Len())
		}
	}
	return nil
}

// ReadWAV decodes a RIFF/WAVE file of 16-bit PCM samples, mono or stereo.
// Chunks other than "fmt " and "data" are skipped.
func ReadWAV(r io.Reader) (*Clip, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("audio: reading WAV: %w", err)
	}
	if len(raw) < 12 || string(raw[0:4]) != "RIFF" || string(raw[8:12]) != "WAVE" {
		return nil, errors.New("audio: not a WAV file (no RIFF/WAVE header)")
	}
	var (
		format, channels, bits uint16
		rate                   uint32
		haveFmt                bool
		samples                []byte
		haveData               bool
	)
	for p := 12; p+8 <= len(raw); {
		id := string(raw[p : p+4])
		size := int(binary.LittleEndian.Uint32(raw[p+4 : p+8]))
		body := raw[p+8:]
		if size > len(body) {
			if id != "data" {
				return nil, fmt.Errorf("audio: WAV chunk %q claims %d bytes, only %d left (truncated file)", id, size, len(body))
			}
			size = len(body) - len(body)%2 // a truncated data chunk: keep the whole samples
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, fmt.Errorf("audio: WAV fmt chunk of %d bytes, want at least 16", size)
			}
			format = binary.LittleEndian.Uint16(body[0:2])
			channels = binary.LittleEndian.Uint16(body[2:4])
			rate = binary.LittleEndian.Uint32(body[4:8])
			bits = binary.LittleEndian.Uint16(body[14:16])
			if format == 0xFFFE && size >= 26 { // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
				format = binary.LittleEndian.Uint16(body[24:26])
			}
			haveFmt = true
		case "data":
			samples, haveData = body, true
		}
		p += 8 + size + size%2
	}
	switch {
	case !haveFmt:
		return nil, errors.New("audio: WAV file has no fmt chunk")
	case !haveData:
		return nil, errors.New("audio: WAV file has no data chunk")
	case format != 1:
		return nil, fmt.Errorf("audio: WAV format %d is not supported; only PCM (1) is", format)
	case bits != 16:
		return nil, fmt.Errorf("audio: WAV with %d-bit samples is not supported; only 16-bit PCM is", bits)
	case channels != 1 && channels != 2:
		return nil, fmt.Errorf("audio: WAV with %d channels is not supported; only mono and stereo are", channels)
	case rate == 0:
		return nil, errors.New("audio: WAV sample rate is 0")
	}
	nc := int(channels)
	frames := len(samples) / (2 * nc)
	clip := &Clip{SampleRate: int(rate), Channels: make([][]float32, nc)}
	for c := range clip.Channels {
		clip.Channels[c] = make([]float32, frames)
	}
	for i := range frames {
		for c := range nc {
			v := int16(binary.LittleEndian.Uint16(samples[2*(i*nc+c):]))
			clip.Channels[c][i] = float32(v) / 32768
		}
	}
	return clip, nil
}

// WriteWAV encodes the clip as 16-bit PCM WAV. Samples are clipped to
// [-1, 1] and rounded to the nearest 16-bit value.
func WriteWAV(w io.Writer, c *Clip) error {
	if err := c.validate(); err != nil {
		return err
	}
	nc, n := len(c.Channels), c.Len()
	dataSize := 2 * nc * n
	var b bytes.Buffer
	b.Grow(44 + dataSize)
	le := binary.LittleEndian
	b.WriteString("RIFF")
	b.Write(le.AppendUint32(nil, uint32(36+dataSize)))
	b.WriteString("WAVEfmt ")
	b.Write(le.AppendUint32(nil, 16))
	b.Write(le.AppendUint16(nil, 1))
	b.Write(le.AppendUint16(nil, uint16(nc)))
	b.Write(le.AppendUint32(nil, uint32(c.SampleRate)))
	b.Write(le.AppendUint32(nil, uint32(c.SampleRate*nc*2)))
	b.Write(le.AppendUint16(nil, uint16(nc*2)))
	b.Write(le.AppendUint16(nil, 16))
	b.WriteString("data")
	b.Write(le.AppendUint32(nil, uint32(dataSize)))
	for i := range n {
		for ch := range nc {
			b.Write(le.AppendUint16(nil, uint16(toPCM16(c.Channels[ch][i]))))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// toPCM16 maps a sample in [-1, 1] to a 16-bit value (the inverse of
// v/32768 on the representable range).
func toPCM16(v float32) int16 {
	x := math.Round(float64(v) * 32768)
	return int16(min(max(x, -32768), 32767))
}

// ReadWAVFile reads a WAV file.
func ReadWAVFile(path string) (*Clip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	defer f.Close()
	c, err := ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// WriteWAVFile writes a clip to a WAV file.
func WriteWAVFile(path string, c *Clip) error {
	var b bytes.Buffer
	if err := WriteWAV(&b, c); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("audio: %w", err)
	}
	return nil
}

// Resample converts samples from rate from to rate to by band-limited
// interpolation: each output sample is a sum of input samples weighted by
// a Hann-windowed sinc whose cut-off is the lower Nyquist frequency, so
// downsampling removes what would alias. zeros is the number of sinc zero
// crossings on each side (16 is transparent for speech; more is sharper).
func Resample(x []float32, from, to, zeros int) ([]float32, error) {
	if from <= 0 || to <= 0 {
		return nil, fmt.Errorf("audio: Resample: rates must be > 0, got %d → %d", from, to)
	}
	if zeros <= 0 {
		return nil, fmt.Errorf("audio: Resample: zero crossings must be > 0, got %d", zeros)
	}
	if from == to {
		return append([]float32(nil), x...), nil
	}
	ratio := float64(to) / float64(from)
	cut := min(1, ratio) // cut-off as a fraction of the input's Nyquist frequency
	half := float64(zeros) / cut
	n := int(math.Ceil(float64(len(x)) * ratio))
	out := make([]float32, n)
	for j := range out {
		t := float64(j) / ratio // position in input samples
		lo := max(0, int(math.Ceil(t-half)))
		hi := min(len(x)-1, int(math.Floor(t+half)))
		s := 0.0
		for i := lo; i <= hi; i++ {
			d := float64(i) - t
			w := 0.5 + 0.5*math.Cos(math.Pi*d/half)
			s += float64(x[i]) * cut * sinc(cut*d) * w
		}
		out[j] = float32(s)
	}
	return out, nil
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// LoadDir reads every .wav file of dir (in name order), mixes each to mono
// and resamples it to rate: the training set of a waveform model, e.g. the
// spoken digits gen_speech.sh synthesises.
func LoadDir(dir string, rate int) ([][]float32, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("audio: no .wav files in %s (make them with modality/audio/gen_speech.sh %s)", dir, dir)
	}
	sort.Strings(paths)
	return loadFiles(paths, rate)
}

// loadFiles reads WAV files, mixes each to mono and resamples it to rate.
func loadFiles(paths []string, rate int) ([][]float32, error) {
	out := make([][]float32, 0, len(paths))
	for _, p := range paths {
		c, err := ReadWAVFile(p)
		if err != nil {
			return nil, err
		}
		x, err := Resample(c.Mono(), c.SampleRate, rate, 16)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, x)
	}
	return out, nil
}
