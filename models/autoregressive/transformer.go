// Package autoregressive holds the autoregressive families: models that
// factor p(x) into one conditional per element and sample element by
// element (the Transformer language model here).
package autoregressive

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Position encodings of a Transformer.
const (
	LearnedPositions    = "learned"
	SinusoidalPositions = "sinusoidal"
	// RotaryPositions adds nothing to the embeddings: every attention
	// layer rotates its queries and keys by their positions (nn.RoPE, base
	// nn.RoPEBase), so attention sees relative offsets.
	RotaryPositions = "rope"
)

// TransformerOptions describe a decoder-only Transformer language model.
type TransformerOptions struct {
	VocabSize     int     // number of token ids
	ContextLength int     // most positions the model attends over
	Dim           int     // model width
	Layers        int     // transformer blocks
	Heads         int     // attention heads; must divide Dim
	FFDim         int     // feed-forward width
	Dropout       float32 // dropout rate in the blocks, in [0, 1)
	Positions     string  // LearnedPositions, SinusoidalPositions or RotaryPositions
	// GradientCheckpointing keeps only each block's input for the
	// backward pass and runs the block again there (nn.Checkpoint).
	GradientCheckpointing bool
}

func (o TransformerOptions) validate() error {
	var errs []error
	if o.VocabSize < 2 {
		errs = append(errs, fmt.Errorf("vocab_size must be >= 2, got %d", o.VocabSize))
	}
	if o.ContextLength < 1 {
		errs = append(errs, fmt.Errorf("max_seq_len must be >= 1, got %d", o.ContextLength))
	}
	if o.Dim < 2 || o.Dim%2 != 0 {
		errs = append(errs, fmt.Errorf("model width (hidden_dims[0]) must be even and >= 2, got %d", o.Dim))
	}
	if o.Layers < 1 {
		errs = append(errs, fmt.Errorf("num_layers must be >= 1, got %d", o.Layers))
	}
	if o.Heads < 1 || (o.Dim > 0 && o.Dim%o.Heads != 0) {
		errs = append(errs, fmt.Errorf("num_heads must be >= 1 and divide the model width %d, got %d", o.Dim, o.Heads))
	}
	if o.FFDim < 1 {
		errs = append(errs, fmt.Errorf("ff_dim must be >= 1, got %d", o.FFDim))
	}
	if o.Dropout < 0 || o.Dropout >= 1 {
		errs = append(errs, fmt.Errorf("dropout_rate must be in [0, 1), got %g", o.Dropout))
	}
	switch o.Positions {
	case LearnedPositions, SinusoidalPositions:
	case RotaryPositions:
		if o.Heads > 0 && o.Dim%o.Heads == 0 && (o.Dim/o.Heads)%2 != 0 {
			errs = append(errs, fmt.Errorf("position_embedding %q rotates pairs of features: the head width (model width %d / num_heads %d) must be even", RotaryPositions, o.Dim, o.Heads))
		}
	default:
		errs = append(errs, fmt.Errorf("position_embedding must be %q, %q or %q, got %q", LearnedPositions, SinusoidalPositions, RotaryPositions, o.Positions))
	}
	return errors.Join(errs...)
}

// LMTokenizer is what a Transformer needs of a tokeniser to read and write
// text (modality/text's tokenisers satisfy it).
type LMTokenizer interface {
	Encode(s string) []int
	Decode(ids []int) string
	VocabSize() int
}

// Transformer is a decoder-only language model (GPT, Radford et al. 2018):
// token plus position embeddings, pre-norm causal transformer blocks, a
// final layer norm and a linear read-out to next-token logits.
//
// Without a bound tokeniser (BindTokenizer) its ids are bytes: ids below
// 256 are the bytes of the text and larger ids are special tokens.
type Transformer struct {
	TokenEmbedding    *nn.Embedding
	PositionEmbedding *nn.Embedding // nil with sinusoidal or rotary positions
	Blocks            []*nn.TransformerBlock
	Norm              *nn.LayerNorm
	Head              *nn.Linear

	cfg      config.ModelConfiguration
	opts     TransformerOptions
	sinusoid *tensor.Tensor // [ContextLength, Dim] with sinusoidal positions, else nil
	tok      LMTokenizer
	pad, eos int // -1: none
}

