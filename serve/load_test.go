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

// loadCase is one model of a load run: the requests it cycles through,
// the bytes each must get, and how many are sent.
type loadCase struct {
	model string
	reqs  []client.Request
	want  [][]byte
	count int
}

// TestLoadOnLoopback sends 500 requests for vae_mnist and 10 for
// diffusion_mnist (2 DDIM steps) from 32 concurrent clients to a server
// with a queue of 16, and checks that each gets its right bytes or a 503,
// that the server counted the same answers, and that no goroutine is left
// after. With ARTIFEX_SERVE_LOAD=1 it sends 5,000 and 50 (20 steps) to a
// server with the default queue, twice, reports latency and throughput
// (BENCHMARKS.md) and checks that the second round leaves no more heap
// than the first.
func TestLoadOnLoopback(t *testing.T) {
	vae, ddpm := checkpoints(t)
	long := os.Getenv("ARTIFEX_SERVE_LOAD") != ""
	vaeCount, ddpmCount, steps, rounds := 500, 10, 2, 1
	opts := serve.Options{Queue: 16} // small enough that 32 clients fill it
	if long {
		vaeCount, ddpmCount, steps, rounds = 5000, 50, 20, 2
		opts.Queue = 0 // the default, 64: throughput with nothing refused
	}
	cases := []*loadCase{{model: "vae_mnist", count: vaeCount}, {model: "diffusion_mnist", count: ddpmCount}}
	for i := range 12 {
		cases[0].reqs = append(cases[0].reqs, client.Request{N: []int{1, 4, 16}[i%3], Seed: uint64(i % 4), Format: []string{"png", "json"}[i/6]})
	}
	for i := range 4 {
		cases[1].reqs = append(cases[1].reqs, client.Request{N: 1 + i%2, Seed: uint64(i), Steps: ptr(steps)})
	}
	sources := []serve.Source{serve.Checkpoint(vae, nil, ""), serve.Checkpoint(ddpm, nil, "")}

	// A first server answers each request alone, which gives the bytes
	// to expect, and starts whatever the process keeps running (kernel
	// workers) before the goroutines are counted.
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
				lc.want = append(lc.want, got.Body)
			}
		}
	}()
	http.DefaultClient.CloseIdleConnections()
	goroutines := settleGoroutines(0)

	var heap []uint64
	for round := range rounds {
		loadRound(t, sources, opts, cases)
		if n := settleGoroutines(goroutines); n > goroutines {
			t.Errorf("round %d: %d goroutines after the server closed, %d before: it left some behind", round+1, n, goroutines)
		}
		runtime.GC()
		runtime.GC() // a second cycle empties the sync.Pools' victim caches
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		heap = append(heap, m.HeapAlloc)
		t.Logf("round %d: %.1f MiB of live heap after the server closed", round+1, float64(m.HeapAlloc)/(1<<20))
	}
	if len(heap) == 2 && heap[1] > heap[0]+16<<20 {
		t.Errorf("the live heap grew from %d MiB after the first round to %d MiB after the second", heap[0]>>20, heap[1]>>20)
	}
}

// loadRound runs one server, sends every case's requests from 32
// concurrent clients, checks the answers and closes the server.
func loadRound(t *testing.T, sources []serve.Source, opts serve.Options, cases []*loadCase) {
	t.Helper()
	s, err := serve.New(sources, opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	transport := &http.Transport{MaxIdleConnsPerHost: 32}
	c := &client.Client{BaseURL: ts.URL, HTTP: &http.Client{Transport: transport}}
	defer func() {
		transport.CloseIdleConnections()
		ts.Close()
		s.Close()
	}()

	type result struct {
		latency time.Duration
		n       int
		batched bool
	}
	var (
		mu       sync.Mutex
		results  = map[string][]result{}
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
	for i := range slices.MaxFunc(cases, func(a, b *loadCase) int { return a.count - b.count }).count {
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
				case !bytes.Equal(got.Body, lc.want[k]):
					failures[lc.model] = append(failures[lc.model], fmt.Sprintf("request %d (%+v, batch of %d): wrong bytes", i, lc.reqs[k], got.Batch))
				default:
					results[lc.model] = append(results[lc.model], result{d, lc.reqs[k].N, got.Batch > 1})
				}
			}
		}
	}
	close(work)
	wg.Wait()
	wall := time.Since(start)

	for _, lc := range cases {
		fails, rs := failures[lc.model], results[lc.model]
		for _, f := range fails[:min(len(fails), 10)] {
			t.Errorf("%s %s", lc.model, f)
		}
		// Every request came back; the server must have counted the same.
		for code, n := range map[int]int{200: len(rs), 503: busy[lc.model]} {
			if got := metric(t, c, fmt.Sprintf(`artifex_serve_requests_total{code="%d",model="%s"}`, code, lc.model)); got != n {
				t.Errorf("%s: the server counted %d answers %d, the clients got %d", lc.model, got, code, n)
			}
		}
		if len(rs) == 0 {
			t.Errorf("%s: no request succeeded", lc.model)
			continue
		}
		lat := make([]time.Duration, len(rs))
		samples, batched := 0, 0
		for i, r := range rs {
			lat[i] = r.latency
			samples += r.n
			if r.batched {
				batched++
			}
		}
		slices.Sort(lat)
		t.Logf("%s: %d requests at 32 clients in %.1f s: %d answered (%d in batches of several), %d refused (503); latency p50 %s, p99 %s; %.0f samples/s",
			lc.model, lc.count, wall.Seconds(), len(rs), batched, busy[lc.model],
			lat[len(lat)/2].Round(100*time.Microsecond), lat[len(lat)*99/100].Round(100*time.Microsecond), float64(samples)/wall.Seconds())
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
