package sampling

import (
	"fmt"

	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// DrawSequences draws n protein sequences from a model of sequences
// (protein.SequenceSampler) at the options' temperature, 1 when unset.
func DrawSequences(m models.Model, n int, o Options, rngs *tensor.Rngs) ([]string, error) {
	ss, ok := m.(protein.SequenceSampler)
	if !ok {
		return nil, fmt.Errorf("sampling: model %s does not draw protein sequences", Describe(m))
	}
	if n <= 0 {
		return nil, fmt.Errorf("sampling: number of samples must be > 0, got %d", n)
	}
	if o.Diffusion() {
		return nil, fmt.Errorf("sampling: sampler, steps and eta do not apply to model %s, which draws protein sequences with its configured sampler", Describe(m))
	}
	temperature := 1.0
	if o.Temperature != nil {
		temperature = *o.Temperature
	}
	nn.SetTraining(m, false)
	var seqs []string
	var err error
	tensor.NoGrad(func() { seqs, err = ss.SampleSequences(n, temperature, rngs) })
	if err != nil {
		return nil, fmt.Errorf("sampling: %w", err)
	}
	return seqs, nil
}

// FASTARecords returns the FASTA records of sequences drawn by the model
// name at training step step with the given seed: one per sequence, whose
// header names the three, the sample's number and its length. Gap tokens
// after a chain's end are dropped and other unknown residues written X
// (protein.FASTASequence).
func FASTARecords(name string, step int64, seed uint64, seqs []string) []protein.FASTARecord {
	records := make([]protein.FASTARecord, len(seqs))
	for i, s := range seqs {
		residues := protein.FASTASequence(s)
		records[i] = protein.FASTARecord{
			Header:   fmt.Sprintf("%s_%d model=%s step=%d seed=%d sample=%d length=%d", name, i+1, name, step, seed, i+1, len(residues)),
			Sequence: residues,
		}
	}
	return records
}