// NewTransformer builds the model; cfg is the effective configuration the
// model reports.
func NewTransformer(cfg config.ModelConfiguration, o TransformerOptions, rngs *nn.Rngs) (*Transformer, error) {
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("transformer: %w", err)
	}
	// GPT-2's initialisation: embeddings N(0, 0.02²).
	emb := func(n int) *nn.Embedding {
		return &nn.Embedding{Weight: rngs.Params().NormalScaled(0, 0.02, n, o.Dim).SetRequiresGrad(true)}
	}
	m := &Transformer{
		TokenEmbedding: emb(o.VocabSize),
		Norm:           nn.NewLayerNorm(o.Dim),
		cfg:            cfg, opts: o, pad: -1, eos: -1,
	}
	var rope *nn.RoPE
	switch o.Positions {
	case LearnedPositions:
		m.PositionEmbedding = emb(o.ContextLength)
	case SinusoidalPositions:
		pos := make([]float32, o.ContextLength)
		for i := range pos {
			pos[i] = float32(i)
		}
		m.sinusoid = nn.SinusoidalEmbedding(pos, o.Dim)
	case RotaryPositions:
		rope = nn.NewRoPE(o.Dim/o.Heads, o.ContextLength, nn.RoPEBase)
	}
	for range o.Layers {
		blk := nn.NewTransformerBlock(rngs, o.Dim, o.Heads, o.FFDim, 0, o.Dropout)
		blk.Attn.Rotary = rope
		m.Blocks = append(m.Blocks, blk)
	}
	m.Head = nn.NewLinear(rngs, o.Dim, o.VocabSize)
	return m, nil
}

// Config returns the effective configuration.
func (m *Transformer) Config() config.ModelConfiguration { return m.cfg.Clone() }

// Options returns the architecture.
func (m *Transformer) Options() TransformerOptions { return m.opts }

// VocabSize returns the number of token ids.
func (m *Transformer) VocabSize() int { return m.opts.VocabSize }

// ContextLength returns the most positions the model attends over.
func (m *Transformer) ContextLength() int { return m.opts.ContextLength }

// BindTokenizer makes the model read and write text with tok, leave
// targets equal to pad out of its loss and metrics, and stop generating at
// eos; pad or eos -1 means none. The tokeniser's vocabulary must fit the
// model's.
func (m *Transformer) BindTokenizer(tok LMTokenizer, pad, eos int) error {
	if tok == nil {
		return errors.New("transformer: nil tokenizer")
	}
	if v := tok.VocabSize(); v > m.opts.VocabSize {
		return fmt.Errorf("transformer: the tokenizer has %d ids but the model's vocab_size is %d; build the model with vocab_size >= %d", v, m.opts.VocabSize, v)
	}
	for name, id := range map[string]int{"pad": pad, "eos": eos} {
		if id < -1 || id >= m.opts.VocabSize {
			return fmt.Errorf("transformer: %s id %d out of range [-1, %d)", name, id, m.opts.VocabSize)
		}
	}
	m.tok, m.pad, m.eos = tok, pad, eos
	return nil
}

// Tokenizer returns the bound tokeniser (nil for bytes).
func (m *Transformer) Tokenizer() LMTokenizer { return m.tok }

// Encode returns the ids of s: the bound tokeniser's, or its bytes.
func (m *Transformer) Encode(s string) []int {
	if m.tok != nil {
		return m.tok.Encode(s)
	}
	ids := make([]int, len(s))
	for i := range len(s) {
		ids[i] = int(s[i])
	}
	return ids
}

// Decode returns the text of ids: the bound tokeniser's, or the bytes of
// the ids below 256.
func (m *Transformer) Decode(ids []int) string {
	if m.tok != nil {
		return m.tok.Decode(ids)
	}
	b := make([]byte, 0, len(ids))
	for _, id := range ids {
		if id >= 0 && id < 256 {
			b = append(b, byte(id))
		}
	}
	return string(b)
}

// checkIDs reports the first id outside the vocabulary.
func (m *Transformer) checkIDs(ids []int) error {
	for i, id := range ids {
		if id < 0 || id >= m.opts.VocabSize {
			return fmt.Errorf("transformer: token %d at position %d out of range [0, %d)", id, i, m.opts.VocabSize)
		}
	}
	return nil
}

// Logits returns the next-token logits [b, t, VocabSize] of ids, b rows
// of t ≤ ContextLength tokens (row-major). Position i sees tokens 0..i
// only. It panics on ids outside the vocabulary or t too long.
func (m *Transformer) Logits(ids []int, b, t int) *tensor.Tensor {
	return m.forward(ids, b, t, 0, nil)
}

