package tensor

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
)

// Rngs is a set of named, independently seeded random streams, like Flax
// NNX's nnx.Rngs: "params" for initialisation, "dropout", "sample", "noise"
// and so on. Streams are derived from the seed and the name only, so adding a
// new stream never changes the numbers another stream produces, and the same
// seed gives bit-identical results on the same machine.
type Rngs struct {
	seed    uint64
	streams map[string]*Stream
	// parts and rows are set by RowRngs: the streams each block of rows
	// draws from, and how many rows each block has.
	parts []*Rngs
	rows  []int
}

// NewRngs returns the streams for a seed.
func NewRngs(seed uint64) *Rngs {
	return &Rngs{seed: seed, streams: make(map[string]*Stream)}
}

// RowRngs returns streams that split every random tensor by its rows (its
// first dimension) among parts: a tensor of rows[0]+rows[1]+... rows
// takes its first rows[0] rows from the stream of the same name of
// parts[0], the next rows[1] from parts[1]'s, and so on. Each part's
// streams advance exactly as they would have had the part drawn its own
// rows alone, so a model whose samples each depend on their own rows only
// (models.RowSampler) draws in one batch, for several callers, the very
// samples each caller would have drawn alone. Drawing what cannot be split
// by rows (a scalar, a permutation, a tensor whose first dimension is not
// the total of rows) panics, as does a negative row count.
func RowRngs(parts []*Rngs, rows []int) *Rngs {
	if len(parts) != len(rows) {
		panic(fmt.Sprintf("tensor: RowRngs: %d parts for %d row counts", len(parts), len(rows)))
	}
	for i, n := range rows {
		if n < 0 {
			panic(fmt.Sprintf("tensor: RowRngs: part %d has %d rows", i, n))
		}
	}
	return &Rngs{streams: make(map[string]*Stream), parts: parts, rows: rows}
}

// Seed returns the seed the streams derive from (0 for RowRngs, whose
// streams are their parts').
func (r *Rngs) Seed() uint64 { return r.seed }

// Stream returns the named stream, creating it on first use.
func (r *Rngs) Stream(name string) *Stream {
	if s, ok := r.streams[name]; ok {
		return s
	}
	var s *Stream
	if r.parts != nil {
		s = &Stream{parts: make([]*Stream, len(r.parts)), rows: r.rows}
		for i, p := range r.parts {
			s.parts[i] = p.Stream(name)
			s.total += r.rows[i]
		}
	} else {
		s = newStream(r.seed, name)
	}
	r.streams[name] = s
	return s
}

// Params is the stream used to initialise parameters.
func (r *Rngs) Params() *Stream { return r.Stream("params") }

// Dropout is the stream used by dropout layers.
func (r *Rngs) Dropout() *Stream { return r.Stream("dropout") }

// Sample is the stream used to draw latent codes, noise and samples.
func (r *Rngs) Sample() *Stream { return r.Stream("sample") }

// Fork returns an independent set of streams derived from r's seed and name,
// for a sub-task that must not disturb r's streams.
func (r *Rngs) Fork(name string) *Rngs {
	if r.parts != nil {
		parts := make([]*Rngs, len(r.parts))
		for i, p := range r.parts {
			parts[i] = p.Fork(name)
		}
		return RowRngs(parts, r.rows)
	}
	return NewRngs(mix(r.seed, "fork/"+name))
}

// State serialises the position of every stream, for checkpoints. It
// panics for RowRngs, whose positions are their parts'.
func (r *Rngs) State() map[string][]byte {
	r.own("State")
	out := make(map[string][]byte, len(r.streams))
	for name, s := range r.streams {
		b, _ := s.src.MarshalBinary() // PCG marshalling cannot fail
		out[name] = b
	}
	return out
}

// SetState restores stream positions saved by State.
func (r *Rngs) SetState(state map[string][]byte) error {
	r.own("SetState")
	names := make([]string, 0, len(state))
	for name := range state {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := r.Stream(name).src.UnmarshalBinary(state[name]); err != nil {
			return fmt.Errorf("tensor: restoring random stream %q: %w", name, err)
		}
	}
	return nil
}

