package audio

import (
	"fmt"
	"math"
	"math/cmplx"
)

// STFTOptions configures a short-time Fourier transform: frames of NFFT
// samples (a power of two) every Hop samples, each multiplied by a periodic
// Hann window; with Center the signal is first reflect-padded by NFFT/2 on
// both sides so that frame t is centred on sample t·Hop (torch.stft's
// default).
type STFTOptions struct {
	NFFT, Hop int
	Center    bool
}

func (o STFTOptions) validate(n int) error {
	if o.NFFT < 2 || o.NFFT&(o.NFFT-1) != 0 {
		return fmt.Errorf("audio: STFT n_fft must be a power of two ≥ 2, got %d", o.NFFT)
	}
	if o.Hop <= 0 {
		return fmt.Errorf("audio: STFT hop must be > 0, got %d", o.Hop)
	}
	if o.Center && n <= o.NFFT/2 {
		return fmt.Errorf("audio: STFT with centring needs more than n_fft/2 = %d samples for reflect padding, got %d", o.NFFT/2, n)
	}
	if !o.Center && n < o.NFFT {
		return fmt.Errorf("audio: STFT needs at least n_fft = %d samples, got %d", o.NFFT, n)
	}
	return nil
}

// STFT returns the complex spectrum of every frame: [frames][NFFT/2+1].
func STFT(x []float32, o STFTOptions) ([][]complex128, error) {
	if err := o.validate(len(x)); err != nil {
		return nil, err
	}
	sig := make([]float64, 0, len(x)+o.NFFT)
	if o.Center {
		p := o.NFFT / 2
		for i := p; i >= 1; i-- {
			sig = append(sig, float64(x[i]))
		}
		for _, v := range x {
			sig = append(sig, float64(v))
		}
		for i := len(x) - 2; i >= len(x)-1-p; i-- {
			sig = append(sig, float64(x[i]))
		}
	} else {
		for _, v := range x {
			sig = append(sig, float64(v))
		}
	}
	win := make([]float64, o.NFFT)
	for i := range win {
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(o.NFFT))
	}
	frames := 1 + (len(sig)-o.NFFT)/o.Hop
	out := make([][]complex128, frames)
	buf := make([]complex128, o.NFFT)
	for t := range frames {
		for i := range buf {
			buf[i] = complex(sig[t*o.Hop+i]*win[i], 0)
		}
		fft(buf)
		out[t] = append([]complex128(nil), buf[:o.NFFT/2+1]...)
	}
	return out, nil
}

// fft transforms a in place (radix-2, len(a) a power of two).
func fft(a []complex128) {
	n := len(a)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j |= bit
		if i < j {
			a[i], a[j] = a[j], a[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := range size / 2 {
				u, v := a[start+k], a[start+k+size/2]*w
				a[start+k], a[start+k+size/2] = u+v, u-v
				w *= step
			}
		}
	}
}

// Magnitude returns |S| of a spectrogram, [frames][bins].
func Magnitude(s [][]complex128) [][]float64 {
	out := make([][]float64, len(s))
	for t, row := range s {
		out[t] = make([]float64, len(row))
		for k, v := range row {
			out[t][k] = cmplx.Abs(v)
		}
	}
	return out
}

// MelOptions configures a mel spectrogram: the STFT, NMels triangular
// filters evenly spaced on the HTK mel scale m = 2595·log10(1 + f/700)
// between FMin and FMax (0: the Nyquist frequency), applied to the power
// spectrum.
type MelOptions struct {
	SampleRate int
	STFT       STFTOptions
	NMels      int
	FMin, FMax float64
}

