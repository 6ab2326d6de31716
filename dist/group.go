package dist

import (
	"fmt"
	"sync"
)

// NewGroup returns the communicators of n ranks that run as goroutines
// of this process, one communicator per goroutine: the collectives of an
// MPI job, in memory. It lets tests (and a user trying data parallelism
// without MPI) run several ranks in one process.
func NewGroup(n int) []Communicator {
	g := &group{n: n, bufs: make([][]float32, n), bytes: make([][]byte, n)}
	g.cond = sync.NewCond(&g.mu)
	out := make([]Communicator, n)
	for r := range n {
		out[r] = &member{g: g, rank: r}
	}
	return out
}

// group is the shared state of NewGroup's ranks. A collective has two
// phases: every rank hands in its buffer and waits until all have (the
// last one computes the result), then every rank takes its result and
// waits until all have, so that no buffer is reused too early.
type group struct {
	mu      sync.Mutex
	cond    *sync.Cond
	n       int
	arrived int
	gen     int // completed phases
	bufs    [][]float32
	bytes   [][]byte
}

// phase waits until all n ranks have called it; the last one runs last
// (under the lock) before the others wake.
func (g *group) phase(last func()) {
	gen := g.gen
	g.arrived++
	if g.arrived == g.n {
		if last != nil {
			last()
		}
		g.arrived = 0
		g.gen++
		g.cond.Broadcast()
		return
	}
	for gen == g.gen {
		g.cond.Wait()
	}
}

type member struct {
	g    *group
	rank int
}

func (m *member) Rank() int { return m.rank }
func (m *member) Size() int { return m.g.n }

func (m *member) AllreduceSum(buf []float32) error {
	g := m.g
	g.mu.Lock()
	defer g.mu.Unlock()
	g.bufs[m.rank] = buf
	var err error
	g.phase(func() {
		for _, b := range g.bufs {
			if len(b) != len(g.bufs[0]) {
				err = fmt.Errorf("dist: allreduce of buffers of different lengths across ranks")
				return
			}
		}
		sum := make([]float32, len(g.bufs[0]))
		for _, b := range g.bufs {
			for i, v := range b {
				sum[i] += v
			}
		}
		for _, b := range g.bufs {
			copy(b, sum)
		}
	})
	g.phase(nil)
	return err
}

func (m *member) Broadcast(buf []byte, root int) error {
	if err := checkRoot(root, m.g.n); err != nil {
		return err
	}
	g := m.g
	g.mu.Lock()
	defer g.mu.Unlock()
	g.bytes[m.rank] = buf
	g.phase(func() {
		for r, b := range g.bytes {
			if r != root {
				copy(b, g.bytes[root])
			}
		}
	})
	g.phase(nil)
	return nil
}

func (m *member) Barrier() error {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.g.phase(nil)
	return nil
}

func (m *member) Close() error { return nil }