// own panics for RowRngs, which have no positions of their own to save
// or restore.
func (r *Rngs) own(method string) {
	if r.parts != nil {
		panic("tensor: " + method + " of streams split by rows (RowRngs): save and restore their parts' instead")
	}
}

func mix(seed uint64, name string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(name))
	return h.Sum64()
}

// Stream is one deterministic random number stream, or (RowRngs) the
// streams of the parts that draw a tensor's blocks of rows.
type Stream struct {
	src   *rand.PCG
	rng   *rand.Rand
	parts []*Stream
	rows  []int
	total int
}

func newStream(seed uint64, name string) *Stream {
	src := rand.NewPCG(seed, mix(seed, name))
	return &Stream{src: src, rng: rand.New(src)}
}

// Float32 returns a uniform value in [0, 1).
func (s *Stream) Float32() float32 { return s.scalar("Float32").Float32() }

// Float64 returns a uniform value in [0, 1).
func (s *Stream) Float64() float64 { return s.scalar("Float64").Float64() }

// Intn returns a uniform integer in [0, n).
func (s *Stream) Intn(n int) int { return s.scalar("Intn").IntN(n) }

// NormFloat64 returns a standard normal value.
func (s *Stream) NormFloat64() float64 { return s.scalar("NormFloat64").NormFloat64() }

// Uint64 returns 64 uniform random bits.
func (s *Stream) Uint64() uint64 { return s.scalar("Uint64").Uint64() }

// scalar returns the generator of a draw that has no rows, and panics for
// a stream split by rows (RowRngs), which cannot tell whose it is.
func (s *Stream) scalar(method string) *rand.Rand {
	if s.parts != nil {
		panic("tensor: " + method + " from a stream split by rows (RowRngs): only tensors with one row per sample can be split")
	}
	return s.rng
}

// split calls fill(p, lo, hi) to draw elements [lo, hi) of a tensor of
// the given shape with per elements per row: all of them from s, or, for
// a stream split by rows, each block of rows from its part's stream.
func (s *Stream) split(method string, shape []int, per int, fill func(p *Stream, lo, hi int)) {
	if s.parts == nil {
		n := 1
		if len(shape) > 0 {
			n = shape[0]
		}
		fill(s, 0, n*per)
		return
	}
	if len(shape) == 0 || shape[0] != s.total {
		panic(fmt.Sprintf("tensor: %s of shape %v from a stream split into %d rows (RowRngs): the first dimension must be the rows", method, shape, s.total))
	}
	lo := 0
	for i, p := range s.parts {
		hi := lo + s.rows[i]*per
		fill(p, lo, hi)
		lo = hi
	}
}

// perRow is the number of elements in each row (index of the first
// dimension) of a tensor of the given shape and size.
func perRow(shape []int, size int) int {
	if len(shape) == 0 || shape[0] == 0 {
		return size
	}
	return size / shape[0]
}

// draw fills a new tensor of the given shape with value(p) for each
// element, p being the stream that draws the element's row.
func (s *Stream) draw(method string, shape []int, value func(p *Stream) float32) *Tensor {
	t := uninit(shape)
	s.split(method, t.shape, perRow(t.shape, len(t.data)), func(p *Stream, lo, hi int) {
		for i := lo; i < hi; i++ {
			t.data[i] = value(p)
		}
	})
	return t
}

// Normal returns a tensor of standard normal values.
func (s *Stream) Normal(shape ...int) *Tensor {
	return s.draw("Normal", shape, func(p *Stream) float32 { return float32(p.rng.NormFloat64()) })
}

// NormalScaled returns normal values with the given mean and standard deviation.
func (s *Stream) NormalScaled(mean, std float32, shape ...int) *Tensor {
	return s.draw("NormalScaled", shape, func(p *Stream) float32 { return mean + std*float32(p.rng.NormFloat64()) })
}