// MelFilterbank returns the [NFFT/2+1][NMels] filter weights: filter m
// rises linearly from frequency f[m] to f[m+1] and falls to f[m+2], the
// f[i] being NMels+2 points evenly spaced in mel; bin k is at frequency
// k·(SampleRate/2)/(NFFT/2).
func MelFilterbank(o MelOptions) ([][]float64, error) {
	fmax := o.FMax
	if fmax == 0 {
		fmax = float64(o.SampleRate) / 2
	}
	switch {
	case o.SampleRate <= 0:
		return nil, fmt.Errorf("audio: mel sample rate must be > 0, got %d", o.SampleRate)
	case o.NMels <= 0:
		return nil, fmt.Errorf("audio: number of mel filters must be > 0, got %d", o.NMels)
	case !(o.FMin >= 0 && o.FMin < fmax && fmax <= float64(o.SampleRate)/2):
		return nil, fmt.Errorf("audio: mel range [%g, %g] Hz must satisfy 0 ≤ f_min < f_max ≤ %g (Nyquist)", o.FMin, fmax, float64(o.SampleRate)/2)
	case o.STFT.NFFT < 2:
		return nil, fmt.Errorf("audio: mel n_fft must be ≥ 2, got %d", o.STFT.NFFT)
	}
	bins := o.STFT.NFFT/2 + 1
	toMel := func(f float64) float64 { return 2595 * math.Log10(1+f/700) }
	toHz := func(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }
	lo, hi := toMel(o.FMin), toMel(fmax)
	pts := make([]float64, o.NMels+2)
	for i := range pts {
		pts[i] = toHz(lo + (hi-lo)*float64(i)/float64(o.NMels+1))
	}
	nyq := float64(o.SampleRate / 2)
	fb := make([][]float64, bins)
	for k := range fb {
		f := nyq * float64(k) / float64(bins-1)
		fb[k] = make([]float64, o.NMels)
		for m := range o.NMels {
			down := (f - pts[m]) / (pts[m+1] - pts[m])
			up := (pts[m+2] - f) / (pts[m+2] - pts[m+1])
			fb[k][m] = max(0, min(down, up))
		}
	}
	return fb, nil
}

// LogMelSpectrogram returns log(max(mel power, 1e-10)) of x,
// [frames][NMels].
func LogMelSpectrogram(x []float32, o MelOptions) ([][]float64, error) {
	fb, err := MelFilterbank(o)
	if err != nil {
		return nil, err
	}
	s, err := STFT(x, o.STFT)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(s))
	for t, row := range s {
		out[t] = make([]float64, o.NMels)
		for k, v := range row {
			p := real(v)*real(v) + imag(v)*imag(v)
			for m, w := range fb[k] {
				out[t][m] += p * w
			}
		}
		for m := range out[t] {
			out[t][m] = math.Log(max(out[t][m], 1e-10))
		}
	}
	return out, nil
}

// spectra returns the magnitude spectrograms of two signals of equal
// length.
func spectra(ref, est []float32, o STFTOptions) (a, b [][]float64, err error) {
	if len(ref) != len(est) {
		return nil, nil, fmt.Errorf("audio: reference has %d samples, estimate %d; they must match", len(ref), len(est))
	}
	sa, err := STFT(ref, o)
	if err != nil {
		return nil, nil, err
	}
	sb, err := STFT(est, o)
	if err != nil {
		return nil, nil, err
	}
	return Magnitude(sa), Magnitude(sb), nil
}

// SpectralConvergence returns ‖|S_ref| - |S_est|‖_F / ‖|S_ref|‖_F, the
// relative error of the magnitude spectrogram (0 for identical signals).
func SpectralConvergence(ref, est []float32, o STFTOptions) (float64, error) {
	a, b, err := spectra(ref, est, o)
	if err != nil {
		return 0, err
	}
	num, den := 0.0, 0.0
	for t := range a {
		for k := range a[t] {
			d := a[t][k] - b[t][k]
			num += d * d
			den += a[t][k] * a[t][k]
		}
	}
	if den == 0 {
		return 0, fmt.Errorf("audio: spectral convergence of a silent reference is undefined")
	}
	return math.Sqrt(num / den), nil
}

// LogSpectralDistance returns the mean over frames of the root mean
// square over frequency bins of 10·log10((|S_ref|²+ε)/(|S_est|²+ε)), in
// dB, with ε = 1e-10.
func LogSpectralDistance(ref, est []float32, o STFTOptions) (float64, error) {
	a, b, err := spectra(ref, est, o)
	if err != nil {
		return 0, err
	}
	const eps = 1e-10
	total := 0.0
	for t := range a {
		s := 0.0
		for k := range a[t] {
			d := 10 * math.Log10((a[t][k]*a[t][k]+eps)/(b[t][k]*b[t][k]+eps))
			s += d * d
		}
		total += math.Sqrt(s / float64(len(a[t])))
	}
	return total / float64(len(a)), nil
}
