// Package serve is `artifex serve`: a server that draws samples from
// trained models over HTTP, on net/http, for programs that want samples
// without a Python stack or a process per request. A Go program talks to
// it with package serve/client.
//
// # Endpoints
//
//	GET  /v1/models                   the models: name, class, family, kind, formats, options, step, configuration; and the limits
//	POST /v1/models/{name}/samples    JSON {n, seed, temperature, steps, sampler, eta, format, ...} → the samples
//	GET  /healthz                     200 while serving, 503 once shutting down
//	GET  /metrics                     Prometheus text format
//
// A request's fields are those of client.Request; a field left out takes
// the model's own value, as in `artifex sample`. What comes back depends on
// what the model draws (sampling.KindOf): images as a PNG grid (a single
// image, without the grid's border, for n = 1), a JPEG grid or JSON arrays
// [n, C, H, W] in [0, 1]; points as JSON [n, D]; protein structures as PDB
// (chemical/x-pdb), point clouds as PLY and meshes as OBJ, OFF or PLY, a
// ZIP of sample_001.EXT ... when n > 1; protein sequences as FASTA or JSON;
// text as JSON or plain text; audio as WAV (a ZIP for several clips); table
// rows as CSV. Models that translate images of a data set (CycleGAN) are
// not served.
//
// # The same seed gives the same bytes
//
// A request draws from streams seeded with its seed, as `artifex sample
// --seed` does, and a PNG grid is byte for byte the file sample writes for
// the same n and seed. Nothing else a request carries changes its samples:
// not the worker that draws it, not the requests drawn beside it.
//
// # Workers, queue, batches
//
// Options.Workers goroutines (GOMAXPROCS by default) draw samples; a
// request waits in a queue of Options.Queue places and is refused with 503
// and Retry-After when the queue is full. Drawing changes a model's state
// (its layers' mode, a diffusion model's weight average swapped in), so
// each model is loaded Options.Replicas times and a replica serves one
// worker at a time.
//
// A worker that finds several requests for the same model with the same
// sampling options waiting draws them as one batch, when the model says
// each of its samples depends only on its own rows of noise
// (models.RowSampler: VAEs, unconditional GANs, flows and DDPMs). The batch
// draws each request's rows from that request's own streams
// (tensor.RowRngs), so every request gets the bytes it would have got
// alone; a test compares them. Class-conditional models, whose classes
// follow a sample's place in the batch, are drawn one request at a time.
//
// # Limits, timeouts, cancellation
//
// Requests beyond Limits (n, steps, tokens, seconds) are refused with 400,
// bodies beyond Limits.MaxBodyBytes with 413; a field the model does not
// read, a format it does not answer in and malformed JSON are 400 too, and
// an unknown model is 404. Every error is a JSON object {"error": "..."}
// that says what is allowed. Each request has Options.Timeout, queue wait
// included (503 past it). When a request ends early, because its client
// left or its time ran out, it leaves the queue, and a drawing that nobody
// waits for any more stops between a diffusion model's denoising steps
// (between samples of a language model).
//
// # Gradients
//
// Workers draw inside tensor.NoGrad, which covers their own goroutine
// only: sampling records no graph, and a goroutine of the same process
// that trains meanwhile still records its gradients.
//
// # Shutting down
//
// Serve stops when its context ends (artifex serve: SIGTERM or Ctrl-C): it
// stops accepting connections, answers the requests in flight, then stops
// the workers.
package serve
