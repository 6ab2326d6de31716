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
}

// NewRngs returns the streams for a seed.
func NewRngs(seed uint64) *Rngs {
	return &Rngs{seed: seed, streams: make(map[string]*Stream)}
}

// Seed returns the seed the streams derive from.
func (r *Rngs) Seed() uint64 { return r.seed }

// Stream returns the named stream, creating it on first use.
func (r *Rngs) Stream(name string) *Stream {
	if s, ok := r.streams[name]; ok {
		return s
	}
	s := newStream(r.seed, name)
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
	return NewRngs(mix(r.seed, "fork/"+name))
}

// State serialises the position of every stream, for checkpoints.
func (r *Rngs) State() map[string][]byte {
	out := make(map[string][]byte, len(r.streams))
	for name, s := range r.streams {
		b, _ := s.src.MarshalBinary() // PCG marshalling cannot fail
		out[name] = b
	}
	return out
}

// SetState restores stream positions saved by State.
func (r *Rngs) SetState(state map[string][]byte) error {
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

func mix(seed uint64, name string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(name))
	return h.Sum64()
}

// Stream is one deterministic random number stream.
type Stream struct {
	src *rand.PCG
	rng *rand.Rand
}

func newStream(seed uint64, name string) *Stream {
	src := rand.NewPCG(seed, mix(seed, name))
	return &Stream{src: src, rng: rand.New(src)}
}

// Float32 returns a uniform value in [0, 1).
func (s *Stream) Float32() float32 { return s.rng.Float32() }

// Float64 returns a uniform value in [0, 1).
func (s *Stream) Float64() float64 { return s.rng.Float64() }

// Intn returns a uniform integer in [0, n).
func (s *Stream) Intn(n int) int { return s.rng.IntN(n) }

// NormFloat64 returns a standard normal value.
func (s *Stream) NormFloat64() float64 { return s.rng.NormFloat64() }

// Uint64 returns 64 uniform random bits.
func (s *Stream) Uint64() uint64 { return s.rng.Uint64() }

// Normal returns a tensor of standard normal values.
func (s *Stream) Normal(shape ...int) *Tensor {
	t := empty(shape)
	for i := range t.data {
		t.data[i] = float32(s.rng.NormFloat64())
	}
	return t
}

// NormalScaled returns normal values with the given mean and standard deviation.
func (s *Stream) NormalScaled(mean, std float32, shape ...int) *Tensor {
	t := empty(shape)
	for i := range t.data {
		t.data[i] = mean + std*float32(s.rng.NormFloat64())
	}
	return t
}

// TruncatedNormal returns normal values with the given mean and standard
// deviation, redrawn until they fall within [lo, hi] standard deviations.
func (s *Stream) TruncatedNormal(mean, std, lo, hi float32, shape ...int) *Tensor {
	if lo >= hi {
		panic(fmt.Sprintf("tensor: TruncatedNormal: empty interval [%g, %g]", lo, hi))
	}
	t := empty(shape)
	for i := range t.data {
		for {
			v := float32(s.rng.NormFloat64())
			if v >= lo && v <= hi {
				t.data[i] = mean + std*v
				break
			}
		}
	}
	return t
}

// Uniform returns values uniform in [lo, hi).
func (s *Stream) Uniform(lo, hi float32, shape ...int) *Tensor {
	t := empty(shape)
	for i := range t.data {
		t.data[i] = lo + (hi-lo)*s.rng.Float32()
	}
	return t
}

// Bernoulli returns a tensor of 0/1 values where element i is 1 with
// probability p[i] (p is read, not differentiated).
func (s *Stream) Bernoulli(p *Tensor) *Tensor {
	t := empty(p.shape)
	for i, pi := range p.data {
		if s.rng.Float32() < pi {
			t.data[i] = 1
		}
	}
	return t
}

// BernoulliP returns 0/1 values that are 1 with probability p.
func (s *Stream) BernoulliP(p float32, shape ...int) *Tensor {
	t := empty(shape)
	for i := range t.data {
		if s.rng.Float32() < p {
			t.data[i] = 1
		}
	}
	return t
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
	for r := 0; r < rows; r++ {
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
		u := s.rng.Float64() * sum
		out[r] = k - 1
		for j := range p {
			u -= p[j]
			if u < 0 {
				out[r] = j
				break
			}
		}
	}
	return out
}

// Permutation returns a random permutation of 0..n-1.
func (s *Stream) Permutation(n int) []int { return s.rng.Perm(n) }

// Shuffle permutes n items in place through swap.
func (s *Stream) Shuffle(n int, swap func(i, j int)) { s.rng.Shuffle(n, swap) }
