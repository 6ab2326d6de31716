package checkpoint

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/artifex-go/artifex/tensor"
)

// Float16 encodes t's values as an F16 entry (IEEE 754 binary16), each
// rounded to the nearest half-precision value, ties to even. A finite
// value beyond the largest half (65504, after rounding) is an error naming
// the tensor, since it would turn into an infinity.
func Float16(name string, t *tensor.Tensor) (Tensor, error) {
	vals := t.Data()
	b := make([]byte, 2*len(vals))
	for i, v := range vals {
		h := halfBits(v)
		if h&0x7fff == 0x7c00 && !math.IsInf(float64(v), 0) {
			return Tensor{}, fmt.Errorf("checkpoint: %s: value %g at index %d is beyond float16's range (±65504)", name, v, i)
		}
		binary.LittleEndian.PutUint16(b[2*i:], h)
	}
	return Tensor{Name: name, DType: F16, Shape: slices.Clone(t.Shape()), Data: b}, nil
}

// BFloat16 encodes t's values as a BF16 entry (the upper half of a
// float32), each rounded to the nearest bfloat16, ties to even; bfloat16
// has float32's range, so no finite value overflows but the largest few.
func BFloat16(name string, t *tensor.Tensor) Tensor {
	vals := t.Data()
	b := make([]byte, 2*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint16(b[2*i:], bfloatBits(v))
	}
	return Tensor{Name: name, DType: BF16, Shape: slices.Clone(t.Shape()), Data: b}
}

// halfBits rounds f to binary16, to nearest with ties to even; NaNs stay
// NaNs (quiet) and overflow gives an infinity.
func halfBits(f float32) uint16 {
	x := math.Float32bits(f)
	sign := uint16(x>>16) & 0x8000
	exp := int32(x>>23) & 0xff
	mant := x & 0x7fffff
	switch {
	case exp == 0xff && mant != 0:
		return sign | 0x7e00 | uint16(mant>>13)
	case exp == 0xff:
		return sign | 0x7c00
	}
	e := exp - 127 + 15 // the half's biased exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// A subnormal half (or zero): the implicit bit joins the mantissa,
		// which shifts right by 14 - e places with rounding.
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint32(14 - e)
		return sign | uint16(roundShift(m, shift))
	}
	// A carry out of the rounded mantissa moves into the exponent, which
	// is exactly the next binade (or infinity at the top).
	return sign | uint16(uint32(e)<<10+roundShift(mant, 13))
}

// roundShift returns m >> shift rounded to nearest, ties to even.
func roundShift(m, shift uint32) uint32 {
	q := m >> shift
	rem := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rem > half || rem == half && q&1 == 1 {
		q++
	}
	return q
}

// bfloatBits rounds f to bfloat16, to nearest with ties to even; NaNs
// stay (quiet) NaNs.
func bfloatBits(f float32) uint16 {
	x := math.Float32bits(f)
	if x&0x7fffffff > 0x7f800000 {
		return uint16(x>>16) | 0x40
	}
	return uint16(roundShift(x, 16))
}

// halfToFloat32 widens a binary16 value exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// A subnormal half is a normal float32: mant × 2^-24.
		v := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(sign | math.Float32bits(v))
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// decodeFloats widens an F32, F16 or BF16 entry to float32 values.
func (t Tensor) decodeFloats() ([]float32, error) {
	switch t.DType {
	case F16, BF16:
		out := make([]float32, len(t.Data)/2)
		for i := range out {
			h := binary.LittleEndian.Uint16(t.Data[2*i:])
			if t.DType == F16 {
				out[i] = halfToFloat32(h)
			} else {
				out[i] = math.Float32frombits(uint32(h) << 16)
			}
		}
		return out, nil
	}
	return t.Float32s()
}