// forward runs the model on b×t ids at positions start..start+t-1; with
// caches (one per block) it attends over the cached positions too and
// extends them.
func (m *Transformer) forward(ids []int, b, t, start int, caches []*nn.KVCache) *tensor.Tensor {
	if len(ids) != b*t || t < 1 || start+t > m.opts.ContextLength {
		panic(fmt.Sprintf("transformer: %d ids as %d rows of %d tokens from position %d (context length %d)", len(ids), b, t, start, m.opts.ContextLength))
	}
	if err := m.checkIDs(ids); err != nil {
		panic(err.Error())
	}
	h := m.TokenEmbedding.Forward(ids, b, t)
	switch {
	case m.PositionEmbedding != nil:
		pos := make([]int, t)
		for i := range pos {
			pos[i] = start + i
		}
		h = tensor.Add(h, m.PositionEmbedding.Forward(pos))
	case m.sinusoid != nil:
		h = tensor.Add(h, tensor.Narrow(m.sinusoid, 0, start, t))
	}
	for i, blk := range m.Blocks {
		switch {
		case caches != nil:
			h = blk.ForwardCached(h, nil, caches[i])
		case m.opts.GradientCheckpointing:
			h = nn.Checkpoint(blk, func(in []*tensor.Tensor) *tensor.Tensor { return blk.Forward(in[0], nil, true) }, h)
		default:
			h = blk.Forward(h, nil, true)
		}
	}
	return m.Head.Forward(m.Norm.Forward(h))
}

// batchTokens reads the token ids of a batch [B, ...]: each example is
// one row of ids stored as float32 values.
func batchTokens(x *tensor.Tensor) (ids []int, b, l int, err error) {
	if x == nil || x.NDim() < 2 {
		return nil, 0, 0, errors.New("transformer: a batch must be [B, L] token ids (or [B, 1, 1, L])")
	}
	b = x.Dim(0)
	l = x.Size() / b
	ids = make([]int, len(x.Data()))
	for i, v := range x.Data() {
		id := int(math.Round(float64(v)))
		if float32(id) != v {
			return nil, 0, 0, fmt.Errorf("transformer: batch value %g at %d is not a token id", v, i)
		}
		ids[i] = id
	}
	return ids, b, l, nil
}

// TrainLoss is the mean next-token cross-entropy (nats per token) of a
// batch of token rows [B, L] (or [B, 1, 1, L] as data sets hold them).
// Rows longer than ContextLength+1 are cut to a window of that length at
// a random offset (drawn from rngs' "lm/crop" stream); targets equal to the
// pad id are left out. Logs: nll, bits_per_token.
func (m *Transformer) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	ids, b, l, err := batchTokens(batch.Images)
	if err == nil && l < 2 {
		err = fmt.Errorf("transformer: rows of %d token; at least 2 are needed (an input and its next token)", l)
	}
	if err != nil {
		panic(err.Error())
	}
	t := min(l-1, m.opts.ContextLength)
	inputs, targets := make([]int, b*t), make([]int, b*t)
	for r := range b {
		off := 0
		if l-1 > t {
			off = rngs.Stream("lm/crop").Intn(l - t)
		}
		row := ids[r*l+off : r*l+off+t+1]
		copy(inputs[r*t:], row[:t])
		copy(targets[r*t:], row[1:])
	}
	loss, n := m.nll(inputs, targets, b, t)
	if n == 0 {
		panic("transformer: every target of the batch is padding")
	}
	mean := tensor.Scale(loss, 1/float32(n))
	v := float64(mean.Item())
	return mean, map[string]float64{"nll": v, "bits_per_token": v / math.Ln2}
}

// nll returns the summed cross-entropy of targets given inputs (b rows of
// t) and the number of targets counted (pad targets are not).
func (m *Transformer) nll(inputs, targets []int, b, t int) (*tensor.Tensor, int) {
	logits := tensor.Reshape(m.Logits(inputs, b, t), b*t, m.opts.VocabSize)
	if err := m.checkIDs(targets); err != nil {
		panic(err.Error())
	}
	ce := tensor.CrossEntropy(logits, targets)
	n := len(targets)
	if m.pad >= 0 && slices.Contains(targets, m.pad) {
		mask := make([]float32, len(targets))
		n = 0
		for i, y := range targets {
			if y != m.pad {
				mask[i] = 1
				n++
			}
		}
		ce = tensor.Mul(ce, tensor.FromSlice(mask, len(mask)))
	}
	return tensor.Sum(ce), n
}

