//go:build !race

package kernels

// raceEnabled is false: run the exhaustive tests in full.
const raceEnabled = false
