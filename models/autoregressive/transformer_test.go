package autoregressive

import (
	"github.com/artifex-go/artifex/internal/datatest"
	"github.com/artifex-go/artifex/internal/fittest"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func tinyLM(t *testing.T, positions string, seed uint64) *Transformer {
	t.Helper()
	o := TransformerOptions{VocabSize: 11, ContextLength: 12, Dim: 16, Layers: 2, Heads: 2, FFDim: 32, Positions: positions}
	m, err := NewTransformer(config.ModelConfiguration{Name: "tiny", ModelClass: "Transformer"}, o, nn.NewRngs(seed))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// allPositions are the position encodings every causality and cache test
// runs with.
var allPositions = []string{LearnedPositions, SinusoidalPositions, RotaryPositions}

func TestTransformerLogitsAtTDoNotDependOnLaterTokens(t *testing.T) {
	for _, pos := range allPositions {
		m := tinyLM(t, pos, 1)
		ids := []int{1, 5, 2, 7, 3, 9, 4, 0}
		base := m.Logits(ids, 1, len(ids)).Data()
		v := m.VocabSize()
		for cut := 1; cut < len(ids); cut++ {
			changed := slices.Clone(ids)
			for j := cut; j < len(ids); j++ {
				changed[j] = (changed[j] + 3) % v
			}
			got := m.Logits(changed, 1, len(ids)).Data()
			for i := 0; i < cut*v; i++ {
				if got[i] != base[i] {
					t.Fatalf("%s: changing tokens from %d on changed the logits at position %d", pos, cut, i/v)
				}
			}
			if slices.Equal(got[cut*v:], base[cut*v:]) {
				t.Fatalf("%s: changing token %d changed no later logits: the test would pass for a model that ignores its input", pos, cut)
			}
		}
	}
}

func TestTransformerCachedStepsEqualFullComputation(t *testing.T) {
	for _, pos := range allPositions {
		m := tinyLM(t, pos, 2)
		ids := []int{3, 1, 4, 1, 5, 9, 2, 6, 5, 3}
		full := m.Logits(ids, 1, len(ids)).Data()
		caches := m.newCaches()
		v := m.VocabSize()
		// A prompt of 4 then one token at a time.
		got := slices.Clone(m.forward(ids[:4], 1, 4, 0, caches).Data())
		for i := 4; i < len(ids); i++ {
			got = append(got, m.forward(ids[i:i+1], 1, 1, i, caches).Data()...)
		}
		for i := range full {
			if math.Abs(float64(full[i]-got[i])) > 1e-4 {
				t.Fatalf("%s: cached logit %d (position %d) = %v, full = %v", pos, i, i/v, got[i], full[i])
			}
		}
	}
}

func TestTransformerGreedyGenerationEqualsArgmaxOfFullRecomputation(t *testing.T) {
	for _, pos := range []string{LearnedPositions, RotaryPositions} {
		m := tinyLM(t, pos, 3)
		prompt := []int{2, 7}
		// 20 new tokens overflow the context of 12 and exercise the rebuild.
		gen, err := m.Generate(prompt, 20, 0, 0, 1, nn.NewRngs(0))
		if err != nil {
			t.Fatal(err)
		}
		if len(gen) != 20 {
			t.Fatalf("%s: generated %d tokens, want 20", pos, len(gen))
		}
		// Replay the generator's view: the cache holds seq[from:] until it
		// is full, then is rebuilt from the last ContextLength/2 tokens.
		ctx := m.ContextLength()
		seq, from := slices.Clone(prompt), 0
		for i, tok := range gen {
			row := lastRow(m.Logits(seq[from:], 1, len(seq)-from))
			if want := slices.Index(lmProbs(row, 0, 0, 1), 1); tok != want {
				t.Fatalf("%s: token %d = %d, full recomputation's argmax = %d", pos, i, tok, want)
			}
			seq = append(seq, tok)
			if len(seq)-1-from >= ctx {
				from = len(seq) - ctx/2
			}
		}
	}
}

func TestLMProbsTopKAndTopPKeepTheirSupport(t *testing.T) {
	logits := []float32{1, 3, 2, 0, 3}
	// Softmax weights e^(l-3): 0.135, 1, 0.368, 0.0498, 1.
	p := lmProbs(logits, 1, 2, 1)
	if p[1] != 0.5 || p[4] != 0.5 || p[0] != 0 || p[2] != 0 || p[3] != 0 {
		t.Errorf("top-2 = %v, want the two largest at 0.5", p)
	}
	total := 1 + 1 + math.Exp(-1) + math.Exp(-2) + math.Exp(-3)
	// Cumulative: 1/total = 0.392, 0.785, 0.929, ...: top-p 0.8 keeps 3.
	p = lmProbs(logits, 1, 0, 0.8)
	z := 2 + math.Exp(-1)
	for i, want := range []float64{0, 1 / z, math.Exp(-1) / z, 0, 1 / z} {
		if math.Abs(p[i]-want) > 1e-12 {
			t.Errorf("top-p 0.8: p[%d] = %v, want %v", i, p[i], want)
		}
	}
	p = lmProbs(logits, 1, 0, 1)
	if math.Abs(p[3]-math.Exp(-3)/total) > 1e-12 {
		t.Errorf("no filter: p[3] = %v, want %v", p[3], math.Exp(-3)/total)
	}
	// Temperature sharpens: 0.5 doubles the logit gaps.
	p = lmProbs([]float32{0, 1}, 0.5, 0, 1)
	if want := 1 / (1 + math.Exp(2)); math.Abs(p[0]-want) > 1e-12 {
		t.Errorf("temperature 0.5: p[0] = %v, want %v", p[0], want)
	}
	if p := lmProbs(logits, 0, 0, 1); p[1] != 1 {
		t.Errorf("temperature 0 = %v, want all mass on the first largest", p)
	}
	// Draws never leave the support.
	s := nn.NewRngs(0).Sample()
	for range 2000 {
		if tok := lmDraw(lmProbs(logits, 1, 3, 0.9), s); tok != 1 && tok != 4 && tok != 2 {
			t.Fatalf("drew %d outside the top-k/top-p support", tok)
		}
	}
}

func TestBeamSearchFindsTheMostProbableSequenceGreedyMisses(t *testing.T) {
	// A hand-made model over tokens {0: A, 1: B, 2: C, 3: D}: the first
	// token is A (0.6) or B (0.4); after A, C or D (0.5 each); after B,
	// C (0.9) or D (0.1). Greedy takes A (best 0.3); BC has 0.36.
	lp := func(ps ...float64) []float64 {
		out := make([]float64, len(ps))
		for i, p := range ps {
			out[i] = math.Log(p)
		}
		return out
	}
	step := func(prefix []int, tok int) ([]int, []float64) {
		next := append(slices.Clone(prefix), tok)
		switch {
		case len(next) == 1 && tok == 0:
			return next, lp(0, 0, 0.5, 0.5)
		case len(next) == 1 && tok == 1:
			return next, lp(0, 0, 0.9, 0.1)
		}
		return next, lp(0.25, 0.25, 0.25, 0.25)
	}
	first := lp(0.6, 0.4, 0, 0)
	toks, score := lmBeamSearch([]int(nil), first, step, 2, 2, -1)
	if !slices.Equal(toks, []int{1, 2}) || math.Abs(score-math.Log(0.36)) > 1e-12 {
		t.Errorf("beam 2 = %v (log p %v), want [1 2] (log 0.36)", toks, score)
	}
	toks, _ = lmBeamSearch([]int(nil), first, step, 2, 1, -1)
	if toks[0] != 0 {
		t.Errorf("beam 1 (greedy) = %v, want to start with A", toks)
	}
	// An end token finishes a hypothesis: with D as eos, "AD" ends at 0.3
	// and still loses to BC.
	toks, _ = lmBeamSearch([]int(nil), first, step, 3, 2, 3)
	if toks[0] != 1 || toks[1] != 2 {
		t.Errorf("beam with eos = %v, want to start B C", toks)
	}
}

func TestTransformerBeamSearchScoresItsSequence(t *testing.T) {
	m := tinyLM(t, LearnedPositions, 4)
	prompt := []int{1, 2}
	toks, score, err := m.BeamSearch(prompt, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Its score is the model's log-probability of the tokens.
	seq := append(slices.Clone(prompt), toks...)
	logits := m.Logits(seq, 1, len(seq)).Data()
	v := m.VocabSize()
	want := 0.0
	for i := len(prompt); i < len(seq); i++ {
		want += logSoftmax(logits[(i-1)*v : i*v])[seq[i]]
	}
	if math.Abs(score-want) > 1e-4 {
		t.Errorf("beam score %v, model log-probability %v", score, want)
	}
	greedy, _ := m.Generate(prompt, 4, 0, 0, 1, nn.NewRngs(0))
	gseq := append(slices.Clone(prompt), greedy...)
	gl := m.Logits(gseq, 1, len(gseq)).Data()
	gscore := 0.0
	for i := len(prompt); i < len(gseq); i++ {
		gscore += logSoftmax(gl[(i-1)*v : i*v])[gseq[i]]
	}
	if score < gscore-1e-5 {
		t.Errorf("beam score %v below greedy's %v", score, gscore)
	}
	if _, _, err := m.BeamSearch(prompt, 20, 2); err == nil || !strings.Contains(err.Error(), "context length") {
		t.Errorf("too long: err = %v", err)
	}
}

func TestTransformerRejectsBadParametersAndInputs(t *testing.T) {
	good := TransformerOptions{VocabSize: 11, ContextLength: 12, Dim: 16, Layers: 2, Heads: 2, FFDim: 32, Positions: LearnedPositions}
	for name, c := range map[string]struct {
		mut  func(*TransformerOptions)
		want string
	}{
		"heads":     {func(o *TransformerOptions) { o.Heads = 3 }, "num_heads"},
		"vocab":     {func(o *TransformerOptions) { o.VocabSize = 1 }, "vocab_size"},
		"positions": {func(o *TransformerOptions) { o.Positions = "alibi" }, `position_embedding must be "learned", "sinusoidal" or "rope"`},
		"dropout":   {func(o *TransformerOptions) { o.Dropout = 1 }, "dropout_rate"},
		"context":   {func(o *TransformerOptions) { o.ContextLength = 0 }, "max_seq_len"},
	} {
		o := good
		c.mut(&o)
		if _, err := NewTransformer(config.ModelConfiguration{}, o, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one naming %s", name, err, c.want)
		}
	}
	m := tinyLM(t, LearnedPositions, 0)
	r := nn.NewRngs(0)
	for name, call := range map[string]func() error{
		"temperature": func() error { _, err := m.Generate([]int{1}, 3, -1, 0, 1, r); return err },
		"topK":        func() error { _, err := m.Generate([]int{1}, 3, 1, -2, 1, r); return err },
		"topP":        func() error { _, err := m.Generate([]int{1}, 3, 1, 0, 0, r); return err },
		"empty":       func() error { _, err := m.Generate(nil, 3, 1, 0, 1, r); return err },
		"token":       func() error { _, err := m.Generate([]int{11}, 3, 1, 0, 1, r); return err },
		"perplexity":  func() error { _, err := m.Perplexity([][]int{{1}}); return err },
		"beam":        func() error { _, _, err := m.BeamSearch([]int{1}, 2, 0); return err },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: bad input accepted", name)
		}
	}
	if err := m.BindTokenizer(byteCodec{}, -1, -1); err == nil || !strings.Contains(err.Error(), "vocab_size >= 256") {
		t.Errorf("small vocabulary: err = %v", err)
	}
}

// byteCodec is a tokeniser of 256 byte ids for the tests.
type byteCodec struct{}

func (byteCodec) Encode(s string) []int   { return (&Transformer{}).Encode(s) }
func (byteCodec) Decode(ids []int) string { return (&Transformer{}).Decode(ids) }
func (byteCodec) VocabSize() int          { return 256 }

func TestPaddingTargetsAreLeftOutOfTheLoss(t *testing.T) {
	m := tinyLM(t, LearnedPositions, 5)
	if err := m.BindTokenizer(smallCodec{}, 0, -1); err != nil {
		t.Fatal(err)
	}
	r := nn.NewRngs(0)
	padded, _ := m.TrainLoss(data.Batch{Images: tensor.FromSlice([]float32{3, 4, 5, 6, 0, 0}, 1, 6)}, r)
	short, _ := m.TrainLoss(data.Batch{Images: tensor.FromSlice([]float32{3, 4, 5, 6}, 1, 4)}, r)
	if math.Abs(float64(padded.Item()-short.Item())) > 1e-6 {
		t.Errorf("padded loss %v, unpadded %v", padded.Item(), short.Item())
	}
	ppl, err := m.Perplexity([][]int{{3, 4, 5, 6, 0, 0}})
	if err != nil || math.Abs(ppl-math.Exp(float64(short.Item()))) > 1e-3 {
		t.Errorf("Perplexity = %v (%v), want exp(loss) = %v", ppl, err, math.Exp(float64(short.Item())))
	}
}

type smallCodec struct{}

func (smallCodec) Encode(s string) []int   { return nil }
func (smallCodec) Decode(ids []int) string { return strings.Repeat("x", len(ids)) }
func (smallCodec) VocabSize() int          { return 11 }

// realText returns the first bytes of Go's licence text, a real English
// text every Go installation has.
func realText(t *testing.T, n int) []byte {
	b, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "LICENSE"))
	if err != nil {
		datatest.Skipf(t, "no Go LICENSE text: %v", err)
	}
	return b[:min(n, len(b))]
}

