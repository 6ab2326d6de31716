package audio

import (
	"bytes"
	"github.com/artifex-go/artifex/internal/goldentest"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type golden struct {
	SampleRate   int         `json:"sample_rate"`
	NFFT         int         `json:"n_fft"`
	Hop          int         `json:"hop"`
	NMels        int         `json:"n_mels"`
	Signal       []float32   `json:"signal"`
	Estimate     []float32   `json:"estimate"`
	Mag3         [][]float64 `json:"stft_magnitude_frames_0_3"`
	Frames       int         `json:"frames"`
	Filterbank   [][]float64 `json:"mel_filterbank"`
	LogMel       [][]float64 `json:"log_mel"`
	SC           float64     `json:"spectral_convergence"`
	LSD          float64     `json:"log_spectral_distance"`
	MuLawCodes   []int       `json:"mulaw_codes"`
	MuLawDecoded []float64   `json:"mulaw_decoded"`
}

func loadGolden(t *testing.T) golden { return goldentest.Load[golden](t, "testdata/golden_audio.json") }

func approx(a, b, tol float64) bool { return math.Abs(a-b) <= tol*(1+math.Abs(b)) }

func TestMuLawMatchesNumpy(t *testing.T) {
	g := loadGolden(t)
	codes, err := MuLawEncode(g.Signal, 256)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range codes {
		if c != g.MuLawCodes[i] {
			t.Fatalf("code %d = %d, numpy %d (sample %v)", i, c, g.MuLawCodes[i], g.Signal[i])
		}
	}
	dec, err := MuLawDecode(codes, 256)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range dec {
		if !approx(float64(v), g.MuLawDecoded[i], 1e-6) {
			t.Fatalf("decoded %d = %v, numpy %v", i, v, g.MuLawDecoded[i])
		}
	}
}

func TestMuLawRoundTrips(t *testing.T) {
	all := make([]int, 256)
	for i := range all {
		all[i] = i
	}
	x, _ := MuLawDecode(all, 256)
	back, _ := MuLawEncode(x, 256)
	for i := range all {
		if back[i] != i {
			t.Fatalf("encode(decode(%d)) = %d", i, back[i])
		}
	}
	// decode(encode(x)) is within half a quantisation step of x: the step
	// of mu-law at |x| is about (1+μ|x|)·ln(1+μ)/μ · 2/μ.
	for k := range 2001 {
		v := float32(k)/1000 - 1
		c, _ := MuLawEncode([]float32{v}, 256)
		d, _ := MuLawDecode(c, 256)
		step := (1 + 255*math.Abs(float64(v))) * math.Log(256) / 255 * 2 / 255
		if math.Abs(float64(d[0]-v)) > step {
			t.Fatalf("x = %v decodes to %v, more than a step %v away", v, d[0], step)
		}
	}
	if _, err := MuLawDecode([]int{256}, 256); err == nil || !strings.Contains(err.Error(), "outside [0, 256)") {
		t.Errorf("code 256: err = %v", err)
	}
}

func TestSTFTAndLogMelMatchNumpy(t *testing.T) {
	g := loadGolden(t)
	o := STFTOptions{NFFT: g.NFFT, Hop: g.Hop, Center: true}
	s, err := STFT(g.Signal, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != g.Frames {
		t.Fatalf("%d frames, numpy %d", len(s), g.Frames)
	}
	mag := Magnitude(s)
	for f := range g.Mag3 {
		for k := range g.Mag3[f] {
			if !approx(mag[f][k], g.Mag3[f][k], 1e-5) {
				t.Fatalf("|S[%d][%d]| = %g, numpy %g", f, k, mag[f][k], g.Mag3[f][k])
			}
		}
	}
	mo := MelOptions{SampleRate: g.SampleRate, STFT: o, NMels: g.NMels}
	fb, err := MelFilterbank(mo)
	if err != nil {
		t.Fatal(err)
	}
	for k := range g.Filterbank {
		for m := range g.Filterbank[k] {
			if !approx(fb[k][m], g.Filterbank[k][m], 1e-9) {
				t.Fatalf("filterbank[%d][%d] = %g, numpy %g", k, m, fb[k][m], g.Filterbank[k][m])
			}
		}
	}
	lm, err := LogMelSpectrogram(g.Signal, mo)
	if err != nil {
		t.Fatal(err)
	}
	for f := range g.LogMel {
		for m := range g.LogMel[f] {
			if math.Abs(lm[f][m]-g.LogMel[f][m]) > 1e-4 {
				t.Fatalf("log-mel[%d][%d] = %g, numpy %g", f, m, lm[f][m], g.LogMel[f][m])
			}
		}
	}
}

func TestSpectralMetricsMatchNumpyAndVanishOnIdenticalSignals(t *testing.T) {
	g := loadGolden(t)
	o := STFTOptions{NFFT: g.NFFT, Hop: g.Hop, Center: true}
	sc, err := SpectralConvergence(g.Signal, g.Estimate, o)
	if err != nil {
		t.Fatal(err)
	}
	lsd, err := LogSpectralDistance(g.Signal, g.Estimate, o)
	if err != nil {
		t.Fatal(err)
	}
	if !approx(sc, g.SC, 1e-5) || !approx(lsd, g.LSD, 1e-4) {
		t.Errorf("SC %g LSD %g; numpy %g and %g", sc, lsd, g.SC, g.LSD)
	}
	sc, _ = SpectralConvergence(g.Signal, g.Signal, o)
	lsd, _ = LogSpectralDistance(g.Signal, g.Signal, o)
	if sc != 0 || lsd != 0 {
		t.Errorf("identical signals: SC %g, LSD %g; want 0", sc, lsd)
	}
	if _, err := SpectralConvergence(g.Signal, g.Signal[:100], o); err == nil || !strings.Contains(err.Error(), "must match") {
		t.Errorf("lengths differ: err = %v", err)
	}
	if _, err := STFT(g.Signal, STFTOptions{NFFT: 100, Hop: 10}); err == nil || !strings.Contains(err.Error(), "power of two") {
		t.Errorf("n_fft 100: err = %v", err)
	}
}

func TestWAVRoundTripsMonoAndStereo(t *testing.T) {
	for _, nc := range []int{1, 2} {
		c := &Clip{SampleRate: 8000}
		for ch := range nc {
			x := make([]float32, 500)
			for i := range x {
				x[i] = float32(math.Sin(float64(i*(ch+1))*0.05)) * 0.9
			}
			c.Channels = append(c.Channels, x)
		}
		c.Channels[0][3] = 1.5 // clipped to the largest sample
		var b bytes.Buffer
		if err := WriteWAV(&b, c); err != nil {
			t.Fatal(err)
		}
		if b.Len() != 44+2*nc*500 {
			t.Errorf("%d channels: %d bytes, want %d", nc, b.Len(), 44+2*nc*500)
		}
		got, err := ReadWAV(&b)
		if err != nil {
			t.Fatal(err)
		}
		if got.SampleRate != 8000 || len(got.Channels) != nc || got.Len() != 500 {
			t.Fatalf("read back %d Hz, %d channels, %d samples", got.SampleRate, len(got.Channels), got.Len())
		}
		for ch := range nc {
			for i, v := range got.Channels[ch] {
				want := float64(min(c.Channels[ch][i], 32767.0/32768))
				if math.Abs(float64(v)-want) > 0.5/32768+1e-9 {
					t.Fatalf("channel %d sample %d: %v, wrote %v", ch, i, v, c.Channels[ch][i])
				}
			}
		}
	}
}

func TestReadWAVRejectsWhatItCannotRead(t *testing.T) {
	var b bytes.Buffer
	WriteWAV(&b, &Clip{SampleRate: 8000, Channels: [][]float32{{0, 0.5}}})
	raw := b.Bytes()
	eight := bytes.Clone(raw)
	eight[34] = 8 // bits per sample
	for want, in := range map[string][]byte{
		"no RIFF/WAVE header": []byte("not a wave file at all"),
		"8-bit samples":       eight,
	} {
		if _, err := ReadWAV(bytes.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
	if err := WriteWAV(&b, &Clip{SampleRate: 8000, Channels: make([][]float32, 3)}); err == nil || !strings.Contains(err.Error(), "1 (mono) or 2 (stereo)") {
		t.Errorf("three channels: err = %v", err)
	}
}

func TestReadsRealEspeakSpeech(t *testing.T) {
	c, err := ReadWAVFile("testdata/seven_espeak.wav")
	if err != nil {
		t.Fatal(err)
	}
	if c.SampleRate != 22050 || len(c.Channels) != 1 || c.Len() != 16302 {
		t.Fatalf("%d Hz, %d channels, %d samples; want espeak-ng's 22050 Hz mono, 16302 samples", c.SampleRate, len(c.Channels), c.Len())
	}
	peak := float32(0)
	for _, v := range c.Channels[0] {
		peak = max(peak, v, -v)
	}
	if peak < 0.1 {
		t.Errorf("peak %v: the word is missing", peak)
	}
}

func tone(freq float64, rate, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return x
}

func TestResampleKeepsInBandTonesAndRemovesAliases(t *testing.T) {
	y, err := Resample(tone(440, 16000, 3200), 16000, 8000, 16)
	if err != nil {
		t.Fatal(err)
	}
	if len(y) != 1600 {
		t.Fatalf("%d samples, want 1600", len(y))
	}
	want := tone(440, 8000, 1600)
	for i := 100; i < 1500; i++ { // away from the edges
		if math.Abs(float64(y[i]-want[i])) > 5e-3 {
			t.Fatalf("sample %d: %v, want %v", i, y[i], want[i])
		}
	}
	up, _ := Resample(tone(440, 8000, 1600), 8000, 22050, 16)
	want = tone(440, 22050, len(up))
	for i := 300; i < len(up)-300; i++ {
		if math.Abs(float64(up[i]-want[i])) > 5e-3 {
			t.Fatalf("upsampled %d: %v, want %v", i, up[i], want[i])
		}
	}
	alias, _ := Resample(tone(6000, 16000, 3200), 16000, 8000, 16)
	rms := 0.0
	for _, v := range alias[100:1500] {
		rms += float64(v * v)
	}
	if rms = math.Sqrt(rms / 1400); rms > 0.02 {
		t.Errorf("a 6 kHz tone resampled to 8 kHz keeps RMS %.3f (of 0.354): it aliases", rms)
	}
	if _, err := Resample(y, 0, 8000, 16); err == nil {
		t.Error("rate 0 accepted")
	}
}

func TestLoadDirNamesTheGenerator(t *testing.T) {
	_, err := LoadDir(t.TempDir(), 8000)
	if err == nil || !strings.Contains(err.Error(), "gen_speech.sh") {
		t.Errorf("empty directory: err = %v", err)
	}
	dir := t.TempDir()
	b, _ := os.ReadFile("testdata/seven_espeak.wav")
	os.WriteFile(filepath.Join(dir, "seven.wav"), b, 0o644)
	waves, err := LoadDir(dir, 8000)
	if err != nil {
		t.Fatal(err)
	}
	if len(waves) != 1 || len(waves[0]) != int(math.Ceil(16302*8000.0/22050)) {
		t.Errorf("loaded %d waves of %d samples", len(waves), len(waves[0]))
	}
}
