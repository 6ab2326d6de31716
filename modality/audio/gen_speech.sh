#!/bin/sh
# gen_speech.sh DIR: synthesises the spoken-digits training set for WaveNet
# (zoo wavenet_speech) with Debian's espeak-ng (apt-get install espeak-ng):
# the words zero … nine, each by several voices and speaking rates, as
# 16-bit mono WAV files (espeak-ng writes 22050 Hz; audio.LoadDir resamples
# them to the model's rate, 8 kHz by default). Nothing is downloaded.
set -eu
dir=${1:?usage: gen_speech.sh DIR}
mkdir -p "$dir"
command -v espeak-ng >/dev/null || { echo "gen_speech.sh: espeak-ng is not installed (apt-get install espeak-ng)" >&2; exit 1; }
for voice in en en-us en+m3 en+f2 en+f4; do
	for speed in 130 160 190; do
		for word in zero one two three four five six seven eight nine; do
			espeak-ng -v "$voice" -s "$speed" -w "$dir/${word}_${voice}_${speed}.wav" "$word"
		done
	done
done
echo "wrote $(ls "$dir"/*.wav | wc -l) WAV files to $dir"
