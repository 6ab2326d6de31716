//go:build race

package kernels

// raceEnabled shrinks the exhaustive tests, which the race detector slows
// down by an order of magnitude.
const raceEnabled = true