// lmScore is the summed negative log-likelihood of a set of sequences.
type lmScore struct {
	nats   float64
	tokens int
	bytes  int
}

// score sums the model's next-token NLL over seqs. A sequence longer than
// ContextLength+1 is cut into consecutive windows that overlap by one token,
// so that every token but the first is predicted once (each window starts
// with a fresh context). Windows of one length are batched together.
func (m *Transformer) score(seqs [][]int) (lmScore, error) {
	byLen := map[int][][]int{}
	for i, s := range seqs {
		if err := m.checkIDs(s); err != nil {
			return lmScore{}, fmt.Errorf("sequence %d: %w", i, err)
		}
		for off := 0; off+1 < len(s); off += m.opts.ContextLength {
			w := s[off:min(off+m.opts.ContextLength+1, len(s))]
			byLen[len(w)] = append(byLen[len(w)], w)
		}
	}
	lengths := make([]int, 0, len(byLen))
	for l := range byLen {
		lengths = append(lengths, l)
	}
	sort.Ints(lengths)
	const batch = 32
	var sc lmScore
	tensor.NoGrad(func() {
		for _, l := range lengths {
			ws := byLen[l]
			t := l - 1
			for i := 0; i < len(ws); i += batch {
				part := ws[i:min(i+batch, len(ws))]
				inputs, targets := make([]int, 0, len(part)*t), make([]int, 0, len(part)*t)
				for _, w := range part {
					inputs = append(inputs, w[:t]...)
					targets = append(targets, w[1:]...)
				}
				loss, n := m.nll(inputs, targets, len(part), t)
				sc.nats += float64(loss.Item())
				sc.tokens += n
				for _, y := range targets {
					if y != m.pad {
						sc.bytes += len(m.Decode([]int{y}))
					}
				}
			}
		}
	})
	if sc.tokens == 0 {
		return sc, errors.New("transformer: no token to predict (sequences need at least 2 tokens)")
	}
	return sc, nil
}

// Perplexity returns exp of the mean next-token NLL over seqs (see score
// for sequences longer than the context).
func (m *Transformer) Perplexity(seqs [][]int) (float64, error) {
	sc, err := m.score(seqs)
	if err != nil {
		return 0, err
	}
	return math.Exp(sc.nats / float64(sc.tokens)), nil
}

// Evaluate computes the test metrics on the token rows of a data set: nll
// (nats per token), perplexity, bits_per_token and bits_per_byte (bits
// per byte of decoded text; for byte tokens on ASCII text, bits per
// character).
func (m *Transformer) Evaluate(test *data.Dataset, _ *tensor.Rngs) (map[string]float64, error) {
	if test.Len() == 0 {
		return nil, errors.New("transformer: empty test set")
	}
	ids, b, l, err := batchTokens(test.Images())
	if err != nil {
		return nil, err
	}
	seqs := make([][]int, b)
	for i := range seqs {
		seqs[i] = ids[i*l : (i+1)*l]
	}
	sc, err := m.score(seqs)
	if err != nil {
		return nil, err
	}
	nll := sc.nats / float64(sc.tokens)
	out := map[string]float64{"nll": nll, "perplexity": math.Exp(nll), "bits_per_token": nll / math.Ln2}
	if sc.bytes > 0 {
		out["bits_per_byte"] = sc.nats / math.Ln2 / float64(sc.bytes)
	}
	return out, nil
}

// checkSampling validates the sampling parameters.
func checkSampling(maxTokens int, temperature float64, topK int, topP float64) error {
	switch {
	case maxTokens < 0:
		return fmt.Errorf("transformer: maxTokens must be >= 0, got %d", maxTokens)
	case temperature < 0 || math.IsNaN(temperature) || math.IsInf(temperature, 0):
		return fmt.Errorf("transformer: temperature must be >= 0 (0: greedy), got %g", temperature)
	case topK < 0:
		return fmt.Errorf("transformer: topK must be >= 0 (0: no limit), got %d", topK)
	case !(topP > 0 && topP <= 1):
		return fmt.Errorf("transformer: topP must be in (0, 1] (1: no limit), got %g", topP)
	}
	return nil
}