// TruncatedNormal returns normal values with the given mean and standard
// deviation, redrawn until they fall within [lo, hi] standard deviations.
func (s *Stream) TruncatedNormal(mean, std, lo, hi float32, shape ...int) *Tensor {
	if lo >= hi {
		panic(fmt.Sprintf("tensor: TruncatedNormal: empty interval [%g, %g]", lo, hi))
	}
	return s.draw("TruncatedNormal", shape, func(p *Stream) float32 {
		for {
			v := float32(p.rng.NormFloat64())
			if v >= lo && v <= hi {
				return mean + std*v
			}
		}
	})
}

// Uniform returns values uniform in [lo, hi).
func (s *Stream) Uniform(lo, hi float32, shape ...int) *Tensor {
	return s.draw("Uniform", shape, func(p *Stream) float32 { return lo + (hi-lo)*p.rng.Float32() })
}

// Bernoulli returns a tensor of 0/1 values where element i is 1 with
// probability p[i] (p is read, not differentiated).
func (s *Stream) Bernoulli(p *Tensor) *Tensor {
	t := empty(p.shape)
	s.split("Bernoulli", p.shape, perRow(p.shape, len(p.data)), func(ps *Stream, lo, hi int) {
		for i := lo; i < hi; i++ {
			if ps.rng.Float32() < p.data[i] {
				t.data[i] = 1
			}
		}
	})
	return t
}

// BernoulliP returns 0/1 values that are 1 with probability p.
func (s *Stream) BernoulliP(p float32, shape ...int) *Tensor {
	return s.draw("BernoulliP", shape, func(ps *Stream) float32 {
		if ps.below(p) {
			return 1
		}
		return 0
	})
}

// below reports whether the stream's next Float32 is below p, without its
// interface call and division: Float32 is the high word's low 24 bits over
// 2²⁴, both exact in float32, so comparing the bits with p·2²⁴ decides
// the same, and the source advances the same.
func (s *Stream) below(p float32) bool {
	return float32((s.src.Uint64()>>32)&(1<<24-1)) < p*(1<<24)
}

// bernoulliBits draws what BernoulliP(p, shape...) draws, as one bit per
// element (set for a 1) rather than a float.
func (s *Stream) bernoulliBits(p float32, shape []int) []uint64 {
	n := numel(shape)
	bits := make([]uint64, (n+63)/64)
	s.split("BernoulliP", shape, perRow(shape, n), func(ps *Stream, lo, hi int) {
		for i := lo; i < hi; i++ {
			if ps.below(p) {
				bits[i/64] |= 1 << (i % 64)
			}
		}
	})
	return bits
}

// Categorical draws one class per row of logits (shape [..., K]) from the
// softmax distribution of that row.
func (s *Stream) Categorical(logits *Tensor) []int {
	if len(logits.shape) == 0 {
		panic("tensor: Categorical needs logits with a class axis")
	}
	k := logits.shape[len(logits.shape)-1]
	rows := len(logits.data) / max(k, 1)
	out := make([]int, rows)
	p := make([]float64, k)
	lead := logits.shape[:len(logits.shape)-1]
	s.split("Categorical", lead, perRow(lead, rows), func(ps *Stream, lo, hi int) {
		for r := lo; r < hi; r++ {
			row := logits.data[r*k : (r+1)*k]
			m := math.Inf(-1)
			for _, v := range row {
				m = math.Max(m, float64(v))
			}
			sum := 0.0
			for j, v := range row {
				p[j] = math.Exp(float64(v) - m)
				sum += p[j]
			}
			u := ps.rng.Float64() * sum
			out[r] = k - 1
			for j := range p {
				u -= p[j]
				if u < 0 {
					out[r] = j
					break
				}
			}
		}
	})
	return out
}

// Permutation returns a random permutation of 0..n-1.
func (s *Stream) Permutation(n int) []int { return s.scalar("Permutation").Perm(n) }

// Shuffle permutes n items in place through swap.
func (s *Stream) Shuffle(n int, swap func(i, j int)) { s.scalar("Shuffle").Shuffle(n, swap) }
