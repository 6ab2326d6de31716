"""Golden values for modality/audio, computed with numpy (and cross-checked
against torch.stft, torch 1.13). torchaudio is not installed here, so the mel
filterbank is written out from its definition (HTK mel scale, triangular
filters, no normalisation), the same definition torchaudio's melscale_fbanks
documents.

Run: /usr/bin/python3 gen_golden_audio.py  (writes golden_audio.json)
"""
import json

import numpy as np
import torch

SR = 8000
N = 2000
t = np.arange(N) / SR
# A deterministic test signal: two tones, a chirp and a decaying envelope.
sig = (0.5 * np.sin(2 * np.pi * 440 * t) + 0.25 * np.sin(2 * np.pi * 1250 * t + 0.3)
       + 0.2 * np.sin(2 * np.pi * (200 * t + 3000 * t * t))) * np.exp(-t)
sig = sig.astype(np.float32)
est = (0.9 * sig + 0.05 * np.sin(2 * np.pi * 3000 * t)).astype(np.float32)

N_FFT, HOP, N_MELS = 256, 64, 20


def stft_mag(x):
    p = N_FFT // 2
    xp = np.pad(x.astype(np.float64), (p, p), mode="reflect")
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)
    frames = 1 + (len(xp) - N_FFT) // HOP
    out = np.stack([np.fft.rfft(xp[i * HOP:i * HOP + N_FFT] * win) for i in range(frames)])
    return np.abs(out)


def mel_fb(sr, n_fft, n_mels, fmin, fmax):
    n_freqs = n_fft // 2 + 1
    all_freqs = np.linspace(0, sr // 2, n_freqs)
    to_mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)
    to_hz = lambda m: 700.0 * (10 ** (m / 2595.0) - 1.0)
    f_pts = to_hz(np.linspace(to_mel(fmin), to_mel(fmax), n_mels + 2))
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts[None, :] - all_freqs[:, None]
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return np.maximum(0, np.minimum(down, up))


mag = stft_mag(sig)
ref_torch = torch.stft(torch.tensor(sig, dtype=torch.float64), N_FFT, HOP, window=torch.hann_window(N_FFT, dtype=torch.float64),
                       center=True, pad_mode="reflect", return_complex=True).abs().numpy().T
assert np.allclose(mag, ref_torch, atol=1e-9), "numpy STFT disagrees with torch.stft"

fb = mel_fb(SR, N_FFT, N_MELS, 0.0, SR / 2)
logmel = np.log(np.maximum(mag ** 2 @ fb, 1e-10))

mag_est = stft_mag(est)
sc = np.linalg.norm(mag - mag_est) / np.linalg.norm(mag)
eps = 1e-10
lsd = np.mean(np.sqrt(np.mean((10 * np.log10((mag ** 2 + eps) / (mag_est ** 2 + eps))) ** 2, axis=1)))

mu = 255
x_mu = np.sign(sig) * np.log1p(mu * np.abs(sig)) / np.log1p(mu)
codes = np.floor((x_mu + 1) / 2 * mu + 0.5).astype(int)
y = 2 * codes / mu - 1
decoded = np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu

out = {
    "sample_rate": SR, "n_fft": N_FFT, "hop": HOP, "n_mels": N_MELS,
    "signal": [float(v) for v in sig], "estimate": [float(v) for v in est],
    "stft_magnitude_frames_0_3": mag[:3].tolist(),
    "frames": int(mag.shape[0]),
    "mel_filterbank": fb.tolist(),
    "log_mel": logmel.tolist(),
    "spectral_convergence": float(sc), "log_spectral_distance": float(lsd),
    "mulaw_codes": codes.tolist(), "mulaw_decoded": decoded.tolist(),
}
with open("golden_audio.json", "w") as f:
    json.dump(out, f)
print("frames", mag.shape, "sc", sc, "lsd", lsd)
