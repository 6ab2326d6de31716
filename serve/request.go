package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/serve/client"
)

// httpError is an answer other than 200: its status and a message that
// says what was wrong and what is allowed.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) *httpError {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

var (
	errShuttingDown = &httpError{http.StatusServiceUnavailable, "the server is shutting down"}
	errQueueFull    = &httpError{http.StatusServiceUnavailable, "every worker is busy and the queue is full; try again after Retry-After seconds"}
)

// statusClientGone is the status recorded (never sent) for a request
// whose client left before its answer, as nginx logs it.
const statusClientGone = 499

// requestFields are the JSON fields of a request, for the message that
// refuses another.
var requestFields = []string{"n", "seed", "temperature", "steps", "sampler", "eta", "format", "prompt", "max_tokens", "top_k", "top_p", "seconds"}

// decodeRequest reads a request body: one JSON object of known fields.
func decodeRequest(body []byte) (client.Request, error) {
	var req client.Request
	if len(bytes.TrimSpace(body)) == 0 {
		return req, nil // every field at its default
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return req, badRequest("request body: %v; the fields are %s", err, strings.Join(requestFields, ", "))
		}
		return req, badRequest("request body is not a JSON object of sampling settings: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, badRequest("request body holds more than one JSON value")
	}
	return req, nil
}

// newJob checks a request against the model and the limits and fills in
// its defaults.
func (s *Server) newJob(ctx context.Context, e *entry, req client.Request) (*task, error) {
	l := s.opts.Limits
	if req.N == 0 {
		req.N = 1
	}
	if req.N < 1 || req.N > l.MaxN {
		return nil, badRequest("n is %d; allowed: 1 to %d (the server's max_n)", req.N, l.MaxN)
	}
	formats := e.info.Formats
	if req.Format == "" {
		req.Format = formats[0]
	}
	if !slices.Contains(formats, req.Format) {
		return nil, badRequest("format %q: model %s draws %s, answered as %s", req.Format, e.name, e.info.Kind, strings.Join(formats, " or "))
	}
	set := map[string]bool{
		sampling.OptionSampler:     req.Sampler != "",
		sampling.OptionSteps:       req.Steps != nil,
		sampling.OptionEta:         req.Eta != nil,
		sampling.OptionTemperature: req.Temperature != nil,
		"prompt":                   req.Prompt != nil,
		"max_tokens":               req.MaxTokens != 0,
		"top_k":                    req.TopK != 0,
		"top_p":                    req.TopP != nil,
		"seconds":                  req.Seconds != 0,
	}
	for _, f := range requestFields {
		if set[f] && !slices.Contains(e.info.Options, f) {
			reads := "nothing but n, seed and format"
			if len(e.info.Options) > 0 {
				reads = strings.Join(e.info.Options, ", ") + " (and n, seed, format)"
			}
			return nil, badRequest("model %s does not read %s; it reads %s", e.name, f, reads)
		}
	}
	if req.Steps != nil && (*req.Steps < 1 || *req.Steps > l.MaxSteps) {
		return nil, badRequest("steps is %d; allowed: 1 to %d (the server's max_steps)", *req.Steps, l.MaxSteps)
	}
	if req.MaxTokens < 0 || req.MaxTokens > l.MaxTokens {
		return nil, badRequest("max_tokens is %d; allowed: 1 to %d (the server's max_tokens)", req.MaxTokens, l.MaxTokens)
	}
	if req.Seconds < 0 || req.Seconds > l.MaxSeconds {
		return nil, badRequest("seconds is %g; allowed: more than 0, at most %g (the server's max_seconds)", req.Seconds, l.MaxSeconds)
	}
	j := &task{ctx: ctx, e: e, req: req, done: make(chan outcome, 1),
		opts: sampling.Options{Sampler: req.Sampler, Steps: req.Steps, Eta: req.Eta, Temperature: req.Temperature}}
	if e.info.Batches {
		j.key = batchKey(req)
	}
	return j, nil
}

// batchKey groups the requests that can share a batch: those that draw
// with the same options (the format is applied to each one's rows).
func batchKey(r client.Request) string {
	opt := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatFloat(*p, 'g', -1, 64)
	}
	steps := "-"
	if r.Steps != nil {
		steps = strconv.Itoa(*r.Steps)
	}
	return strings.Join([]string{r.Sampler, steps, opt(r.Eta), opt(r.Temperature)}, "|")
}

// sample answers POST /v1/models/{name}/samples.
func (s *Server) sample(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := r.PathValue("name")
	e := s.models[name]
	label := ""
	if e != nil {
		label = name
	}
	s.metrics.inFlight.Inc()
	status := http.StatusOK
	defer func() {
		s.metrics.inFlight.Dec()
		s.metrics.observe(label, status, time.Since(start))
	}()
	fail := func(err error) {
		var he *httpError
		if !errors.As(err, &he) {
			he = &httpError{http.StatusInternalServerError, err.Error()}
		}
		status = he.status
		if he == errQueueFull {
			w.Header().Set("Retry-After", "1")
		}
		writeError(w, he)
	}
	if e == nil {
		fail(&httpError{http.StatusNotFound, fmt.Sprintf("no model %q; the server serves %s (GET /v1/models)", name, strings.Join(s.names, ", "))})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.Limits.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			fail(&httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is over %d bytes (the server's max_body_bytes)", tooLarge.Limit)})
			return
		}
		fail(badRequest("reading the request body: %v", err))
		return
	}
	req, err := decodeRequest(body)
	if err != nil {
		fail(err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	j, err := s.newJob(ctx, e, req)
	if err != nil {
		fail(err)
		return
	}
	if s.closing.Load() {
		fail(errShuttingDown)
		return
	}
	if err := s.queue.push(j); err != nil {
		fail(err)
		return
	}
	var out outcome
	select {
	case out = <-j.done:
	case <-ctx.Done():
		s.queue.remove(j)
		select {
		case out = <-j.done: // drawn just in time
		default:
			out.err = ctx.Err()
		}
	}
	switch {
	case out.err == nil:
	case r.Context().Err() != nil:
		status = statusClientGone // nobody to answer
		return
	case errors.Is(out.err, context.DeadlineExceeded):
		fail(&httpError{http.StatusServiceUnavailable, fmt.Sprintf("no answer within the server's timeout of %s (queue wait included); ask for fewer samples or steps", s.opts.Timeout)})
		return
	default:
		fail(out.err)
		return
	}
	s.metrics.samples.WithLabelValues(name).Add(float64(req.N))
	h := w.Header()
	h.Set("Content-Type", out.resp.contentType)
	h.Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", out.resp.filename))
	h.Set("X-Artifex-Batch", strconv.Itoa(out.batch))
	w.WriteHeader(http.StatusOK)
	w.Write(out.resp.body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, e *httpError) {
	writeJSON(w, e.status, map[string]string{"error": e.msg})
}
