package checkpoint

import (
	"bytes"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// Scalar state (a flow's ActNorm "initialized" flag) must come back as a
// scalar, or RestoreModel refuses the model's own checkpoint.
func TestScalarTensorRoundTripsAsScalar(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, []Tensor{Float32("s", tensor.Scalar(1.5))}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := f.Get("s")
	v, err := e.ToTensor()
	if err != nil {
		t.Fatal(err)
	}
	if v.NDim() != 0 || v.Item() != 1.5 {
		t.Fatalf("scalar came back with shape %v and value %v, want shape [] and 1.5", v.Shape(), v.Data())
	}
}