// lmProbs turns next-token logits into the distribution to sample from:
// logits/temperature through a softmax, restricted to the topK most likely
// tokens (topK > 0), then to the smallest set of most likely tokens whose
// probability reaches topP (nucleus sampling, Holtzman et al. 2020), and
// renormalised. Temperature 0 puts all mass on the first most likely token.
// Ties in rank go to the smaller id.
func lmProbs(logits []float32, temperature float64, topK int, topP float64) []float64 {
	p := make([]float64, len(logits))
	if temperature == 0 {
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		p[best] = 1
		return p
	}
	hi := math.Inf(-1)
	for _, v := range logits {
		hi = max(hi, float64(v))
	}
	for i, v := range logits {
		p[i] = math.Exp((float64(v) - hi) / temperature)
	}
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] > p[order[b]] })
	keep := len(order)
	if topK > 0 {
		keep = min(keep, topK)
	}
	if topP < 1 {
		total := 0.0
		for _, i := range order[:keep] {
			total += p[i]
		}
		cum := 0.0
		for j, i := range order[:keep] {
			cum += p[i] / total
			if cum >= topP {
				keep = j + 1
				break
			}
		}
	}
	for _, i := range order[keep:] {
		p[i] = 0
	}
	total := 0.0
	for _, v := range p {
		total += v
	}
	for i := range p {
		p[i] /= total
	}
	return p
}

// lmDraw draws an index from probabilities p.
func lmDraw(p []float64, s *tensor.Stream) int {
	u := s.Float64()
	last := 0
	for i, v := range p {
		if v == 0 {
			continue
		}
		last = i
		if u < v {
			return i
		}
		u -= v
	}
	return last
}

func (m *Transformer) newCaches() []*nn.KVCache {
	c := make([]*nn.KVCache, len(m.Blocks))
	for i := range c {
		c[i] = &nn.KVCache{}
	}
	return c
}

// lastRow returns the logits of the last position of a [1, t, V] output.
func lastRow(logits *tensor.Tensor) []float32 {
	v := logits.Dim(2)
	d := logits.Data()
	return slices.Clone(d[len(d)-v:])
}

// Generate continues prompt by up to maxTokens tokens drawn one at a time
// from lmProbs(temperature, topK, topP) with rngs' sample stream, reusing
// the keys and values of earlier positions (nn.KVCache) so that each
// step runs the model on one token. It stops early at the bound eos token
// (which is returned). When the context is full, the cache is rebuilt from
// the last ContextLength/2 tokens. It returns the new tokens; switch
// dropout off (nn.SetTraining(m, false)) before sampling.
func (m *Transformer) Generate(prompt []int, maxTokens int, temperature float64, topK int, topP float64, rngs *tensor.Rngs) ([]int, error) {
	if err := checkSampling(maxTokens, temperature, topK, topP); err != nil {
		return nil, err
	}
	if len(prompt) == 0 {
		return nil, errors.New("transformer: the prompt must hold at least one token")
	}
	if err := m.checkIDs(prompt); err != nil {
		return nil, err
	}
	s := rngs.Sample()
	ctx := m.opts.ContextLength
	seq := slices.Clone(prompt)
	if len(seq) > ctx {
		seq = seq[len(seq)-ctx:]
	}
	var out []int
	tensor.NoGrad(func() {
		caches := m.newCaches()
		logits := lastRow(m.forward(seq, 1, len(seq), 0, caches))
		for len(out) < maxTokens {
			tok := lmDraw(lmProbs(logits, temperature, topK, topP), s)
			out = append(out, tok)
			seq = append(seq, tok)
			if tok == m.eos || len(out) == maxTokens {
				return
			}
			if caches[0].Len() < ctx {
				logits = lastRow(m.forward([]int{tok}, 1, 1, caches[0].Len(), caches))
				continue
			}
			keep := seq[len(seq)-max(ctx/2, 1):]
			caches = m.newCaches()
			logits = lastRow(m.forward(keep, 1, len(keep), 0, caches))
		}
	})
	return out, nil
}

// SampleText continues the text prompt by up to maxTokens tokens (see
// Generate) and returns prompt and continuation as text.
func (m *Transformer) SampleText(prompt string, maxTokens int, temperature float64, topK int, topP float64, rngs *tensor.Rngs) (string, error) {
	ids := m.Encode(prompt)
	gen, err := m.Generate(ids, maxTokens, temperature, topK, topP, rngs)
	if err != nil {
		return "", err
	}
	return prompt + m.Decode(gen), nil
}

// lmBeam is one hypothesis of a beam search.
type lmBeam[S any] struct {
	tokens []int
	score  float64   // summed log-probability
	state  S         // what step needs to extend it
	next   []float64 // log-probabilities of the next token
}

