// Package client is the Go client of `artifex serve`: it lists a server's
// models and draws samples over HTTP with the standard library alone, so
// that a Go service can ask a sampling server for samples without linking
// the models themselves. The types here are also the server's wire format.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Request asks a model for samples. Zero fields take the server's
// defaults (n 1, seed 0, the model's first format) or the model's own
// (temperature, steps, sampler, eta); the same request, seed included,
// gives the same bytes.
type Request struct {
	// N is the number of samples, 1 to the server's max_n.
	N int `json:"n,omitempty"`
	// Seed seeds the sampling streams.
	Seed uint64 `json:"seed,omitempty"`
	// Temperature scales a flow's base or a VAE's prior (language and
	// audio models: the sampling temperature).
	Temperature *float64 `json:"temperature,omitempty"`
	// Steps is a diffusion model's number of denoising steps.
	Steps *int `json:"steps,omitempty"`
	// Sampler is a diffusion model's sampler: ddpm or ddim (DDPM),
	// euler_maruyama or pc (ScoreDiffusion).
	Sampler string `json:"sampler,omitempty"`
	// Eta is DDIM's η: 0 is deterministic.
	Eta *float64 `json:"eta,omitempty"`
	// Format is one of the model's formats (Model.Formats).
	Format string `json:"format,omitempty"`
	// Prompt is the text a language model continues (default "\n").
	Prompt *string `json:"prompt,omitempty"`
	// MaxTokens is the number of tokens a language model writes per
	// sample (default 200).
	MaxTokens int `json:"max_tokens,omitempty"`
	// TopK keeps a language model's k most likely tokens (0: all).
	TopK int `json:"top_k,omitempty"`
	// TopP is a language model's nucleus mass (default 0.95; 1: all).
	TopP *float64 `json:"top_p,omitempty"`
	// Seconds is the length of an audio model's clips (default 2).
	Seconds float64 `json:"seconds,omitempty"`
}

// Model describes a model a server serves (GET /v1/models).
type Model struct {
	Name  string `json:"name"`
	Class string `json:"model_class"`
	// Family is the factory's type of the class: vae, gan, diffusion ...
	Family string `json:"family"`
	// Kind is what its samples are: images, points, shapes, sequences,
	// text, audio or table.
	Kind string `json:"kind"`
	// Formats are the formats it answers in, the default first.
	Formats []string `json:"formats"`
	// Options are the request fields it reads besides n, seed and format.
	Options []string `json:"options"`
	// Batches reports whether concurrent requests for it are drawn in one
	// batch (each still gets the bytes it would get alone).
	Batches bool `json:"batches"`
	// Step is the training step of its checkpoint.
	Step int64 `json:"step"`
	// Config is its effective configuration.
	Config json.RawMessage `json:"config"`
}

// Limits are what a server accepts in one request.
type Limits struct {
	MaxN         int     `json:"max_n"`
	MaxSteps     int     `json:"max_steps"`
	MaxTokens    int     `json:"max_tokens"`
	MaxSeconds   float64 `json:"max_seconds"`
	MaxBodyBytes int64   `json:"max_body_bytes"`
}

// Models is the answer of GET /v1/models.
type Models struct {
	Models []Model `json:"models"`
	Limits Limits  `json:"limits"`
}

// Samples are the encoded samples of one request.
type Samples struct {
	// ContentType is the body's media type: image/png, application/json,
	// audio/wav, chemical/x-pdb, application/zip (several files) ...
	ContentType string
	Body        []byte
	// Batch is the number of requests drawn in the same batch as this one.
	Batch int
}

// Arrays is a JSON answer: samples as nested arrays of the given shape
// (images [n, C, H, W] in [0, 1], points [n, D]), or strings (sequences,
// text).
type Arrays struct {
	Model   string          `json:"model"`
	Step    int64           `json:"step"`
	Seed    uint64          `json:"seed"`
	Shape   []int           `json:"shape,omitempty"`
	Samples json.RawMessage `json:"samples"`
}

// Arrays decodes a JSON answer.
func (s *Samples) Arrays() (*Arrays, error) {
	if !strings.HasPrefix(s.ContentType, "application/json") {
		return nil, fmt.Errorf("client: samples are %s, not JSON (ask for format json)", s.ContentType)
	}
	var a Arrays
	if err := json.Unmarshal(s.Body, &a); err != nil {
		return nil, fmt.Errorf("client: decoding samples: %w", err)
	}
	return &a, nil
}

// Error is an error answer: the HTTP status and the server's message,
// which says what is allowed. RetryAfter is set when the server is busy
// (503 with Retry-After).
type Error struct {
	Status     int
	Message    string
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("artifex serve: %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Busy reports whether err is the server turning a request away because
// its queue is full; the request can be sent again after e.RetryAfter.
func Busy(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusServiceUnavailable && e.RetryAfter > 0
}

// Client talks to one server.
type Client struct {
	// BaseURL is the server's address, such as http://127.0.0.1:8080.
	BaseURL string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
}

// New returns a client of the server at baseURL.
func New(baseURL string) *Client { return &Client{BaseURL: strings.TrimRight(baseURL, "/")} }

// Models lists the server's models and limits.
func (c *Client) Models(ctx context.Context) (*Models, error) {
	body, _, err := c.do(ctx, http.MethodGet, "/v1/models", nil)
	if err != nil {
		return nil, err
	}
	var m Models
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("client: decoding the model list: %w", err)
	}
	return &m, nil
}

// Sample draws samples from the named model.
func (c *Client) Sample(ctx context.Context, model string, req Request) (*Samples, error) {
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	body, h, err := c.do(ctx, http.MethodPost, "/v1/models/"+url.PathEscape(model)+"/samples", payload)
	if err != nil {
		return nil, err
	}
	batch, _ := strconv.Atoi(h.Get("X-Artifex-Batch"))
	return &Samples{ContentType: h.Get("Content-Type"), Body: body, Batch: batch}, nil
}

// Health returns nil when the server is up and not shutting down.
func (c *Client) Health(ctx context.Context) error {
	_, _, err := c.do(ctx, http.MethodGet, "/healthz", nil)
	return err
}

// do sends one request and returns the body of a 200 answer, or an
// *Error for any other status.
func (c *Client) do(ctx context.Context, method, path string, payload []byte) ([]byte, http.Header, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return nil, nil, fmt.Errorf("client: %w", err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("client: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("client: reading the answer to %s %s: %w", method, path, err)
	}
	if resp.StatusCode == http.StatusOK {
		return body, resp.Header, nil
	}
	e := &Error{Status: resp.StatusCode, Message: strings.TrimSpace(string(body))}
	var msg struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &msg) == nil && msg.Error != "" {
		e.Message = msg.Error
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return nil, nil, e
}
