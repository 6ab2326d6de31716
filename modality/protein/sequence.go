package protein

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/tensor"
)

// SequenceSampler is a model that draws protein sequences.
type SequenceSampler interface {
	// SampleSequences draws n sequences of the model's length, one letter
	// of Alphabet per position ('-' for the gap/unknown token), with the
	// prior's spread scaled by temperature (1: the model as trained).
	SampleSequences(n int, temperature float64, rngs *tensor.Rngs) ([]string, error)
}

// Sequences is a model over one-hot residue sequences [L, 21] adapted to
// proteins (Modality.Adapt returns it for that input): a VAE with the
// categorical likelihood, or a DDPM over the one-hot vectors. It trains as
// Adapted does (sequences have no backbone constraint), draws sequences
// (SequenceSampler), writes them as FASTA and evaluates them against the
// test and training sequences (EvaluateWithTraining).
type Sequences struct {
	*Adapted
}

// priorSampler is a VAE that decodes latents drawn from its prior.
type priorSampler interface {
	Sample(n int, temperature float64, rngs *tensor.Rngs) *tensor.Tensor
}

// SampleSequences implements SequenceSampler. A VAE draws latents from
// its prior (scaled by temperature) and then every residue from the
// decoder's categorical distribution at that position, the model's own
// p(x|z); a DDPM samples the one-hot vectors with its configured sampler
// and takes the largest entry at each position (it has no temperature:
// anything but 1 is an error).
func (s *Sequences) SampleSequences(n int, temperature float64, rngs *tensor.Rngs) ([]string, error) {
	if n <= 0 {
		return nil, fmt.Errorf("protein: number of sequences must be > 0, got %d", n)
	}
	if !(temperature > 0) {
		return nil, fmt.Errorf("protein: sampling temperature must be > 0, got %g", temperature)
	}
	var tokens []int
	switch {
	case s.ddpm != nil:
		if temperature != 1 {
			return nil, fmt.Errorf("protein: a diffusion model of sequences has no sampling temperature (got %g)", temperature)
		}
		var x *tensor.Tensor
		var err error
		tensor.NoGrad(func() { x, err = s.ddpm.Sample(n, diffusion.SampleOptions{Eta: -1}, rngs) })
		if err != nil {
			return nil, fmt.Errorf("protein: %w", err)
		}
		tokens = argmaxRows(x.Data(), VocabSize)
	default:
		ps, ok := s.vae.(priorSampler)
		if !ok {
			return nil, fmt.Errorf("protein: the wrapped VAE %s cannot sample", s.cfg.ModelClass)
		}
		var logits *tensor.Tensor
		tensor.NoGrad(func() { logits = tensor.Log(ps.Sample(n, temperature, rngs)) })
		tokens = rngs.Stream("protein/residues").Categorical(tensor.Reshape(logits, -1, VocabSize))
	}
	return tokenStrings(tokens, s.length), nil
}

// argmaxRows returns the index of the largest value of each row of k
// values.
func argmaxRows(vals []float32, k int) []int {
	out := make([]int, len(vals)/k)
	for r := range out {
		row := vals[r*k : (r+1)*k]
		for j, v := range row {
			if v > row[out[r]] {
				out[r] = j
			}
		}
	}
	return out
}

// tokenStrings cuts vocabulary indices into strings of length letters.
func tokenStrings(tokens []int, length int) []string {
	out := make([]string, len(tokens)/length)
	b := make([]byte, length)
	for i := range out {
		for j, t := range tokens[i*length : (i+1)*length] {
			b[j] = Alphabet[t]
		}
		out[i] = string(b)
	}
	return out
}

// DecodeSequences returns the sequences of one-hot examples x
// [N, (1,) L, VocabSize] (OneHotSequences' layout): the letter of the
// largest entry at each position.
func DecodeSequences(x *tensor.Tensor) ([]string, error) {
	n := x.Dim(0)
	if n == 0 || x.Size()%(n*VocabSize) != 0 || x.Dim(-1) != VocabSize {
		return nil, fmt.Errorf("protein: examples of shape %v are not one-hot sequences over %d tokens", x.Shape(), VocabSize)
	}
	return tokenStrings(argmaxRows(x.Data(), VocabSize), x.Size()/(n*VocabSize)), nil
}

// SampleFile implements models.FileSampler: the trainer writes one sampled
// sequence, samples.fasta, at the end of a run.
func (s *Sequences) SampleFile() string { return "samples.fasta" }

