package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/serve/client"
)

// Limits are what the server accepts in one request; larger requests are
// refused with 400 (413 for the body) and a message that says the limit.
type Limits struct {
	MaxN         int     // samples per request (default 64)
	MaxSteps     int     // diffusion steps (default 1000)
	MaxTokens    int     // tokens per text sample (default 1024)
	MaxSeconds   float64 // seconds per audio clip (default 10)
	MaxBodyBytes int64   // request body (default 64 KiB)
}

// DefaultLimits are the limits a zero Limits field takes.
var DefaultLimits = Limits{MaxN: 64, MaxSteps: 1000, MaxTokens: 1024, MaxSeconds: 10, MaxBodyBytes: 64 << 10}

// Options configure a Server. Zero fields take the defaults given.
type Options struct {
	// Workers is the number of goroutines that draw samples (default
	// GOMAXPROCS): one request, or one batch, each.
	Workers int
	// Queue is the number of requests that may wait for a worker (default
	// 64); beyond it the server answers 503 with Retry-After.
	Queue int
	// Replicas is the number of copies of each model (default Workers), so
	// that that many requests for one model draw at once: drawing changes
	// a model's state (layer modes, a diffusion model's swapped-in weight
	// average), so a copy serves one worker at a time.
	Replicas int
	// Timeout bounds each sample request, its wait in the queue included
	// (default 60 s); past it the answer is 503 and the drawing stops.
	Timeout time.Duration
	// MaxBatch is the most samples one batch of several requests holds
	// (default Limits.MaxN).
	MaxBatch int
	// Limits bound each request.
	Limits Limits
	// Registry names the models' families (nil: factory.DefaultRegistry).
	Registry *factory.Registry
	// Log receives what the server has to say outside an answer (a
	// sampler that panicked); nil means the standard logger.
	Log *log.Logger
}

// Source is one model to serve. Load returns a fresh copy of it, once per
// replica; Name, when set, replaces the configuration's name.
type Source struct {
	Name string
	Load func() (*job.Checkpointed, error)
}

// Checkpoint is the Source of a training checkpoint (a run's output
// directory or the file), rebuilt with reg (nil: the default registry);
// dataDir is searched first for the table a tabular model was fit on.
func Checkpoint(path string, reg *factory.Registry, dataDir string) Source {
	return Source{Load: func() (*job.Checkpointed, error) { return job.LoadCheckpointData(path, reg, dataDir) }}
}

// Server draws samples over HTTP (see the package documentation). Its
// Handler serves the endpoints; Serve runs it on a listener until its
// context ends, then shuts down gracefully.
type Server struct {
	opts    Options
	models  map[string]*entry
	names   []string
	queue   *queue
	metrics *metrics
	stop    chan struct{}
	workers sync.WaitGroup
	closing atomic.Bool
	close   sync.Once
	log     *log.Logger
}

