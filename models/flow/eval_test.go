package flow

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// A freshly built image RealNVP is the identity (its couplings' output
// layers start at zero), so its logit-space log-likelihood is the standard
// normal density of the logit-transformed dequantised pixels, and its
// bits/dim adds the transform's log-determinant and D·log 256 to it.
func TestEvaluateReportsTheLogitSpaceLogLikelihood(t *testing.T) {
	const n, alpha = 6, 1e-6
	s := tensor.NewRngs(7).Stream("pixels")
	pixels := make([]float32, n*16)
	for i := range pixels {
		pixels[i] = float32(s.Intn(256)) / 255
	}
	ds, err := data.NewDataset(pixels, nil, 1, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Class: "RealNVP", Shape: []int{1, 4, 4}, Image: []int{1, 4, 4}, Hidden: []int{8}, NumScales: 2, NumLayers: 1,
		BaseDist: "normal", Dequantize: true, LogitAlpha: alpha}
	f, err := New(config.ModelConfiguration{}, spec, nn.NewRngs(3))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := f.Evaluate(ds, tensor.NewRngs(9))
	if err != nil {
		t.Fatal(err)
	}
	// The same dequantisation noise: Evaluate draws it from the stream
	// "dequantize" of its rngs, one batch holding all n images.
	x, ld, err := f.Preprocess(ds.Images(), tensor.NewRngs(9).Stream("dequantize"))
	if err != nil {
		t.Fatal(err)
	}
	var ll, logDet float64
	for _, v := range x.Data() {
		ll += -0.5*math.Log(2*math.Pi) - 0.5*float64(v)*float64(v)
	}
	for _, v := range ld {
		logDet += v
	}
	ll, logDet = ll/n, logDet/n
	if got := ev["logit_log_likelihood"]; math.Abs(got-ll) > 1e-3*math.Abs(ll) {
		t.Errorf("logit_log_likelihood = %v, want %v", got, ll)
	}
	bpd := (16*math.Log(256) - ll - logDet) / 16 / math.Ln2
	if got := ev["bits_per_dim"]; math.Abs(got-bpd) > 1e-3*bpd {
		t.Errorf("bits_per_dim = %v, want %v", got, bpd)
	}
}
