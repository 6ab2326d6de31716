package main

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
)

// memoryEstimate is what training a configuration holds at its peak, in
// bytes, in the accounting of BENCHMARKS.md's memory section: the model
// (weights and whatever it keeps beside them, an EMA copy), gradients and
// optimizer state, and the activations that the backward pass reads, which
// grow with the batch.
type memoryEstimate struct {
	Model, State, Activations float64
	Batch                     int
	GCFactor                  float64 // peak heap over live heap: 1 + GOGC/100
	// ArenaFactor is how many times Activations the step's tensor.Arena
	// holds at its peak (1, or 0, without one; see arenaFactor).
	ArenaFactor float64
	// Data is the training and test splits of the data set as train holds
	// them; DataErr says why they were not counted (Data is then 0).
	Data    float64
	DataErr error
}

// Live is the heap training needs at its peak.
func (e memoryEstimate) Live() float64 { return e.Model + e.State + e.Activations + e.Data }

// Peak is the resident set the process is expected to reach: the live heap,
// with the activations as the step's arena holds them, times the
// collector's headroom.
func (e memoryEstimate) Peak() float64 { return e.held() * e.GCFactor }

// held is the live heap with the activations as the arena holds them.
func (e memoryEstimate) held() float64 {
	return e.Live() + (max(e.ArenaFactor, 1)-1)*e.Activations
}

// arenaFactor is what the arena that runs each training step holds at its
// peak, in multiples of the activations measured here (those a step keeps
// for its backward pass, read from the live heap without an arena): the
// step's buffers stay with the arena for the next step instead of going
// back to the collector, and with them the forward temporaries no layer
// released and the gradients of the activations. Measured on the presets
// of BENCHMARKS.md ("config validate's estimate"), it was 2.3 to 3.3.
func arenaFactor() float64 {
	if tensor.NewArena() == nil { // ARTIFEX_ARENA=off
		return 1
	}
	return 3
}

// estimateMemory measures the training memory of model m, built from cfg
// when the live heap was base, at the batch size of s by running the
// training step itself on data of zeros (a pixel, an angle and a token id
// alike): it builds the optimizer, takes one step at a batch of one
// example, and records the live heap after each stage. The forward passes
// at batches of one and three examples separate the activations that grow
// with the batch from those that do not; the activations at s.BatchSize
// follow by linearity. A step that fails on such data (a model that wants
// labels of its own) is an error, and no estimate.
func estimateMemory(m factory.Model, base float64, cfg config.ModelConfiguration, s train.Settings) (est memoryEstimate, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("a training step on data of zeros failed: %v", r)
		}
	}()
	tm, ok := m.(models.Trainable)
	if !ok {
		return est, fmt.Errorf("%s has no training loss to measure", cfg.ModelClass)
	}
	// Heap differences of a tiny model are within the collector's noise;
	// the weights and, per example, the input are the floor.
	est.Model = max(liveHeap()-base, 4*float64(nn.CountParameters(m)))
	opt, err := train.NewOptimizer(nn.Parameters(m), s, 1)
	if err != nil {
		return est, err
	}
	rngs := tensor.NewRngs(0)
	example := []int(cfg.InputDim)
	if len(example) == 3 {
		// Images come as data sets hold them, channels first.
		format, _ := cfg.Parameters["data_format"].(string)
		if h, w, c, _, err := config.ImageShape(cfg.InputDim, format); err == nil {
			example = []int{c, h, w}
		}
	}
	batch := func(n int) data.Batch {
		shape := append([]int{n}, example...)
		return data.Batch{Images: tensor.Zeros(shape...), Labels: make([]int, n)}
	}
	forward := func(n int) (*tensor.Tensor, float64) {
		before := liveHeap()
		loss, _ := tm.TrainLoss(batch(n), rngs)
		return loss, liveHeap() - before
	}
	loss, one := forward(1)
	loss.Backward()
	opt.Step()
	loss = nil
	// The gradients are dropped before each step's forward pass and
	// rebuilt by its backward pass while the activations are released;
	// both are counted at their full size, an upper bound.
	est.State = max(liveHeap()-base-est.Model, 4*float64(nn.CountParameters(m)))
	runtime.KeepAlive(opt) // its moments are what is being measured
	_, three := forward(3)
	per := max((three-one)/2, 4*float64(numel(cfg.InputDim)))
	est.Batch = s.BatchSize
	est.Activations = max(one-per, 0) + per*float64(s.BatchSize)
	est.ArenaFactor = arenaFactor() // GCFactor follows once the data set is counted
	return est, nil
}

// numel is the number of values in one example of shape dims.
func numel(dims config.Dims) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// estimateData returns the bytes that the training and test splits of the
// data set name take in memory, read as train reads them (from dir first);
// a missing test split counts as empty.
func estimateData(name, dir string) (float64, error) {
	base := liveHeap()
	train, err := data.Load(name, "train", data.LoadOptions{Dir: dir})
	if err != nil {
		return 0, err
	}
	test, _ := data.Load(name, "test", data.LoadOptions{Dir: dir})
	n := liveHeap() - base
	runtime.KeepAlive(train)
	runtime.KeepAlive(test)
	return max(n, 0), nil
}

// liveHeap collects and returns the bytes of live heap objects. It
// collects twice: the kernels' scratch buffers sit in sync.Pools, which
// one collection only moves to their victim caches.
func liveHeap() float64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc)
}

// gcFactor is how far the heap grows past its live part before the
// collector runs: 1 + GOGC/100, with the GOGC that tuneGC gives a live
// heap of this size unless the environment sets one (1 with the
// collector off counts as no headroom).
func gcFactor(live float64) float64 {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	if os.Getenv("GOGC") == "" {
		p = gcPercentFor(live)
	}
	if p < 0 {
		return 1
	}
	return 1 + float64(p)/100
}

// checkFits reports est and refuses, with an error, a configuration whose
// live heap alone exceeds the machine's memory; one that fits only if the
// collector works harder than GOGC asks gets a note on how.
func checkFits(est memoryEstimate, machine float64) (string, error) {
	data := "data set " + humanBytes(est.Data)
	if est.DataErr != nil {
		data = fmt.Sprintf("data set not counted: %v", est.DataErr)
	}
	report := fmt.Sprintf("training memory at batch %d: about %s live (weights %s, gradients and optimizer state %s, activations %s, %s), peak resident set about %s with the step's arena (activations ×%.3g) and the collector's headroom (×%.3g)",
		est.Batch, humanBytes(est.Live()), humanBytes(est.Model), humanBytes(est.State), humanBytes(est.Activations), data, humanBytes(est.Peak()), max(est.ArenaFactor, 1), est.GCFactor)
	if machine <= 0 {
		return report, nil
	}
	report += fmt.Sprintf("; this machine has %s", humanBytes(machine))
	if est.Live() > machine {
		return report, fmt.Errorf("training does not fit in memory: %s; lower the batch size, or set gradient_checkpointing: true in a transformer's or UNet's parameters", report)
	}
	if est.Peak() > machine {
		report += fmt.Sprintf("\nnote: the peak exceeds the machine's memory; set GOMEMLIMIT (for example GOMEMLIMIT=%dMiB) so that the collector runs before the kernel stops the process, or lower the batch size", int(math.Floor(0.9*machine/(1<<20))))
	}
	return report, nil
}
