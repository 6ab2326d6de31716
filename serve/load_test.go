package serve_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/artifex-go/artifex/serve"
	"github.com/artifex-go/artifex/serve/client"
)

// loadCase is one kind of request of a load run: the model and the
// requests it cycles through.
type loadCase struct {
	model string
	reqs  []client.Request
	count int // requests sent
}

// TestLoadOnLoopback sends 500 requests for vae_mnist and 10 for
// diffusion_mnist (2 DDIM steps) from 32 concurrent clients to a server
// with a queue of 16, and checks that each gets its right bytes or a 503,
// that the server counted the same answers, and that no goroutine is left
// after. With ARTIFEX_SERVE_LOAD=1 it sends 5,000 and 50 (20 steps) to a
// server with the default queue, reports latency and throughput
// (BENCHMARKS.md) and checks the heap too.
func TestLoadOnLoopback(t *testing.T) {
	vae, ddpm := checkpoints(t)
	long := os.Getenv("ARTIFEX_SERVE_LOAD") != ""
	vaeCount, ddpmCount, steps := 500, 10, 2
	if long {
		vaeCount, ddpmCount, steps = 5000, 50, 20
	}
	var vaeReqs, ddpmReqs []client.Request
	for i := range 12 {
		vaeReqs = append(vaeReqs, client.Request{N: []int{1, 4, 16}[i%3], Seed: uint64(i % 4), Format: []string{"png", "json"}[i/6]})
	}
	for i := range 4 {
		ddpmReqs = append(ddpmReqs, client.Request{N: 1 + i%2, Seed: uint64(i), Steps: ptr(steps)})
	}
	cases := []loadCase{{"vae_mnist", vaeReqs, vaeCount}, {"diffusion_mnist", ddpmReqs, ddpmCount}}
	sources := []serve.Source{serve.Checkpoint(vae, nil, ""), serve.Checkpoint(ddpm, nil, "")}
	opts := serve.Options{Queue: 16} // small enough that 32 clients fill it
	if long {
		opts.Queue = 0 // the default, 64: throughput with nothing refused
	}

	// A first server answers each request alone, which gives the bytes
	// to expect, and starts whatever the process keeps running (kernel
	// workers) before the goroutines are counted.
	want := map[string][][]byte{}
	func() {
		s, err := serve.New(sources, opts)
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(s.Handler())
		defer func() { ts.Close(); s.Close() }()
		c := client.New(ts.URL)
		for _, lc := range cases {
			for _, r := range lc.reqs {
				got, err := c.Sample(context.Background(), lc.model, r)
				if err != nil {
					t.Fatal(err)
				}
				want[lc.model] = append(want[lc.model], got.Body)
			}
		}
	}()
	http.DefaultClient.CloseIdleConnections()
	runtime.GC()
	goroutines := settleGoroutines(0)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	s, err := serve.New(sources, opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	transport := &http.Transport{MaxIdleConnsPerHost: 32}
	c := &client.Client{BaseURL: ts.URL, HTTP: &http.Client{Transport: transport}}

	type result struct {
		model   string
		latency time.Duration
		n       int
		batched bool
	}
	var (
		mu       sync.Mutex
		results  []result
		busy     = map[string]int{}
		failures = map[string][]string{}
	)
	work := make(chan func(), 64)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for f := range work {
				f()
			}
		})
	}
	start := time.Now()
	for i := range max(vaeCount, ddpmCount) {
		for _, lc := range cases {
			if i >= lc.count {
				continue
			}
			k := i % len(lc.reqs)
			work <- func() {
				t0 := time.Now()
				got, err := c.Sample(context.Background(), lc.model, lc.reqs[k])
				d := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case client.Busy(err):
					busy[lc.model]++
				case err != nil:
					failures[lc.model] = append(failures[lc.model], fmt.Sprintf("request %d: %v", i, err))
				case !bytes.Equal(got.Body, want[lc.model][k]):
					failures[lc.model] = append(failures[lc.model], fmt.Sprintf("request %d (%+v, batch of %d): wrong bytes", i, lc.reqs[k], got.Batch))
				default:
					results = append(results, result{lc.model, d, lc.reqs[k].N, got.Batch > 1})
				}
			}
		}
	}
	close(work)
	wg.Wait()
	wall := time.Since(start)

	for _, lc := range cases {
		fails := failures[lc.model]
		for _, f := range fails[:min(len(fails), 10)] {
			t.Errorf("%s %s", lc.model, f)
		}
		var lat []time.Duration
		samples, batched := 0, 0
		for _, r := range results {
			if r.model == lc.model {
				lat = append(lat, r.latency)
				samples += r.n
				if r.batched {
					batched++
				}
			}
		}
		// Every request came back; the server must have counted the same.
		for code, n := range map[int]int{200: len(lat), 503: busy[lc.model]} {
			if got := metric(t, c, fmt.Sprintf(`artifex_serve_requests_total{code="%d",model="%s"}`, code, lc.model)); got != n {
				t.Errorf("%s: the server counted %d answers %d, the clients got %d", lc.model, got, code, n)
			}
		}
		if len(lat) == 0 {
			t.Errorf("%s: no request succeeded", lc.model)
			continue
		}
		slices.Sort(lat)
		t.Logf("%s: %d requests at 32 clients in %.1f s: %d answered (%d in batches of several), %d refused (503); latency p50 %s, p99 %s; %.0f samples/s",
			lc.model, lc.count, wall.Seconds(), len(lat), batched, busy[lc.model],
			lat[len(lat)/2].Round(100*time.Microsecond), lat[len(lat)*99/100].Round(100*time.Microsecond), float64(samples)/wall.Seconds())
	}

	transport.CloseIdleConnections()
	ts.Close()
	s.Close()
	if n := settleGoroutines(goroutines); n > goroutines {
		t.Errorf("%d goroutines after the run, %d before: the server left some behind", n, goroutines)
	}
	if long {
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		t.Logf("heap in use: %.1f MiB before the server, %.1f MiB after it closed", float64(before.HeapInuse)/(1<<20), float64(after.HeapInuse)/(1<<20))
		if after.HeapInuse > before.HeapInuse+64<<20 {
			t.Errorf("the heap grew by %d MiB over the run", (after.HeapInuse-before.HeapInuse)>>20)
		}
	}
}

// metric returns the value of a counter in the server's /metrics, 0 when
// it is absent.
func metric(t *testing.T, c *client.Client, series string) int {
	t.Helper()
	resp, err := c.HTTP.Get(c.BaseURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return n
		}
	}
	return 0
}
