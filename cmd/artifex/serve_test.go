package main

import (
	"bufio"
	"bytes"
	"context"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/serve/client"
)

// serveChild, set in the environment, makes the test binary run
// `artifex serve` with the arguments it holds (one per line), as the
// command line would, signals included.
const serveChild = "ARTIFEX_SERVE_CHILD_ARGS"

// TestServeStopsGracefullyOnSIGTERM runs `artifex serve` as a process,
// sends it SIGTERM while a diffusion request is being drawn, and checks
// that the request gets its samples, that new connections are refused
// and that the process ends cleanly.
func TestServeStopsGracefullyOnSIGTERM(t *testing.T) {
	if args := os.Getenv(serveChild); args != "" {
		os.Args = append([]string{"artifex"}, strings.Split(args, "\n")...)
		main()
		return
	}
	out := filepath.Join(t.TempDir(), "ddpm")
	if _, err := run(t, factory.DefaultRegistry(), "train", "--zoo", "diffusion_mnist", "--steps", "1", "--batch-size", "4", "--samples", "0", "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeStopsGracefullyOnSIGTERM$")
	cmd.Env = append(os.Environ(), serveChild+"="+strings.Join([]string{"serve", "--checkpoint", out, "--addr", "127.0.0.1:0", "--workers", "1"}, "\n"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	var addr string
	for addr == "" && lines.Scan() {
		if a, ok := strings.CutPrefix(lines.Text(), "serving on "); ok {
			addr = a
		}
	}
	if addr == "" {
		t.Fatalf("serve printed no address; stderr:\n%s", stderr.String())
	}
	c := client.New(addr)
	type answer struct {
		s   *client.Samples
		err error
	}
	answers := make(chan answer, 1)
	go func() {
		s, err := c.Sample(context.Background(), "diffusion_mnist", client.Request{N: 4, Steps: ptr(200)})
		answers <- answer{s, err}
	}()
	waitInFlight(t, c)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.Health(context.Background()) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.Health(context.Background()); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("after SIGTERM a new request got %v, want a refused connection", err)
	}
	a := <-answers
	if a.err != nil {
		t.Fatalf("the request in flight at SIGTERM failed: %v", a.err)
	}
	if _, err := png.Decode(bytes.NewReader(a.s.Body)); err != nil {
		t.Errorf("the request in flight got no PNG: %v", err)
	}
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve ended with %v; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(rest.String(), "stopped") {
		t.Errorf("serve did not say it stopped; it printed:\n%s", rest.String())
	}
}

// waitInFlight waits until the server is drawing a request.
func waitInFlight(t *testing.T, c *client.Client) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		resp, err := http.Get(c.BaseURL + "/metrics")
		if err != nil {
			continue
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if strings.Contains(b.String(), "artifex_serve_in_flight_requests 1") {
			return
		}
	}
	t.Fatal("the request never reached the server")
}

func ptr[T any](v T) *T { return &v }

func TestServeRefusesBadFlagsAndCheckpoints(t *testing.T) {
	reg := factory.DefaultRegistry()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, `"checkpoint" not set`},
		{[]string{"serve", "--checkpoint", t.TempDir()}, "no checkpoint.safetensors"},
		{[]string{"serve", "--checkpoint", "x", "--queue", "0"}, "--queue must be > 0"},
		{[]string{"serve", "--checkpoint", "x", "--workers", "-1"}, "must be >= 0"},
		{[]string{"serve", "--checkpoint", "x", "--timeout", "0s"}, "--timeout (0s)"},
	} {
		if _, err := run(t, reg, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to contain %q", c.args, err, c.want)
		}
	}
}
