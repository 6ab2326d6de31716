package client_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"log"
	"net/http/httptest"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/serve"
	"github.com/artifex-go/artifex/serve/client"
)

// A Go service asks a sampling server for samples. Here the server runs in
// the same program, on loopback, serving a small VAE built in code; in
// production it is `artifex serve --checkpoint runs/vae` and the client
// knows its address.
func Example() {
	cfg := config.ModelConfiguration{
		Name: "tiny_vae", ModelClass: "vae.VAE",
		InputDim: config.Dims{8, 8, 1}, HiddenDims: []int{16}, OutputDim: config.Dims{4}, Activation: "relu",
		Parameters: map[string]any{"encoder_type": "mlp", "decoder_type": "mlp"},
	}
	load := func() (*job.Checkpointed, error) {
		m, err := factory.CreateModel(cfg, nn.NewRngs(0))
		if err != nil {
			return nil, err
		}
		return &job.Checkpointed{Model: m, Config: m.Config()}, nil
	}
	s, err := serve.New([]serve.Source{{Load: load}}, serve.Options{Workers: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	c := client.New(ts.URL)
	ctx := context.Background()
	list, err := c.Models(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range list.Models {
		fmt.Println(m.Name, m.Family, m.Kind, m.Formats, m.Options, "at most", list.Limits.MaxN, "per request")
	}

	grid, err := c.Sample(ctx, "tiny_vae", client.Request{N: 4, Seed: 7})
	if err != nil {
		log.Fatal(err)
	}
	pic, err := png.Decode(bytes.NewReader(grid.Body))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(grid.ContentType, pic.Bounds().Dx(), "×", pic.Bounds().Dy())

	again, _ := c.Sample(ctx, "tiny_vae", client.Request{N: 4, Seed: 7})
	fmt.Println("same seed, same bytes:", bytes.Equal(again.Body, grid.Body))

	cool, err := c.Sample(ctx, "tiny_vae", client.Request{N: 2, Temperature: ptr(0.5), Format: "json"})
	if err != nil {
		log.Fatal(err)
	}
	arrays, err := cool.Arrays()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("json shape", arrays.Shape)

	_, err = c.Sample(ctx, "tiny_vae", client.Request{N: 1000})
	fmt.Println(err)
	// Output:
	// tiny_vae vae images [png jpeg json] [temperature] at most 64 per request
	// image/png 22 × 22
	// same seed, same bytes: true
	// json shape [2 1 8 8]
	// artifex serve: 400 Bad Request: n is 1000; allowed: 1 to 64 (the server's max_n)
}

func ptr[T any](v T) *T { return &v }
