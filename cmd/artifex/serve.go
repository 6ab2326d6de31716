package main

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/serve"
)

func serveCommand(reg *factory.Registry) *cobra.Command {
	var (
		checkpoints   []string
		addr, dataDir string
		o             serve.Options
	)
	cmd := &cobra.Command{
		Use:   "serve --checkpoint DIR [--checkpoint NAME=DIR ...] [--addr 127.0.0.1:8080]",
		Short: "Serve samples of trained models over HTTP (JSON in; PNG, JSON, WAV, PDB, PLY, FASTA, CSV out)",
		Long: `Serves samples of trained models over HTTP until SIGTERM or Ctrl-C, which
stop it gracefully (new connections are refused, requests in flight get
their answers). Each --checkpoint (a training output directory or
checkpoint file) is served under its configuration's name, or NAME for
NAME=DIR.

  GET  /v1/models                  the models, what they draw, their formats and options; the limits
  POST /v1/models/NAME/samples     {"n": 16, "seed": 3, "format": "png", "temperature": 0.8, "steps": 50, "sampler": "ddim", "eta": 0}
  GET  /healthz                    200 while serving
  GET  /metrics                    Prometheus metrics

The same request gives the same bytes, the same as artifex sample --seed.
--workers goroutines draw samples; --queue requests may wait for one, and
more are refused with 503 and Retry-After. Requests for the same model
with the same options that wait together are drawn in one batch when the
model's samples each depend on their own noise only, each request's from
its own seed. See docs/serve.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDataDir("serve", dataDir); err != nil {
				return err
			}
			flags := cmd.Flags()
			if err := positive("serve", flags, map[string]int{"queue": o.Queue, "max-n": o.Limits.MaxN, "max-steps": o.Limits.MaxSteps, "max-tokens": o.Limits.MaxTokens}); err != nil {
				return err
			}
			if o.Workers < 0 || o.Replicas < 0 || o.MaxBatch < 0 {
				return fmt.Errorf("serve: --workers (%d), --replicas (%d) and --max-batch (%d) must be >= 0 (0: the default)", o.Workers, o.Replicas, o.MaxBatch)
			}
			if o.Timeout <= 0 || !(o.Limits.MaxSeconds > 0) || o.Limits.MaxBodyBytes <= 0 {
				return fmt.Errorf("serve: --timeout (%s), --max-seconds (%g) and --max-body (%d) must be > 0", o.Timeout, o.Limits.MaxSeconds, o.Limits.MaxBodyBytes)
			}
			sources := make([]serve.Source, len(checkpoints))
			for i, c := range checkpoints {
				name, path, named := strings.Cut(c, "=")
				if !named {
					name, path = "", c
				}
				sources[i] = serve.Checkpoint(path, reg, dataDir)
				sources[i].Name = name
			}
			s, err := serve.New(sources, o)
			if err != nil {
				return err
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				s.Close()
				return fmt.Errorf("serve: %w", err)
			}
			out := cmd.OutOrStdout()
			for _, m := range s.Models() {
				fmt.Fprintf(out, "%s: %s %s (step %d), %s as %s\n", m.Name, m.Family, m.Class, m.Step, m.Kind, strings.Join(m.Formats, ", "))
			}
			fmt.Fprintf(out, "serving on http://%s\n", l.Addr())
			if err := s.Serve(cmd.Context(), l); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			fmt.Fprintln(out, "stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&checkpoints, "checkpoint", nil, "training output directory or checkpoint file to serve, or NAME=DIR (repeatable)")
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (:8080 for every interface)")
	f.StringVar(&dataDir, "data-dir", "", "directory searched first for the table a tabular model was fit on")
	f.IntVar(&o.Workers, "workers", 0, "goroutines that draw samples (0: one per core)")
	f.IntVar(&o.Queue, "queue", 64, "requests that may wait for a worker; more get 503")
	f.IntVar(&o.Replicas, "replicas", 0, "copies of each model, drawing at once (0: one per worker)")
	f.DurationVar(&o.Timeout, "timeout", time.Minute, "time limit of a request, its wait in the queue included")
	f.IntVar(&o.MaxBatch, "max-batch", 0, "most samples in one batch of several requests (0: --max-n)")
	f.IntVar(&o.Limits.MaxN, "max-n", serve.DefaultLimits.MaxN, "most samples per request")
	f.IntVar(&o.Limits.MaxSteps, "max-steps", serve.DefaultLimits.MaxSteps, "most diffusion steps per request")
	f.IntVar(&o.Limits.MaxTokens, "max-tokens", serve.DefaultLimits.MaxTokens, "most tokens per text sample")
	f.Float64Var(&o.Limits.MaxSeconds, "max-seconds", serve.DefaultLimits.MaxSeconds, "longest audio clip in seconds")
	f.Int64Var(&o.Limits.MaxBodyBytes, "max-body", serve.DefaultLimits.MaxBodyBytes, "largest request body in bytes")
	cmd.MarkFlagRequired("checkpoint")
	return cmd
}
