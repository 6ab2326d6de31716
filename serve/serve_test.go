package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	goimage "image"
	"image/jpeg"
	"image/png"
	"io"
	"log"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/serve"
	"github.com/artifex-go/artifex/serve/client"
	"github.com/artifex-go/artifex/tensor"
)

// grid is the PNG `artifex sample -n n --seed seed` writes for a checkpoint.
func grid(t *testing.T, ckpt string, n int, seed uint64, o sampling.Options) []byte {
	t.Helper()
	c, err := job.LoadCheckpoint(ckpt, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := sampling.DrawImages(c.Model, n, o, tensor.NewRngs(seed))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := image.WriteGrid(&buf, x, 0, image.PNG); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ptr[T any](v T) *T { return &v }

func TestModelsListsWhatEachModelDrawsAndTheLimits(t *testing.T) {
	vae, ddpm := checkpoints(t)
	_, c := server(t, serve.Options{Workers: 1, Limits: serve.Limits{MaxN: 16}},
		serve.Checkpoint(vae, nil, ""), serve.Checkpoint(ddpm, nil, ""), source(newProbe("probe", false)))
	got, err := c.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []client.Model{
		{Name: "diffusion_mnist", Family: "diffusion", Kind: "images", Formats: []string{"png", "jpeg", "json"}, Options: []string{"sampler", "steps", "eta"}, Batches: true, Step: 2},
		{Name: "probe", Family: "unknown", Kind: "images", Formats: []string{"png", "jpeg", "json"}, Options: []string{}},
		{Name: "vae_mnist", Family: "vae", Kind: "images", Formats: []string{"png", "jpeg", "json"}, Options: []string{"temperature"}, Batches: true, Step: 20},
	}
	if len(got.Models) != len(want) {
		t.Fatalf("%d models listed, want %d: %+v", len(got.Models), len(want), got.Models)
	}
	for i, w := range want {
		g := got.Models[i]
		if g.Name != w.Name || g.Family != w.Family || g.Kind != w.Kind || !slices.Equal(g.Formats, w.Formats) || !slices.Equal(g.Options, w.Options) || g.Batches != w.Batches || g.Step != w.Step {
			t.Errorf("model %d is %+v, want %+v", i, g, w)
		}
		var cfg struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(g.Config, &cfg); err != nil || cfg.Name != w.Name {
			t.Errorf("model %s: configuration %s does not name it (%v)", w.Name, g.Config, err)
		}
	}
	if got.Limits.MaxN != 16 || got.Limits.MaxSteps != serve.DefaultLimits.MaxSteps {
		t.Errorf("limits %+v, want max_n 16 and the default max_steps", got.Limits)
	}
}

// TestSamplesAreTheBytesSampleWrites: the same seed gives the same bytes,
// and those are the bytes of `artifex sample`'s grid.
func TestSamplesAreTheBytesSampleWrites(t *testing.T) {
	vae, ddpm := checkpoints(t)
	_, c := server(t, serve.Options{Workers: 2}, serve.Checkpoint(vae, nil, ""), serve.Checkpoint(ddpm, nil, ""))
	ctx := context.Background()

	for _, tc := range []struct {
		model, ckpt string
		req         client.Request
		o           sampling.Options
	}{
		{"vae_mnist", vae, client.Request{N: 16, Seed: 3}, sampling.Options{}},
		{"vae_mnist", vae, client.Request{N: 4, Seed: 3, Temperature: ptr(0.5)}, sampling.Options{Temperature: ptr(0.5)}},
		{"diffusion_mnist", ddpm, client.Request{N: 4, Seed: 9, Steps: ptr(3)}, sampling.Options{Steps: ptr(3)}},
		{"diffusion_mnist", ddpm, client.Request{N: 2, Seed: 9, Steps: ptr(3), Sampler: "ddpm"}, sampling.Options{Steps: ptr(3), Sampler: "ddpm"}},
	} {
		got, err := c.Sample(ctx, tc.model, tc.req)
		if err != nil {
			t.Fatal(err)
		}
		if got.ContentType != "image/png" {
			t.Errorf("%s: content type %s, want image/png", tc.model, got.ContentType)
		}
		if want := grid(t, tc.ckpt, tc.req.N, tc.req.Seed, tc.o); !bytes.Equal(got.Body, want) {
			t.Errorf("%s %+v: the server's PNG differs from artifex sample's", tc.model, tc.req)
		}
		again, err := c.Sample(ctx, tc.model, tc.req)
		if err != nil || !bytes.Equal(again.Body, got.Body) {
			t.Errorf("%s: the same request gave other bytes the second time (%v)", tc.model, err)
		}
	}
	other, err := c.Sample(ctx, "vae_mnist", client.Request{N: 16, Seed: 4})
	if err != nil || bytes.Equal(other.Body, grid(t, vae, 16, 3, sampling.Options{})) {
		t.Errorf("seed 4 gave the bytes of seed 3 (%v)", err)
	}

	one, err := c.Sample(ctx, "vae_mnist", client.Request{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	pic, err := png.Decode(bytes.NewReader(one.Body))
	if err != nil || pic.Bounds() != goimage.Rect(0, 0, 28, 28) {
		t.Errorf("n left out: want one 28×28 image, got %v (%v)", pic.Bounds(), err)
	}
	jp, err := c.Sample(ctx, "vae_mnist", client.Request{N: 4, Format: "jpeg"})
	if err != nil || jp.ContentType != "image/jpeg" {
		t.Fatalf("jpeg: %v, content type %v", err, jp)
	}
	if pic, err := jpeg.Decode(bytes.NewReader(jp.Body)); err != nil || pic.Bounds().Dx() != 2*(28+2)+2 {
		t.Errorf("jpeg: a 2×2 grid of 28-pixel images with 2-pixel borders is 62 wide; got %v (%v)", pic, err)
	}
}

func TestJSONSamplesAreArraysOfTheModelsValues(t *testing.T) {
	vae, _ := checkpoints(t)
	_, c := server(t, serve.Options{Workers: 1}, serve.Checkpoint(vae, nil, ""))
	got, err := c.Sample(context.Background(), "vae_mnist", client.Request{N: 2, Seed: 5, Format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := got.Arrays()
	if err != nil {
		t.Fatal(err)
	}
	var pixels [][][][]float32
	if err := json.Unmarshal(a.Samples, &pixels); err != nil {
		t.Fatal(err)
	}
	m, err := job.LoadCheckpoint(vae, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := sampling.DrawImages(m.Model, 2, sampling.Options{}, tensor.NewRngs(5))
	var flat []float32
	for _, img := range pixels {
		for _, ch := range img {
			for _, row := range ch {
				flat = append(flat, row...)
			}
		}
	}
	if a.Model != "vae_mnist" || a.Seed != 5 || a.Step != 20 || !slices.Equal(a.Shape, []int{2, 1, 28, 28}) || !slices.Equal(flat, want.Data()) {
		t.Errorf("JSON answer %s/%d/%d shape %v: values equal the model's: %v", a.Model, a.Seed, a.Step, a.Shape, slices.Equal(flat, want.Data()))
	}
}

// post sends a raw body and returns the status, the error message of a
// JSON error answer and the answer's headers.
func post(t *testing.T, c *client.Client, path, body string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.HTTP.Post(c.BaseURL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Error string `json:"error"`
	}
	if resp.StatusCode != http.StatusOK {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("POST %s %s: error answer of type %q, want application/json", path, body, ct)
		}
		if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
			t.Errorf("POST %s %s: error answer %q is not {\"error\": ...}", path, body, b)
		}
	}
	return resp.StatusCode, e.Error, resp.Header
}

func TestBadRequestsAreRefusedSayingWhatIsAllowed(t *testing.T) {
	vae, ddpm := checkpoints(t)
	_, c := server(t, serve.Options{Workers: 1, Limits: serve.Limits{MaxN: 8, MaxSteps: 100, MaxBodyBytes: 256}},
		serve.Checkpoint(vae, nil, ""), serve.Checkpoint(ddpm, nil, ""))
	const samples = "/v1/models/vae_mnist/samples"
	for _, tc := range []struct {
		name, path, body string
		status           int
		want             string
	}{
		{"bad JSON", samples, `{"n": 2`, 400, "not a JSON object"},
		{"not an object", samples, `[1, 2]`, 400, "not a JSON object"},
		{"two values", samples, `{} {}`, 400, "more than one JSON value"},
		{"an unknown field", samples, `{"num": 2}`, 400, "the fields are n, seed"},
		{"a string for n", samples, `{"n": "two"}`, 400, "not a JSON object"},
		{"an unknown model", "/v1/models/vae_cifar/samples", `{}`, 404, "serves diffusion_mnist, vae_mnist"},
		{"n too large", samples, `{"n": 9}`, 400, "allowed: 1 to 8"},
		{"n negative", samples, `{"n": -1}`, 400, "allowed: 1 to 8"},
		{"a format of another family", samples, `{"format": "pdb"}`, 400, "answered as png or jpeg or json"},
		{"an option the model does not read", samples, `{"steps": 10}`, 400, "does not read steps; it reads temperature"},
		{"a zero temperature", samples, `{"temperature": 0}`, 400, "temperature must be > 0"},
		{"too many steps", "/v1/models/diffusion_mnist/samples", `{"steps": 101}`, 400, "allowed: 1 to 100"},
		{"eta with the ancestral sampler", "/v1/models/diffusion_mnist/samples", `{"sampler": "ddpm", "eta": 0.5, "steps": 2}`, 400, "eta is DDIM's parameter"},
		{"an unknown sampler", "/v1/models/diffusion_mnist/samples", `{"sampler": "euler", "steps": 2}`, 400, "allowed: ddpm, ddim"},
		{"a body too large", samples, `{"n": 1, "format": "` + strings.Repeat("x", 300) + `"}`, 413, "over 256 bytes"},
	} {
		status, msg, _ := post(t, c, tc.path, tc.body)
		if status != tc.status || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %d %q, want %d and a message with %q", tc.name, status, msg, tc.status, tc.want)
		}
	}
	resp, err := c.HTTP.Get(c.BaseURL + samples)
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET of the samples endpoint: %v %v, want 405 with Allow: POST", resp, err)
	}
	if status, _, _ := post(t, c, samples, ``); status != http.StatusOK {
		t.Errorf("an empty body (every default) got %d, want 200", status)
	}
}

func TestHealthzAndMetricsCountWhatHappened(t *testing.T) {
	vae, _ := checkpoints(t)
	_, c := server(t, serve.Options{Workers: 1}, serve.Checkpoint(vae, nil, ""))
	ctx := context.Background()
	if err := c.Health(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.Sample(ctx, "vae_mnist", client.Request{N: 4}); err != nil {
			t.Fatal(err)
		}
	}
	post(t, c, "/v1/models/vae_mnist/samples", `{"n": 1000}`)
	resp, err := c.HTTP.Get(c.BaseURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(b)
	for _, want := range []string{
		`artifex_serve_requests_total{code="200",model="vae_mnist"} 3`,
		`artifex_serve_requests_total{code="400",model="vae_mnist"} 1`,
		`artifex_serve_samples_total{model="vae_mnist"} 12`,
		`artifex_serve_request_duration_seconds_count{model="vae_mnist"} 4`,
		`artifex_serve_batch_requests_count 3`,
		"artifex_serve_queue_length 0",
		"artifex_serve_in_flight_requests 0",
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestAFullQueueAnswers503WithRetryAfter(t *testing.T) {
	p := newProbe("probe", true)
	s, c := server(t, serve.Options{Workers: 1, Queue: 1}, source(p))
	ctx := context.Background()
	answers := make(chan error, 2)
	go func() { _, err := c.Sample(ctx, "probe", client.Request{Seed: 1}); answers <- err }()
	<-p.started // the worker is busy
	go func() { _, err := c.Sample(ctx, "probe", client.Request{Seed: 2}); answers <- err }()
	waitQueue(t, s, c, 1)
	_, err := c.Sample(ctx, "probe", client.Request{Seed: 3})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || e.RetryAfter != time.Second || !client.Busy(err) {
		t.Fatalf("a third request with one worker busy and the queue's one place taken: %v, want 503 with Retry-After: 1", err)
	}
	p.gate <- struct{}{}
	p.gate <- struct{}{}
	for range 2 {
		if err := <-answers; err != nil {
			t.Errorf("a request the server accepted failed: %v", err)
		}
	}
}

// waitQueue waits until n requests wait in the queue.
func waitQueue(t *testing.T, s *serve.Server, c *client.Client, n int) {
	t.Helper()
	want := "artifex_serve_queue_length " + string(rune('0'+n))
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		resp, err := c.HTTP.Get(c.BaseURL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), want) {
			return
		}
	}
	t.Fatalf("the queue never held %d requests", n)
}

// TestACancelledRequestStopsItsDrawing: a diffusion request whose client
// leaves stops between denoising steps and frees its worker, and a
// request that waited in the queue leaves it.
func TestACancelledRequestStopsItsDrawing(t *testing.T) {
	_, ddpm := checkpoints(t)
	s, c := server(t, serve.Options{Workers: 1}, serve.Checkpoint(ddpm, nil, ""))
	// 1000 DDIM steps of 16 samples take minutes on 2 cores.
	long := client.Request{N: 16, Steps: ptr(1000), Sampler: "ddim"}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	go func() { _, err := c.Sample(ctx, "diffusion_mnist", long); errs <- err }()
	go func() {
		time.Sleep(100 * time.Millisecond) // behind the first, in the queue
		_, err := c.Sample(ctx, "diffusion_mnist", long)
		errs <- err
	}()
	waitQueue(t, s, c, 1)
	time.Sleep(200 * time.Millisecond)
	cancel()
	for range 2 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("a cancelled request returned %v", err)
		}
	}
	start := time.Now()
	if _, err := c.Sample(context.Background(), "diffusion_mnist", client.Request{Steps: ptr(1)}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the next request took %s: the cancelled drawing went on", d)
	}
	waitQueue(t, s, c, 0)
}

func TestARequestPastItsTimeoutIs503(t *testing.T) {
	_, ddpm := checkpoints(t)
	_, c := server(t, serve.Options{Workers: 1, Timeout: 300 * time.Millisecond}, serve.Checkpoint(ddpm, nil, ""))
	_, err := c.Sample(context.Background(), "diffusion_mnist", client.Request{N: 16, Steps: ptr(1000)})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || !strings.Contains(e.Message, "timeout of 300ms") {
		t.Fatalf("a request past the timeout: %v, want 503 naming the timeout", err)
	}
	if client.Busy(err) {
		t.Error("a timeout was answered as a full queue (Retry-After)")
	}
}

// TestBatchedRequestsGetTheBytesTheyGetAlone: requests that wait together
// for the same model and options are drawn as one batch, and each gets
// the bytes it gets alone, for a VAE and for diffusion with a sampler
// that draws new noise at every step.
func TestBatchedRequestsGetTheBytesTheyGetAlone(t *testing.T) {
	vae, ddpm := checkpoints(t)
	gate := newProbe("gate", true)
	s, c := server(t, serve.Options{Workers: 1}, serve.Checkpoint(vae, nil, ""), serve.Checkpoint(ddpm, nil, ""), source(gate))
	ctx := context.Background()
	for _, tc := range []struct {
		model string
		reqs  []client.Request
	}{
		{"vae_mnist", []client.Request{{N: 3, Seed: 1}, {N: 1, Seed: 2}, {N: 5, Seed: 1}, {N: 2, Seed: 7, Format: "json"}}},
		{"diffusion_mnist", []client.Request{{N: 2, Seed: 1, Steps: ptr(3), Sampler: "ddpm"}, {N: 1, Seed: 2, Steps: ptr(3), Sampler: "ddpm"}, {N: 3, Seed: 3, Steps: ptr(3), Sampler: "ddpm"}}},
	} {
		alone := make([][]byte, len(tc.reqs))
		for i, r := range tc.reqs {
			got, err := c.Sample(ctx, tc.model, r)
			if err != nil || got.Batch != 1 {
				t.Fatalf("%s alone: %v (batch %v)", tc.model, err, got)
			}
			alone[i] = got.Body
		}
		// Hold the only worker, queue the requests, let it go.
		held := make(chan error, 1)
		go func() { _, err := c.Sample(ctx, "gate", client.Request{}); held <- err }()
		<-gate.started
		together := make([]*client.Samples, len(tc.reqs))
		var wg sync.WaitGroup
		for i, r := range tc.reqs {
			wg.Go(func() {
				var err error
				if together[i], err = c.Sample(ctx, tc.model, r); err != nil {
					t.Error(err)
				}
			})
		}
		waitQueue(t, s, c, len(tc.reqs))
		gate.gate <- struct{}{}
		wg.Wait()
		if err := <-held; err != nil {
			t.Fatal(err)
		}
		for i, got := range together {
			if got == nil {
				continue
			}
			if got.Batch != len(tc.reqs) {
				t.Errorf("%s request %d was drawn in a batch of %d, want all %d together", tc.model, i, got.Batch, len(tc.reqs))
			}
			if !bytes.Equal(got.Body, alone[i]) {
				t.Errorf("%s request %d (%+v): drawn in a batch, its bytes differ from its bytes alone", tc.model, i, tc.reqs[i])
			}
		}
	}
}

// TestSamplingRecordsNoGradientsWhileATrainerDoes: the workers draw
// without recording, while a goroutine of the same process that trains
// at the same time records every step's graph.
func TestSamplingRecordsNoGradientsWhileATrainerDoes(t *testing.T) {
	p := newProbe("probe", false)
	_, c := server(t, serve.Options{Workers: 2}, source(p))
	stop := make(chan struct{})
	trained := make(chan error, 1)
	go func() {
		w := tensor.FromSlice([]float32{1, 2, 3}, 3)
		w.SetRequiresGrad(true)
		steps := 0
		for {
			select {
			case <-stop:
				trained <- nil
				return
			default:
			}
			loss := tensor.Sum(tensor.Mul(w, w))
			w.ZeroGrad()
			loss.Backward()
			if g := w.Grad(); g == nil || g.Data()[2] != 6 {
				trained <- errors.New("a training step's gradient was not recorded while the server sampled")
				return
			}
			steps++
		}
	}()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 25 {
				if _, err := c.Sample(context.Background(), "probe", client.Request{Seed: uint64(i)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	if err := <-trained; err != nil {
		t.Error(err)
	}
	if n, rec := p.draws.Load(), p.recorded.Load(); n != 200 || rec != 0 {
		t.Errorf("%d draws, %d of them with gradient recording on; want 200 and none", n, rec)
	}
}

// TestServeShutsDownGracefully: once its context ends, Serve refuses new
// connections, answers the request in flight and returns.
func TestServeShutsDownGracefully(t *testing.T) {
	p := newProbe("probe", true)
	s, err := serve.New([]serve.Source{source(p)}, serve.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	l, err := netListen(t)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()
	c := client.New("http://" + l.Addr().String())
	inFlight := make(chan error, 1)
	go func() { _, err := c.Sample(context.Background(), "probe", client.Request{N: 2}); inFlight <- err }()
	<-p.started
	stop() // what SIGTERM does to artifex serve
	deadline := time.Now().Add(5 * time.Second)
	for c.Health(context.Background()) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.Health(context.Background()); err == nil {
		t.Error("the server still answers new requests after its context ended")
	}
	p.gate <- struct{}{}
	if err := <-inFlight; err != nil {
		t.Errorf("the request in flight at shutdown failed: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// panicker is a model whose sampler panics.
type panicker struct{ *probe }

func (*panicker) SampleImages(int, *tensor.Rngs) *tensor.Tensor { panic("out of ideas") }

func TestAModelThatPanicsGets500AndTheServerGoesOn(t *testing.T) {
	var logged bytes.Buffer
	_, c := server(t, serve.Options{Workers: 1, Log: log.New(&logged, "", 0)}, source(&panicker{newProbe("bad", false)}), source(newProbe("good", false)))
	_, err := c.Sample(context.Background(), "bad", client.Request{})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != http.StatusInternalServerError || !strings.Contains(e.Message, "out of ideas") {
		t.Errorf("a panicking model: %v, want 500 with the panic's message", err)
	}
	if !strings.Contains(logged.String(), "model bad panicked") {
		t.Errorf("the panic was not logged: %q", logged.String())
	}
	if _, err := c.Sample(context.Background(), "good", client.Request{}); err != nil {
		t.Errorf("after a panic the server answered %v", err)
	}
}