// WriteSample draws one sequence and writes it to path as FASTA.
func (s *Sequences) WriteSample(path string, rngs *tensor.Rngs) error {
	seqs, err := s.SampleSequences(1, 1, rngs)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	rec := FASTARecord{Header: fmt.Sprintf("%s_1 model=%s", s.cfg.Name, s.cfg.Name), Sequence: FASTASequence(seqs[0])}
	if err := WriteFASTA(f, []FASTARecord{rec}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Evaluate implements models.Evaluator: EvaluateWithTraining without the
// training split, so without the identity to the nearest training
// sequence.
func (s *Sequences) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	return s.EvaluateWithTraining(test, nil, rngs)
}

// EvaluateWithTraining returns the wrapped model's own test metrics (a
// VAE's IWAE bound and negative ELBO, nats per sequence) and
// SequenceMetrics of min(test examples, MaxEvalSamples) drawn sequences,
// of as many test sequences and of as many uniformly random ones, under
// keys "METRIC/GROUP" with the groups GroupSamples, GroupTest and
// GroupUniform. train (nil to leave it out) is the training split, the
// reference of the nearest-sequence identity.
func (s *Sequences) EvaluateWithTraining(test, train *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	if test.Len() == 0 {
		return nil, fmt.Errorf("protein: the test split holds no sequences")
	}
	out := map[string]float64{}
	if ev, ok := s.Model.(models.Evaluator); ok {
		m, err := ev.Evaluate(test, rngs)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			out[k] = v
		}
	}
	testSeqs, err := DecodeSequences(test.Images())
	if err != nil {
		return nil, err
	}
	var trainSeqs []string
	if train != nil {
		if trainSeqs, err = DecodeSequences(train.Images()); err != nil {
			return nil, err
		}
	}
	n := min(len(testSeqs), MaxEvalSamples)
	samples, err := s.SampleSequences(n, 1, rngs)
	if err != nil {
		return nil, err
	}
	u := rngs.Stream("protein/uniform")
	uniform := make([]string, n)
	b := make([]byte, s.length)
	for i := range uniform {
		for j := range b {
			b[j] = Alphabet[u.Intn(NumAminoAcids)]
		}
		uniform[i] = string(b)
	}
	ref := Composition(testSeqs)
	groups := map[string]SequenceStats{
		GroupSamples: MeasureSequences(samples, ref, trainSeqs),
		GroupTest:    MeasureSequences(testSeqs[:n], ref, trainSeqs),
		GroupUniform: MeasureSequences(uniform, ref, trainSeqs),
	}
	// The test set is at distance 0 from itself; its column shows instead
	// how far the training composition is from it: the distance of a
	// model that learnt the training sequences' composition exactly.
	st := groups[GroupTest]
	st.CompositionTV = math.NaN()
	if trainSeqs != nil {
		st.CompositionTV = CompositionTV(Composition(trainSeqs), ref)
	}
	groups[GroupTest] = st
	for g, st := range groups {
		for k, v := range st.Metrics() {
			out[k+"/"+g] = v
		}
	}
	out["sequences/"+GroupSamples] = float64(n)
	return out, nil
}

// FASTARecord is one record of a FASTA file: the header line without its
// '>' (an identifier, then free text) and the residues.
type FASTARecord struct {
	Header, Sequence string
}

// fastaWidth is the number of residues per line WriteFASTA writes.
const fastaWidth = 60

// FASTASequence returns a model's sequence as FASTA residues: the gap
// tokens at the end (the padding after a chain's last residue) dropped,
// and any other gap/unknown token written as X, FASTA's unknown amino
// acid.
func FASTASequence(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "-"), "-", "X")
}

// WriteFASTA writes records as FASTA, residues wrapped at 60 per line.
func WriteFASTA(w io.Writer, records []FASTARecord) error {
	var sb strings.Builder
	for _, r := range records {
		if strings.ContainsAny(r.Header, "\n\r") {
			return fmt.Errorf("protein: FASTA header %q spans lines", r.Header)
		}
		sb.WriteString(">" + r.Header + "\n")
		for i := 0; i < len(r.Sequence); i += fastaWidth {
			sb.WriteString(r.Sequence[i:min(i+fastaWidth, len(r.Sequence))] + "\n")
		}
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// ReadFASTA reads the records of FASTA text: each '>' line starts one,
// the lines up to the next are its residues (whitespace dropped).
func ReadFASTA(r io.Reader) ([]FASTARecord, error) {
	var out []FASTARecord
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<26) // unwrapped sequences make long lines
	for i := 1; sc.Scan(); i++ {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, ">"):
			out = append(out, FASTARecord{Header: line[1:]})
		case strings.TrimSpace(line) == "":
		case len(out) == 0:
			return nil, fmt.Errorf("protein: FASTA line %d: residues before the first '>' header", i)
		default:
			out[len(out)-1].Sequence += strings.Join(strings.Fields(line), "")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("protein: reading FASTA: %w", err)
	}
	return out, nil
}