// realTextModel returns 8 rows of 33 bytes of real text as values, and a
// small byte-level model with the given positions.
func realTextModel(t *testing.T, positions string) (vals []float32, o TransformerOptions, m *Transformer, rngs *nn.Rngs) {
	t.Helper()
	for _, c := range realText(t, 8*33) {
		vals = append(vals, float32(c))
	}
	o = TransformerOptions{VocabSize: 256, ContextLength: 32, Dim: 32, Layers: 2, Heads: 4, FFDim: 64, Positions: positions}
	rngs = nn.NewRngs(0)
	m, err := NewTransformer(config.ModelConfiguration{Name: "lm"}, o, rngs)
	if err != nil {
		t.Fatal(err)
	}
	return vals, o, m, rngs
}

// fitRealText trains m for 60 steps on the rows of vals: the NLL must start
// near that of uniform bytes (ln 256 = 5.55 nats) and at least halve.
func fitRealText(t *testing.T, m *Transformer, vals []float32, rngs *nn.Rngs) (first float64) {
	t.Helper()
	first, last := fittest.Fit(t, m, data.Batch{Images: tensor.FromSlice(vals, 8, 33)}, rngs, 3e-3, 60, "nll")
	if first < 4.5 || last > first/2 {
		t.Errorf("nll %v → %v: want a start near ln 256 and at least halved", first, last)
	}
	return first
}

