package checkpoint

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// IEEE 754 binary16 and bfloat16 encodings of values whose bits are
// fixed by the formats' definitions.
func TestHalfAndBFloatBitsFollowIEEERoundingToNearestEven(t *testing.T) {
	for _, c := range []struct {
		f          float32
		half, bf16 uint16
	}{
		{1, 0x3c00, 0x3f80},
		{-2, 0xc000, 0xc000},
		{0, 0x0000, 0x0000},
		{float32(math.Copysign(0, -1)), 0x8000, 0x8000},
		{0.1, 0x2e66, 0x3dcd},          // 0x3dcccccd: both round up
		{1.0 / 3, 0x3555, 0x3eab},      // 0x3eaaaaab
		{65504, 0x7bff, 0x4780},        // the largest half; float32 0x477fe000 rounds up to bfloat16 65536
		{1 + 1.0/2048, 0x3c00, 0x3f80}, // a tie: even mantissa 0 kept
		{1 + 3.0/2048, 0x3c02, 0x3f80}, // a tie: odd mantissa 1 rounds up to 2
		{0x1p-14, 0x0400, 0x3880},      // the smallest normal half
		{0x1p-24, 0x0001, 0x3380},      // the smallest subnormal half
		{0x1p-25, 0x0000, 0x3300},      // a tie with zero: rounds to even (zero)
		{0x1.8p-25, 0x0001, 0x3340},    // past the tie: rounds up to the smallest subnormal
		{0x1.ffcp-15, 0x0400, 0x3880},  // the largest subnormal rounds up into the normals
		{float32(math.Inf(1)), 0x7c00, 0x7f80},
		{float32(math.Inf(-1)), 0xfc00, 0xff80},
	} {
		if got := halfBits(c.f); got != c.half {
			t.Errorf("float16(%g) = %#04x, want %#04x", c.f, got, c.half)
		}
		if got := bfloatBits(c.f); got != c.bf16 {
			t.Errorf("bfloat16(%g) = %#04x, want %#04x", c.f, got, c.bf16)
		}
	}
	nan := float32(math.NaN())
	if h := halfToFloat32(halfBits(nan)); !math.IsNaN(float64(h)) {
		t.Errorf("float16(NaN) widens to %g, want NaN", h)
	}
	if b := bfloatBits(nan); b&0x7f80 != 0x7f80 || b&0x7f == 0 {
		t.Errorf("bfloat16(NaN) = %#04x, want a NaN", b)
	}
}

func TestEveryHalfWidensToFloat32AndRoundsBackToItself(t *testing.T) {
	for h := range uint32(1 << 16) {
		f := halfToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			continue
		}
		if back := halfBits(f); back != uint16(h) {
			t.Fatalf("half %#04x widens to %g, which rounds back to %#04x", h, f, back)
		}
	}
}

func TestFloat16RefusesAFiniteValueBeyondItsRange(t *testing.T) {
	_, err := Float16("model/w", tensor.FromSlice([]float32{1, 70000}, 2))
	if err == nil || !strings.Contains(err.Error(), "model/w") || !strings.Contains(err.Error(), "index 1") {
		t.Fatalf("Float16 of 70000: error %v, want one naming the tensor and the index", err)
	}
}

// weightsOf is a tiny model's checkpoint as an export writes it: the
// parameters may be narrowed, the non-trainable state may not.
func weightsOf(t *testing.T, m *tinyModel, dtype DType) (*Checkpoint, string) {
	t.Helper()
	c := &Checkpoint{Step: 7, Model: nn.State(m), Config: []byte(`{"name":"tiny"}`), Metadata: map[string]string{"average": "ema"}}
	params := map[string]bool{}
	for _, p := range nn.Parameters(m) {
		params[p.Name] = true
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := c.SaveWeights(path, dtype, func(name string) bool { return params[name] }); err != nil {
		t.Fatal(err)
	}
	return c, path
}

func TestWeightsRoundTripExactlyInFloat32AndWithinHalfAPrecisionStepNarrower(t *testing.T) {
	m := newTinyModel(3)
	m.Running.Data()[0] = 1 + 1.0/4096 // a value half precision cannot hold
	for _, c := range []struct {
		dtype DType
		rel   float64 // relative rounding error bound of the type
	}{{F32, 0}, {F16, 0x1p-11}, {BF16, 0x1p-8}} {
		_, path := weightsOf(t, m, c.dtype)
		got, err := ReadModel(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Weights != c.dtype || got.Step != 7 || string(got.Config) != `{"name":"tiny"}` || got.Metadata["average"] != "ema" {
			t.Fatalf("%s: read back dtype %q, step %d, config %s, metadata %v", c.dtype, got.Weights, got.Step, got.Config, got.Metadata)
		}
		if got.Optim != nil || got.EMA != nil || got.RNG != nil || got.Data != nil {
			t.Fatalf("%s: a weights file read back optimizer, average, streams or data position", c.dtype)
		}
		restored := newTinyModel(99)
		if err := got.RestoreModel(restored); err != nil {
			t.Fatal(err)
		}
		want, have := nn.State(m), nn.State(restored)
		for i := range want {
			for j, w := range want[i].Tensor.Data() {
				h := have[i].Tensor.Data()[j]
				bound := c.rel * math.Abs(float64(w))
				if want[i].Name == "running" {
					bound = 0 // state stays float32
				}
				if math.Abs(float64(h-w)) > bound {
					t.Errorf("%s: %s[%d] = %g after the round trip, want %g within %g", c.dtype, want[i].Name, j, h, w, bound)
				}
			}
		}
	}
}

func TestReadRefusesWeightsOnlyFileForResuming(t *testing.T) {
	_, path := weightsOf(t, newTinyModel(1), F16)
	_, err := Read(path)
	if err == nil || !strings.Contains(err.Error(), "not resumed") {
		t.Fatalf("Read of exported weights: error %v, want a refusal to resume", err)
	}
}

func TestDamagedWeightsFileIsRefusedNamingTheTensor(t *testing.T) {
	_, path := weightsOf(t, newTinyModel(1), BF16)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0x10 // the last tensor's data: "running", stored last
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadModel(path)
	if err == nil || !strings.Contains(err.Error(), "running") || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("ReadModel of a damaged file: error %v, want one naming tensor running", err)
	}
}

func TestSaveWeightsRefusesAnUnsupportedDType(t *testing.T) {
	c := &Checkpoint{Model: nn.State(newTinyModel(1))}
	err := c.SaveWeights(filepath.Join(t.TempDir(), "w.safetensors"), I8, func(string) bool { return true })
	if err == nil || !strings.Contains(err.Error(), "I8") {
		t.Fatalf("SaveWeights as I8: error %v, want one naming the type", err)
	}
}
