package serve

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/tensor"
)

// work is one worker: it draws batches from the queue until the server
// closes.
func (s *Server) work() {
	defer s.workers.Done()
	for {
		select {
		case <-s.stop:
			return
		case <-s.queue.wake:
		}
		for batch := s.queue.take(s.opts.MaxBatch); batch != nil; batch = s.queue.take(s.opts.MaxBatch) {
			s.run(batch)
		}
	}
}

// run draws a batch of jobs for one model on a replica of it and sends
// each job its outcome.
func (s *Server) run(batch []*task) {
	e := batch[0].e
	s.metrics.batch.Observe(float64(len(batch)))
	c := <-e.replicas
	defer func() { e.replicas <- c }()
	defer func() {
		if p := recover(); p != nil {
			s.log.Printf("serve: model %s panicked while drawing: %v\n%s", e.name, p, debug.Stack())
			for _, j := range batch {
				j.done <- outcome{err: &httpError{http.StatusInternalServerError, fmt.Sprintf("drawing from model %s failed: %v", e.name, p)}, batch: len(batch)}
			}
		}
	}()
	// The drawing stops between steps (or samples) once no job of the
	// batch has anyone waiting for it.
	check := func() error {
		for _, j := range batch {
			if j.ctx.Err() == nil {
				return nil
			}
		}
		return batch[0].ctx.Err()
	}
	var outs []outcome
	// Sampling records no gradients on this goroutine; goroutines that
	// train at the same time keep recording theirs (tensor.NoGrad is per
	// goroutine).
	tensor.NoGrad(func() { outs = e.kind.draw(c, batch, check) })
	for i, j := range batch {
		outs[i].batch = len(batch)
		j.done <- outs[i]
	}
}

// rowIndependent reports whether m's samples can share a batch with
// other requests' (models.RowSampler).
func rowIndependent(m models.Model) bool {
	rs, ok := m.(models.RowSampler)
	return ok && rs.RowIndependent()
}

// draw draws a batch: for a kind of rows, one tensor for every job, each
// job's rows from its own seed's streams (tensor.RowRngs), so that each
// gets the rows it would have drawn alone; otherwise the one job alone.
func (k kind) draw(c *job.Checkpointed, batch []*task, check func() error) []outcome {
	outs := make([]outcome, len(batch))
	j := batch[0]
	o := j.opts
	o.Check = check
	if k.rows == nil {
		outs[0].resp, outs[0].err = k.drawJob(c, j, o, tensor.NewRngs(j.req.Seed))
		outs[0].err = drawError(outs[0].err, j.ctx)
		return outs
	}
	rngs := tensor.NewRngs(j.req.Seed)
	n := j.req.N
	if len(batch) > 1 {
		parts, rows := make([]*tensor.Rngs, len(batch)), make([]int, len(batch))
		n = 0
		for i, j := range batch {
			parts[i], rows[i] = tensor.NewRngs(j.req.Seed), j.req.N
			n += j.req.N
		}
		rngs = tensor.RowRngs(parts, rows)
	}
	x, err := k.rows(c.Model, n, o, rngs)
	off := 0
	for i, j := range batch {
		if err != nil {
			outs[i].err = drawError(err, j.ctx)
			continue
		}
		outs[i].resp, outs[i].err = k.encode(c, j, tensor.Narrow(x, 0, off, j.req.N))
		off += j.req.N
	}
	return outs
}

// drawError turns an error of the drawing into an answer: the request's
// own end when it has ended, otherwise a bad request (the options do not
// suit the model, which the model says).
func drawError(err error, ctx context.Context) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return badRequest("%v", err)
}

// kinds says how each kind of samples is drawn and answered; a model of
// translations (sampling.Translations) is not served.
var kinds = map[sampling.Kind]kind{
	sampling.Images:    imagesKind,
	sampling.Points:    pointsKind,
	sampling.Shapes:    shapesKind,
	sampling.Sequences: sequencesKind,
	sampling.Text:      textKind,
	sampling.Audio:     audioKind,
	sampling.Table:     tableKind,
}
