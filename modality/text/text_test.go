package text

import (
	"github.com/artifex-go/artifex/internal/goldentest"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestByteTokenizerRoundTripsAnyStringAndSkipsSpecials(t *testing.T) {
	tok := ByteTokenizer{}
	for _, s := range []string{"", "hello, world\n", "héllo ☃", "\xff\xfe invalid utf-8"} {
		ids := tok.Encode(s)
		if len(ids) != len(s) {
			t.Errorf("%q: %d ids, want one per byte", s, len(ids))
		}
		if got := tok.Decode(ids); got != s {
			t.Errorf("round trip %q -> %q", s, got)
		}
	}
	sp := tok.Specials()
	if got := tok.Decode(WithSpecials(tok.Encode("ab"), sp)); got != "ab" {
		t.Errorf("decode with bos/eos = %q, want %q", got, "ab")
	}
	if tok.VocabSize() != 260 || sp != (Specials{Pad: 256, Unk: 257, BOS: 258, EOS: 259}) {
		t.Errorf("vocab %d specials %+v", tok.VocabSize(), sp)
	}
}

func TestCharTokenizerUsesSortedAlphabetAfterSpecialsAndUnkForUnseen(t *testing.T) {
	tok, err := NewCharTokenizer("banana bread")
	if err != nil {
		t.Fatal(err)
	}
	// Alphabet " abdenr" after pad, unk, bos, eos.
	if got, want := string(tok.Alphabet()), " abdenr"; got != want {
		t.Fatalf("alphabet %q, want %q", got, want)
	}
	if got, want := tok.Encode("bad x"), []int{6, 5, 7, 4, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
	if got := tok.Decode(tok.Encode("near barn")); got != "near barn" {
		t.Errorf("round trip gave %q", got)
	}
	if tok.VocabSize() != 11 {
		t.Errorf("vocab %d, want 11", tok.VocabSize())
	}
	if _, err := NewCharTokenizer(""); err == nil {
		t.Error("empty corpus accepted")
	}
	if _, err := NewCharTokenizer("a\xffb"); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8: err = %v", err)
	}
}

// The merges of the tiny corpus, worked by hand. Pieces: "aaab", " aaab",
// " aab" (each once). Pair counts: (a,a)=5, (a,b)=3, ... → merge 260 = aa.
// Then "aa a b", " aa a b", " aa b": (aa,a)=2 ties (a,b)=2 with (aa,b)=1,
// (' ',aa)=2; the smallest pair among (32,260), (97,98), (260,97) is
// (32,260) → 261 = " aa". Then "aa a b", "<261> a b", "<261> b":
// (a,b)=2 is the only pair occurring twice → 262 = ab. Then "aa ab",
// "<261> ab", "<261> b": no pair occurs twice, so training stops early.
func TestBPELearnsGoldenMergesOnTinyCorpus(t *testing.T) {
	bpe, err := TrainBPE("aaab aaab aab", 300)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{'a', 'a'}, {' ', 260}, {'a', 'b'}}
	if got := bpe.Merges(); !reflect.DeepEqual(got, want) {
		t.Fatalf("merges %v, want %v", got, want)
	}
	if got, want := bpe.Encode("aaab aab"), []int{260, 262, 261, 'b'}; !reflect.DeepEqual(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
	if got := string(bpe.Token(261)); got != " aa" {
		t.Errorf("token 261 = %q", got)
	}
	if bpe.VocabSize() != 263 {
		t.Errorf("vocab %d, want 263", bpe.VocabSize())
	}
	// The vocabulary size bounds the merges.
	small, err := TrainBPE("aaab aaab aab", 261)
	if err != nil || len(small.Merges()) != 1 {
		t.Errorf("vocab 261: merges %v, err %v", small.Merges(), err)
	}
}

func TestBPERoundTripsTextItWasNotTrainedOn(t *testing.T) {
	corpus := strings.Repeat("the quick brown fox jumps over the lazy dog. ", 20)
	bpe, err := TrainBPE(corpus, 320)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{corpus, "the the  fox\n\tdog", "ünïcödé ☃ and \xff bytes", "", " leading and trailing "} {
		ids := bpe.Encode(s)
		if got := bpe.Decode(ids); got != s {
			t.Errorf("round trip %q -> %q", s, got)
		}
	}
	if n := len(bpe.Encode(corpus)); n >= len(corpus)/3 {
		t.Errorf("the trained corpus takes %d tokens for %d bytes: merges do not compress", n, len(corpus))
	}
	if _, err := TrainBPE(corpus, 100); err == nil || !strings.Contains(err.Error(), "at least 260") {
		t.Errorf("vocab 100: err = %v", err)
	}
	if _, err := NewBPE([][2]int{{'a', 261}}); err == nil {
		t.Error("merge naming a later id accepted")
	}
}

func TestTokenizersSaveAndLoadAsJSON(t *testing.T) {
	bpe, err := TrainBPE("low lower lowest newer newest", 280)
	if err != nil {
		t.Fatal(err)
	}
	chars, err := NewCharTokenizer("hello world")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, tok := range map[string]Tokenizer{"byte": ByteTokenizer{}, "char": chars, "bpe": bpe} {
		path := filepath.Join(dir, name+".json")
		if err := SaveTokenizer(path, tok); err != nil {
			t.Fatal(err)
		}
		back, err := LoadTokenizer(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s := "lowest hello"
		if !reflect.DeepEqual(back.Encode(s), tok.Encode(s)) || back.VocabSize() != tok.VocabSize() || back.Specials() != tok.Specials() {
			t.Errorf("%s: loaded tokeniser differs", name)
		}
	}
	if _, err := UnmarshalTokenizer([]byte(`{"type":"wordpiece"}`)); err == nil || !strings.Contains(err.Error(), "byte, char, bpe") {
		t.Errorf("unknown type: err = %v", err)
	}
	if _, err := LoadTokenizer(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestPadMasksPaddingAndBatches(t *testing.T) {
	p, err := Pad([][]int{{1, 2, 3}, {4}}, 0, 9)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.IDs, []int{1, 2, 3, 4, 9, 9}) || !reflect.DeepEqual(p.Mask, []float32{1, 1, 1, 1, 0, 0}) || p.Length != 3 {
		t.Errorf("Pad = %+v", p)
	}
	if _, err := Pad([][]int{{1, 2, 3}}, 2, 0); err == nil || !strings.Contains(err.Error(), "more than the length 2") {
		t.Errorf("too long: err = %v", err)
	}
	bs, err := Batches([][]int{{1}, {2, 2}, {3, 3, 3}}, 2, 0, 0)
	if err != nil || len(bs) != 2 || bs[0].Length != 2 || bs[1].Length != 3 || bs[1].Batch != 1 {
		t.Errorf("Batches = %+v, %v", bs, err)
	}
	if _, err := Batches(nil, 0, 0, 0); err == nil {
		t.Error("batch size 0 accepted")
	}
	rows, err := Windows([]int{0, 1, 2, 3, 4, 5, 6}, 3, 2)
	if err != nil || !reflect.DeepEqual(rows, [][]int{{0, 1, 2}, {2, 3, 4}, {4, 5, 6}}) {
		t.Errorf("Windows = %v, %v", rows, err)
	}
}

type golden struct {
	BLEU map[string]struct {
		Candidates []string   `json:"candidates"`
		References [][]string `json:"references"`
		BLEU4      float64    `json:"bleu4"`
		BLEU2      float64    `json:"bleu2"`
	} `json:"bleu"`
	Distinct struct {
		Sequences []string `json:"sequences"`
		D1        float64  `json:"distinct1"`
		D2        float64  `json:"distinct2"`
		D3        float64  `json:"distinct3"`
	} `json:"distinct"`
}

func readGolden(t *testing.T) golden { return goldentest.Load[golden](t, "testdata/text_golden.json") }

func TestBLEUMatchesGoldenValues(t *testing.T) {
	g := readGolden(t)
	if len(g.BLEU) == 0 {
		t.Fatal("no BLEU cases")
	}
	for name, c := range g.BLEU {
		var cands [][]string
		var refs [][][]string
		for i, s := range c.Candidates {
			cands = append(cands, strings.Fields(s))
			var rs [][]string
			for _, r := range c.References[i] {
				rs = append(rs, strings.Fields(r))
			}
			refs = append(refs, rs)
		}
		for n, want := range map[int]float64{4: c.BLEU4, 2: c.BLEU2} {
			got, err := BLEU(cands, refs, n)
			if err != nil || math.Abs(got-want) > 1e-12 {
				t.Errorf("%s BLEU-%d = %v (%v), want %v", name, n, got, err, want)
			}
		}
	}
	if _, err := BLEU([][]string{{"a"}}, nil, 4); err == nil {
		t.Error("mismatched references accepted")
	}
}

func TestDistinctNMatchesGoldenAndRepetitionRate(t *testing.T) {
	g := readGolden(t)
	var seqs [][]string
	for _, s := range g.Distinct.Sequences {
		seqs = append(seqs, strings.Fields(s))
	}
	for n, want := range map[int]float64{1: g.Distinct.D1, 2: g.Distinct.D2, 3: g.Distinct.D3} {
		got, err := DistinctN(seqs, n)
		if err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("distinct-%d = %v (%v), want %v", n, got, err, want)
		}
	}
	// "a dog a dog a dog": bigrams ab, ba, ab, ba, ab → 3 of 5 repeat.
	rep, err := RepetitionRate([][]string{strings.Fields("a dog a dog a dog"), strings.Fields("no repeats here")}, 2)
	if err != nil || math.Abs(rep-(0.6+0)/2) > 1e-12 {
		t.Errorf("repetition rate = %v (%v), want 0.3", rep, err)
	}
	if _, err := DistinctN(seqs, 0); err == nil {
		t.Error("n = 0 accepted")
	}
	if got := Perplexity(math.Log(7)); math.Abs(got-7) > 1e-12 {
		t.Errorf("Perplexity(log 7) = %v", got)
	}
	if got := BitsPer(2*math.Ln2*10, 10); math.Abs(got-2) > 1e-12 {
		t.Errorf("BitsPer = %v, want 2", got)
	}
}
