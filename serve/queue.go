package serve

import (
	"context"
	"sync"

	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/serve/client"
)

// task is one accepted sample request on its way through the queue.
type task struct {
	ctx  context.Context
	e    *entry
	req  client.Request // defaults filled in
	opts sampling.Options
	// key groups the jobs that may share a batch; "" never shares.
	key  string
	done chan outcome // buffered: a worker never waits for a handler
}

// outcome is a job's answer: the encoded samples or why there are none,
// and how many requests shared its batch.
type outcome struct {
	resp  response
	err   error
	batch int
}

// queue holds the jobs waiting for a worker, oldest first, up to a
// limit. Workers take the oldest job together with the later ones that
// can share its batch.
type queue struct {
	mu     sync.Mutex
	jobs   []*task
	limit  int
	closed bool
	// wake holds a token per job pushed that no worker has woken for yet;
	// a full channel means the workers have enough wake-ups pending.
	wake chan struct{}
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, wake: make(chan struct{}, limit)}
}

// push queues j, or refuses it when the queue is full or closed.
func (q *queue) push(j *task) error {
	q.mu.Lock()
	switch {
	case q.closed:
		q.mu.Unlock()
		return errShuttingDown
	case len(q.jobs) >= q.limit:
		q.mu.Unlock()
		return errQueueFull
	}
	q.jobs = append(q.jobs, j)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// take removes and returns the oldest job whose request still waits,
// with the later jobs of the same model and key that fit beside it in
// maxRows samples; nil when no job waits.
func (q *queue) take(maxRows int) []*task {
	q.mu.Lock()
	defer q.mu.Unlock()
	var batch, rest []*task
	rows := 0
	for _, j := range q.jobs {
		switch {
		case j.ctx.Err() != nil: // its handler has given up on it
		case batch == nil:
			batch, rows = []*task{j}, j.req.N
		case j.key != "" && j.e == batch[0].e && j.key == batch[0].key && rows+j.req.N <= maxRows:
			batch, rows = append(batch, j), rows+j.req.N
		default:
			rest = append(rest, j)
		}
	}
	q.jobs = rest
	return batch
}

// remove takes j out of the queue if it is still there.
func (q *queue) remove(j *task) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range q.jobs {
		if x == j {
			q.jobs = append(q.jobs[:i], q.jobs[i+1:]...)
			return
		}
	}
}

// len is the number of jobs waiting.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.jobs)
}

// shut closes the queue to new jobs and returns those still waiting.
func (q *queue) shut() []*task {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	jobs := q.jobs
	q.jobs = nil
	return jobs
}
