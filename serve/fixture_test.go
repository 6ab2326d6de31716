package serve_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/serve"
	"github.com/artifex-go/artifex/serve/client"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

// runs holds the checkpoints the tests train, once per test binary.
var runs struct {
	once      sync.Once
	dir       string
	vae, ddpm string
	err       error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "serve-test")
	if err != nil {
		panic(err)
	}
	runs.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// checkpoints returns a vae_mnist trained for 20 steps and a
// diffusion_mnist trained for 2, on real MNIST.
func checkpoints(t testing.TB) (vae, ddpm string) {
	t.Helper()
	runs.once.Do(func() {
		if err := factory.RegisterDataSets(); err != nil {
			runs.err = err
			return
		}
		runs.vae, runs.err = trainPreset("vae_mnist", 20)
		if runs.err == nil {
			runs.ddpm, runs.err = trainPreset("diffusion_mnist", 2)
		}
	})
	if runs.err != nil {
		t.Fatal(runs.err)
	}
	return runs.vae, runs.ddpm
}

func trainPreset(name string, steps int) (string, error) {
	cfg, err := zoo.GetConfig(name)
	if err != nil {
		return "", err
	}
	s, err := train.SettingsFromConfig(cfg)
	if err != nil {
		return "", err
	}
	s.Steps, s.BatchSize = steps, 32
	out := filepath.Join(runs.dir, name)
	if _, err := job.Run(context.Background(), cfg, s, job.Options{Options: train.Options{OutDir: out, Quiet: true, Samples: -1}}); err != nil {
		return "", fmt.Errorf("training %s for %d steps: %w", name, steps, err)
	}
	return out, nil
}

// probe is an image model of 4×4 pixels for tests of the server itself:
// it notes whether it drew with gradient recording on, and when gate is
// set it waits for a token from gate before drawing, so that a test
// knows what the workers are doing.
type probe struct {
	name     string
	gate     chan struct{}
	started  chan struct{}
	recorded atomic.Int64
	draws    atomic.Int64
}

func newProbe(name string, gated bool) *probe {
	p := &probe{name: name, started: make(chan struct{}, 100)}
	if gated {
		p.gate = make(chan struct{})
	}
	return p
}

func (p *probe) Config() config.ModelConfiguration {
	return config.ModelConfiguration{Name: p.name, ModelClass: "serve_test.Probe"}
}

func (p *probe) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	if tensor.GradEnabled() {
		p.recorded.Add(1)
	}
	p.draws.Add(1)
	select {
	case p.started <- struct{}{}:
	default: // nobody is watching this many draws
	}
	if p.gate != nil {
		<-p.gate
	}
	return rngs.Sample().Uniform(0, 1, n, 1, 4, 4)
}

// source serves an in-code model (the same value for every replica).
func source(m interface {
	Config() config.ModelConfiguration
}) serve.Source {
	return serve.Source{Load: func() (*job.Checkpointed, error) {
		return &job.Checkpointed{Model: m, Config: m.Config()}, nil
	}}
}

// server starts a server on loopback and returns its client; both stop
// when the test ends.
func server(t testing.TB, o serve.Options, sources ...serve.Source) (*serve.Server, *client.Client) {
	t.Helper()
	s, err := serve.New(sources, o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	t.Cleanup(func() {
		hc.CloseIdleConnections()
		ts.Close()
		s.Close()
	})
	return s, &client.Client{BaseURL: ts.URL, HTTP: hc}
}

// settleGoroutines waits up to 5 s for the number of goroutines to fall
// to at most want, and returns the last count.
func settleGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); n > want && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond)
	}
	return n
}

// netListen listens on a free loopback port.
func netListen(t testing.TB) (net.Listener, error) {
	t.Helper()
	return net.Listen("tcp", "127.0.0.1:0")
}