// lmBeamSearch keeps the width most probable continuations, extending each
// by every token at each step; a hypothesis ending in eos (eos >= 0) is
// finished. It returns the most probable finished or maxTokens-long
// hypothesis and its summed log-probability. step(state, tok) returns the
// state after tok and the log-probabilities of the token after it.
func lmBeamSearch[S any](start S, first []float64, step func(S, int) (S, []float64), maxTokens, width, eos int) ([]int, float64) {
	type cand struct {
		beam, tok int
		score     float64
	}
	beams := []lmBeam[S]{{state: start, next: first}}
	var done []lmBeam[S]
	for t := 0; t < maxTokens && len(beams) > 0; t++ {
		var cands []cand
		for bi, b := range beams {
			for tok, lp := range b.next {
				if !math.IsInf(lp, -1) {
					cands = append(cands, cand{bi, tok, b.score + lp})
				}
			}
		}
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
		var next []lmBeam[S]
		for _, c := range cands[:min(width, len(cands))] {
			b := beams[c.beam]
			nb := lmBeam[S]{tokens: append(slices.Clone(b.tokens), c.tok), score: c.score}
			if c.tok == eos || t == maxTokens-1 {
				done = append(done, nb)
				continue
			}
			nb.state, nb.next = step(b.state, c.tok)
			next = append(next, nb)
		}
		beams = next
		// Scores only fall as hypotheses grow: stop once a finished one
		// beats every live one.
		if len(done) > 0 && len(beams) > 0 {
			best := slices.MaxFunc(done, func(a, b lmBeam[S]) int { return cmpFloat(a.score, b.score) })
			live := slices.MaxFunc(beams, func(a, b lmBeam[S]) int { return cmpFloat(a.score, b.score) })
			if best.score >= live.score {
				beams = nil
			}
		}
	}
	done = append(done, beams...)
	if len(done) == 0 {
		return nil, 0
	}
	best := done[0]
	for _, d := range done[1:] {
		if d.score > best.score {
			best = d
		}
	}
	return best.tokens, best.score
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// logSoftmax returns the log-probabilities of logits.
func logSoftmax(logits []float32) []float64 {
	hi := math.Inf(-1)
	for _, v := range logits {
		hi = max(hi, float64(v))
	}
	s := 0.0
	for _, v := range logits {
		s += math.Exp(float64(v) - hi)
	}
	lse := hi + math.Log(s)
	out := make([]float64, len(logits))
	for i, v := range logits {
		out[i] = float64(v) - lse
	}
	return out
}

// BeamSearch returns the continuation of prompt, at most maxTokens long
// (shorter when it ends with the bound eos token), that a beam of width
// hypotheses finds most probable, with its log-probability in nats.
// prompt plus continuation must fit in the context.
func (m *Transformer) BeamSearch(prompt []int, maxTokens, width int) ([]int, float64, error) {
	switch {
	case len(prompt) == 0:
		return nil, 0, errors.New("transformer: the prompt must hold at least one token")
	case maxTokens < 1:
		return nil, 0, fmt.Errorf("transformer: maxTokens must be >= 1, got %d", maxTokens)
	case width < 1:
		return nil, 0, fmt.Errorf("transformer: beam width must be >= 1, got %d", width)
	case len(prompt)+maxTokens-1 > m.opts.ContextLength:
		return nil, 0, fmt.Errorf("transformer: prompt of %d tokens plus %d new ones exceeds the context length %d", len(prompt), maxTokens, m.opts.ContextLength)
	}
	if err := m.checkIDs(prompt); err != nil {
		return nil, 0, err
	}
	var toks []int
	var score float64
	tensor.NoGrad(func() {
		caches := m.newCaches()
		first := logSoftmax(lastRow(m.forward(prompt, 1, len(prompt), 0, caches)))
		// A hypothesis's caches are copied by value: ForwardCached
		// replaces K and V with new tensors, so hypotheses share the
		// tensors of their common prefix safely.
		state := make([]nn.KVCache, len(caches))
		for i, c := range caches {
			state[i] = *c
		}
		step := func(s []nn.KVCache, tok int) ([]nn.KVCache, []float64) {
			cs := make([]*nn.KVCache, len(s))
			ns := slices.Clone(s)
			for i := range ns {
				cs[i] = &ns[i]
			}
			return ns, logSoftmax(lastRow(m.forward([]int{tok}, 1, 1, ns[0].Len(), cs)))
		}
		toks, score = lmBeamSearch(state, first, step, maxTokens, width, m.eos)
	})
	return toks, score, nil
}