func TestTransformerLearnsRealText(t *testing.T) {
	vals, _, m, rngs := realTextModel(t, LearnedPositions)
	first := fitRealText(t, m, vals, rngs)
	ds, err := data.NewDataset(vals, nil, 1, 1, 33)
	if err != nil {
		t.Fatal(err)
	}
	nn.SetTraining(m, false)
	metrics, err := m.Evaluate(ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(metrics["bits_per_byte"]-metrics["nll"]/math.Ln2) > 1e-9 || math.Abs(metrics["perplexity"]-math.Exp(metrics["nll"])) > 1e-9 {
		t.Errorf("inconsistent metrics %v", metrics)
	}
	if metrics["nll"] > first/2 {
		t.Errorf("evaluated nll %v not below half the start %v", metrics["nll"], first)
	}
	s, err := m.SampleText("Copyright", 20, 0.8, 0, 0.95, nn.NewRngs(1))
	if err != nil || !strings.HasPrefix(s, "Copyright") {
		t.Errorf("SampleText = %q, %v", s, err)
	}
}

// TestRotaryTransformerLearnsRealText trains a small model with rotary
// positions (no position embedding at all) on real text: it must learn as
// the learned-position model does.
func TestRotaryTransformerLearnsRealText(t *testing.T) {
	vals, o, m, rngs := realTextModel(t, RotaryPositions)
	if m.PositionEmbedding != nil || m.Blocks[0].Attn.Rotary == nil || m.Blocks[0].Attn.Rotary.Dim != 8 {
		t.Fatalf("rotary model: position embedding %v, first block's rotary %+v; want none and a rotation of the 8-wide heads", m.PositionEmbedding, m.Blocks[0].Attn.Rotary)
	}
	fitRealText(t, m, vals, rngs)
	o.Dim, o.Heads = 12, 4 // heads of width 3: no pairs to rotate
	if _, err := NewTransformer(config.ModelConfiguration{}, o, rngs); err == nil || !strings.Contains(err.Error(), "head width") {
		t.Errorf("odd head width: err = %v", err)
	}
}

func TestTrainLossCropsLongRowsToTheContext(t *testing.T) {
	m := tinyLM(t, SinusoidalPositions, 6)
	row := make([]float32, 40)
	for i := range row {
		row[i] = float32(i % 11)
	}
	loss, logs := m.TrainLoss(data.Batch{Images: tensor.FromSlice(row, 1, 1, 1, 40)}, nn.NewRngs(0))
	if math.IsNaN(float64(loss.Item())) || math.Abs(logs["bits_per_token"]-logs["nll"]/math.Ln2) > 1e-9 {
		t.Errorf("loss %v logs %v", loss.Item(), logs)
	}
}
