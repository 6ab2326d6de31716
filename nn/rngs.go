// Package nn holds neural-network modules: layers that are plain structs of
// tensors, found by walking the struct, plus the random streams that
// initialise them.
package nn

import "github.com/artifex-go/artifex/tensor"

// Rngs is the set of named random streams models are built and sampled
// with; see tensor.Rngs.
type Rngs = tensor.Rngs

// NewRngs returns random streams derived from seed.
func NewRngs(seed uint64) *Rngs { return tensor.NewRngs(seed) }