// New loads every source's replicas and starts the workers.
func New(sources []Source, o Options) (*Server, error) {
	if len(sources) == 0 {
		return nil, errors.New("serve: no model to serve")
	}
	o = o.withDefaults()
	s := &Server{opts: o, models: make(map[string]*entry), queue: newQueue(o.Queue), stop: make(chan struct{}), log: o.Log}
	if s.log == nil {
		s.log = log.Default()
	}
	for _, src := range sources {
		e, err := newEntry(src, o)
		if err != nil {
			return nil, err
		}
		if _, dup := s.models[e.name]; dup {
			return nil, fmt.Errorf("serve: two models are named %q; give one another name (NAME=DIR)", e.name)
		}
		s.models[e.name] = e
		s.names = append(s.names, e.name)
	}
	slices.Sort(s.names)
	s.metrics = newMetrics(s)
	for range o.Workers {
		s.workers.Add(1)
		go s.work()
	}
	return s, nil
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Queue <= 0 {
		o.Queue = 64
	}
	if o.Replicas <= 0 {
		o.Replicas = o.Workers
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	l, d := &o.Limits, DefaultLimits
	if l.MaxN <= 0 {
		l.MaxN = d.MaxN
	}
	if l.MaxSteps <= 0 {
		l.MaxSteps = d.MaxSteps
	}
	if l.MaxTokens <= 0 {
		l.MaxTokens = d.MaxTokens
	}
	if l.MaxSeconds <= 0 {
		l.MaxSeconds = d.MaxSeconds
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = l.MaxN
	}
	if o.Registry == nil {
		o.Registry = factory.DefaultRegistry()
	}
	return o
}

// entry is one served model: what it draws and its replicas.
type entry struct {
	name     string
	info     client.Model
	kind     kind
	step     int64
	replicas chan *job.Checkpointed
}

func newEntry(src Source, o Options) (*entry, error) {
	var e *entry
	for i := range o.Replicas {
		c, err := src.Load()
		if err != nil {
			return nil, fmt.Errorf("serve: %w", err)
		}
		// Models given in code may still be in training mode; checkpoints
		// are not. Each replica is set once here, before any worker sees it.
		nn.SetTraining(c.Model, false)
		if i == 0 {
			if e, err = describe(src.Name, c, o); err != nil {
				return nil, err
			}
			e.replicas = make(chan *job.Checkpointed, o.Replicas)
		}
		e.replicas <- c
	}
	return e, nil
}

// describe makes the entry of a model from its first replica.
func describe(name string, c *job.Checkpointed, o Options) (*entry, error) {
	if name == "" {
		name = c.Config.Name
	}
	if name == "" || strings.ContainsAny(name, "/?#%") {
		return nil, fmt.Errorf("serve: model name %q: want a non-empty name without / ? # %%", name)
	}
	k, ok := kinds[sampling.KindOf(c.Model)]
	if !ok {
		return nil, fmt.Errorf("serve: model %s %s: it translates test images of a data set; serve draws samples from a model's own noise", name, sampling.Describe(c.Model))
	}
	cfg, err := json.Marshal(c.Config)
	if err != nil {
		return nil, fmt.Errorf("serve: model %s: configuration: %w", name, err)
	}
	var step int64
	if c.Checkpoint != nil {
		step = c.Checkpoint.Step
	}
	e := &entry{name: name, kind: k, step: step}
	e.info = client.Model{
		Name:    name,
		Class:   c.Config.ModelClass,
		Family:  o.Registry.DetectModelType(c.Config.ModelClass),
		Kind:    string(sampling.KindOf(c.Model)),
		Formats: k.formats(c.Model),
		Options: append(sampling.OptionNames(c.Model), k.fields...),
		Batches: k.rows != nil && rowIndependent(c.Model),
		Step:    step,
		Config:  cfg,
	}
	if e.info.Options == nil {
		e.info.Options = []string{}
	}
	return e, nil
}

// Handler returns the server's endpoints:
//
//	GET  /v1/models
//	POST /v1/models/{name}/samples
//	GET  /healthz
//	GET  /metrics
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v1/models", only(http.MethodGet, http.HandlerFunc(s.list)))
	mux.Handle("/v1/models/{name}/samples", only(http.MethodPost, http.HandlerFunc(s.sample)))
	mux.Handle("/healthz", only(http.MethodGet, http.HandlerFunc(s.health)))
	mux.Handle("/metrics", only(http.MethodGet, s.metrics.handler()))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &httpError{http.StatusNotFound, fmt.Sprintf("no endpoint %s; the endpoints are %s", r.URL.Path, endpoints)})
	})
	return mux
}

const endpoints = "GET /v1/models, POST /v1/models/{name}/samples, GET /healthz, GET /metrics"

// only answers requests of one method (and HEAD for GET) with h and the
// others with 405.
func only(method string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", method)
			writeError(w, &httpError{http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: this endpoint answers %s; the endpoints are %s", r.Method, r.URL.Path, method, endpoints)})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Serve answers requests on l until ctx ends (artifex serve ends it on
// SIGTERM or Ctrl-C), then shuts down gracefully: it stops accepting
// connections, lets the requests in flight finish (each within the
// request timeout), and stops the workers.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: s.log}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(l) }()
	select {
	case err := <-served:
		s.Close()
		return err
	case <-ctx.Done():
	}
	s.closing.Store(true)
	grace, cancel := context.WithTimeout(context.Background(), s.opts.Timeout+5*time.Second)
	defer cancel()
	err := hs.Shutdown(grace)
	s.Close()
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// Close stops the workers once their batches are drawn; requests still
// queued are answered 503. Serve calls it after the requests in flight
// have their answers.
func (s *Server) Close() {
	s.close.Do(func() {
		s.closing.Store(true)
		for _, j := range s.queue.shut() {
			j.done <- outcome{err: errShuttingDown}
		}
		close(s.stop)
		s.workers.Wait()
	})
}

// list answers GET /v1/models.
func (s *Server) list(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, client.Models{Models: s.Models(), Limits: client.Limits(s.opts.Limits)})
}

// health answers GET /healthz: 200 while serving, 503 once shutting down.
func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	if s.closing.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "models": len(s.names)})
}

// Models describes the served models, sorted by name.
func (s *Server) Models() []client.Model {
	out := make([]client.Model, len(s.names))
	for i, name := range s.names {
		out[i] = s.models[name].info
	}
	return out
}
