package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/modality/tabular"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/pretrained"
	"github.com/artifex-go/artifex/sampling"
)

func sampleCommand(reg *factory.Registry) *cobra.Command {
	var ckpt, zooName string
	var usePretrained bool
	r := sampleRun{ts: textSampling{temperature: 0.8}, as: audioSampling{temperature: 1}}
	cmd := &cobra.Command{
		Use:   "sample --checkpoint DIR",
		Short: "Draw samples from a trained model: a PNG image grid or scatter plot, CSV rows for tabular models, text for language models, WAV files for audio models, FASTA for protein sequence models, PDB, PLY or OBJ files for 3-D shapes",
		Long: `Draws samples from a trained model: a grid of images, or for a model of
points (nsf_tabular's 2-D densities) a scatter plot, and for a model that
translates images (CycleGAN) the translations of the first test images;
tabular models write CSV rows, language models print text and audio models
(WaveNet) write --seconds of audio per sample as 16-bit WAV files (one by
default, samples.wav). Models of 3-D shapes write one file per sample (8 by
default) into the directory --out (default samples/), or NAME_001.EXT ...
for --out NAME.EXT: protein structures as PDB files (backbone N, CA, C, O
of glycines, chain A, residues numbered from 1; CA only for CA models),
point clouds and graphs as PLY, meshes as OBJ (or .off, .ply). Protein
sequence models (one-hot residues, input_dim [L, 21]) write 8 sequences
by default as one FASTA file (samples.fasta), one record per sample whose
header names the model, the checkpoint's step and the seed; gap tokens
after a chain's end are dropped and other unknown residues written X.
Models that keep a weight average (ema_decay) sample with it.

Diffusion models take --sampler (DDPM: ddpm or ddim; ScoreDiffusion:
euler_maruyama or pc), --steps and, for ddim, --eta; flows and VAEs take
--temperature (language models and audio models too, default 0.8 and 1). Left out, each
takes the model's configured value.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flags := cmd.Flags()
			r.so = r.sf.options(flags)
			if err := checkDataDir("sample", r.dataDir); err != nil {
				return err
			}
			if usePretrained {
				if zooName == "" || ckpt != "" {
					return errors.New("sample: --pretrained takes --zoo NAME (and no --checkpoint); presets with pretrained weights: " + strings.Join(pretrained.Names(), ", "))
				}
				tmp, err := os.MkdirTemp("", "artifex-pretrained-")
				if err != nil {
					return fmt.Errorf("sample: %w", err)
				}
				defer os.RemoveAll(tmp)
				if ckpt, err = pretrained.Extract(zooName, tmp); err != nil {
					return fmt.Errorf("sample: %w", err)
				}
			} else if zooName != "" {
				return errors.New("sample: --zoo names a preset's pretrained weights: add --pretrained, or sample a training run with --checkpoint DIR")
			} else if ckpt == "" {
				return errors.New("sample: name what to sample: --checkpoint DIR (a training run or an export), or --zoo NAME --pretrained")
			}
			c, err := job.LoadCheckpointData(ckpt, reg, r.dataDir)
			if err != nil {
				return err
			}
			r.cmd, r.c = cmd, c
			k := sampleKinds[sampling.KindOf(c.Model)]
			if k.n > 0 && !flags.Changed("num") {
				r.n = k.n
			}
			if k.out != "" && !flags.Changed("out") {
				r.out = k.out
			}
			return k.write(&r)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ckpt, "checkpoint", "", "training output directory, directory written by export, or checkpoint file")
	f.StringVar(&zooName, "zoo", "", "with --pretrained: the zoo preset whose pretrained weights to sample ("+strings.Join(pretrained.Names(), ", ")+")")
	f.BoolVar(&usePretrained, "pretrained", false, "sample the weights this project trained for the --zoo preset, embedded in the binary (see pretrained/NAME/MODEL_CARD.md)")
	f.IntVarP(&r.n, "num", "n", 64, "number of samples (points of a 2-D model: default 2000; audio clips: default 1; 3-D shapes and protein sequences: default 8)")
	f.IntVar(&r.nrow, "nrow", 0, "images per row (default: a square grid)")
	f.StringVar(&r.out, "out", "samples.png", "PNG file to write (CSV file for tabular models, default samples.csv; WAV file for audio models, default samples.wav; FASTA file for protein sequence models, default samples.fasta; directory or NAME.pdb/.ply/.obj/.off for 3-D shapes, default samples/)")
	f.Float64Var(&r.as.seconds, "seconds", 2, "audio models: length of each sample in seconds")
	f.Uint64Var(&r.seed, "seed", 0, "seed of the sampling streams")
	f.StringVar(&r.dataDir, "data-dir", "", "directory searched first for the table a tabular model was fit on and the test images a translation model (CycleGAN) translates")
	f.StringVar(&r.sf.sampler, "sampler", "", "diffusion sampler: ddpm or ddim (DDPM), euler_maruyama or pc (ScoreDiffusion)")
	f.IntVar(&r.sf.steps, "steps", 0, "diffusion: number of denoising steps")
	f.Float64Var(&r.sf.eta, "eta", 0, "DDIM's eta: 0 is deterministic, 1 has the DDPM posterior's variance")
	f.Float64Var(&r.sf.temperature, "temperature", 1, "flows and VAEs: scale of the base or prior distribution's spread; language models: sampling temperature (0: greedy, default 0.8); audio models: sampling temperature (default 1)")
	f.StringVar(&r.ts.prompt, "prompt", "\n", "text models: the text every sample continues")
	f.IntVar(&r.ts.maxTokens, "max-tokens", 200, "text models: tokens to generate per sample")
	f.IntVar(&r.ts.topK, "top-k", 0, "text models: sample among the k most likely tokens (0: all)")
	f.Float64Var(&r.ts.topP, "top-p", 0.95, "text models: nucleus sampling mass (1: all)")
	return cmd
}

// sampleRun is one `artifex sample`: the checkpoint and the flags.
type sampleRun struct {
	cmd          *cobra.Command
	c            *job.Checkpointed
	n, nrow      int
	seed         uint64
	out, dataDir string
	sf           samplingFlags
	so           sampling.Options
	ts           textSampling
	as           audioSampling
}

// samplingFlags are the flags that choose how a model draws.
type samplingFlags struct {
	sampler          string
	steps            int
	eta, temperature float64
}

// options returns the sampling options of the flags the user gave; the
// others keep each model's own defaults.
func (sf *samplingFlags) options(flags *pflag.FlagSet) sampling.Options {
	var o sampling.Options
	if flags.Changed("sampler") {
		o.Sampler = sf.sampler
	}
	if flags.Changed("steps") {
		o.Steps = &sf.steps
	}
	if flags.Changed("eta") {
		o.Eta = &sf.eta
	}
	if flags.Changed("temperature") {
		o.Temperature = &sf.temperature
	}
	return o
}

// sampleKind is what `sample` does for one kind of samples: its defaults
// for -n and --out when they are not given, and what it writes.
type sampleKind struct {
	n     int    // default -n; 0 keeps the flag's default (64)
	out   string // default --out; "" keeps samples.png
	write func(r *sampleRun) error
}

// sampleKinds writes each kind of samples (sampling.KindOf); the image
// grid serves every model that draws none of the others (and says so
// when the model cannot draw images).
var sampleKinds = map[sampling.Kind]sampleKind{
	sampling.Table:        {out: "samples.csv", write: (*sampleRun).rows},
	sampling.Shapes:       {n: 8, out: "samples", write: (*sampleRun).shapes},
	sampling.Sequences:    {n: 8, out: "samples.fasta", write: (*sampleRun).sequences},
	sampling.Text:         {n: 4, write: (*sampleRun).text},
	sampling.Audio:        {n: 1, out: "samples.wav", write: (*sampleRun).audio},
	sampling.Points:       {n: 2000, write: (*sampleRun).points},
	sampling.Translations: {n: 8, write: (*sampleRun).translations},
	sampling.Images:       {write: (*sampleRun).images},
}

// rows draws rows from a tabular model and writes them as CSV.
func (r *sampleRun) rows() error {
	if r.n <= 0 {
		return fmt.Errorf("sample: number of samples must be > 0, got %d", r.n)
	}
	rows, err := r.c.Model.(tabular.Sampler).SampleTable(r.n, nn.NewRngs(r.seed))
	if err != nil {
		return err
	}
	if err := rows.WriteCSVFile(r.out); err != nil {
		return err
	}
	fmt.Fprintf(r.cmd.OutOrStdout(), "%d rows of %s (step %d) written to %s\n", r.n, r.c.Config.Name, r.c.Checkpoint.Step, r.out)
	return nil
}

// shapes writes one PDB, PLY, OBJ or OFF file per sampled 3-D shape.
func (r *sampleRun) shapes() error {
	sm, _ := sampling.ShapesOf(r.c.Model)
	return sampleShapes(r.cmd, r.c, sm, r.n, r.seed, r.out, r.so)
}

// fastaExtensions are the file name extensions a FASTA --out may have.
var fastaExtensions = []string{".fasta", ".fa", ".faa", ".fas"}

// sequences writes protein sequences as FASTA, one record per sample
// whose header names the model, the checkpoint's step and the seed.
func (r *sampleRun) sequences() error {
	if r.n <= 0 {
		return fmt.Errorf("sample: number of samples must be > 0, got %d", r.n)
	}
	if ext := strings.ToLower(filepath.Ext(r.out)); !slices.Contains(fastaExtensions, ext) {
		return fmt.Errorf("sample: --out %s: this model's samples are protein sequences, written as FASTA; name a file ending in %s", r.out, strings.Join(fastaExtensions, ", "))
	}
	seqs, err := sampling.DrawSequences(r.c.Model, r.n, r.so, nn.NewRngs(r.seed))
	if err != nil {
		return err
	}
	name, step := r.c.Config.Name, r.c.Checkpoint.Step
	records := sampling.FASTARecords(name, step, r.seed, seqs)
	if err := writeSampleFile(r.out, func(w io.Writer) error { return protein.WriteFASTA(w, records) }); err != nil {
		return err
	}
	fmt.Fprintf(r.cmd.OutOrStdout(), "%d protein sequences of %s (step %d) written to %s (FASTA)\n", len(seqs), name, step, r.out)
	return nil
}

// text prints continuations of the prompt.
func (r *sampleRun) text() error {
	ts := r.ts
	if r.so.Temperature != nil {
		ts.temperature = *r.so.Temperature
	}
	return ts.print(r.cmd.OutOrStdout(), r.c.Model.(models.TextSampler), r.c, r.n, r.seed)
}

// audio writes WAV files.
func (r *sampleRun) audio() error {
	as := r.as
	if r.so.Temperature != nil {
		as.temperature = *r.so.Temperature
	}
	return as.write(r.cmd.OutOrStdout(), r.c, r.c.Model.(audio.ClipSampler), r.n, r.seed, r.out)
}

// points draws a 2-D model's samples as a scatter plot.
func (r *sampleRun) points() error {
	x, err := sampling.DrawPoints(r.c.Model, r.n, r.so, nn.NewRngs(r.seed))
	if err != nil {
		return err
	}
	if err := job.PlotPoints(x, fmt.Sprintf("%s (step %d)", r.c.Config.Name, r.c.Checkpoint.Step), r.out); err != nil {
		return err
	}
	fmt.Fprintf(r.cmd.OutOrStdout(), "%d points of %s (step %d) drawn as a scatter plot in %s\n", r.n, r.c.Config.Name, r.c.Checkpoint.Step, r.out)
	return nil
}

// translations draws a grid of an image translator's work on test images.
func (r *sampleRun) translations() error {
	if r.so.Diffusion() || r.so.Temperature != nil {
		return fmt.Errorf("sample: --sampler, --steps, --eta and --temperature do not apply to model %s, which translates images (they are settings of diffusion models, flows and VAEs)", sampling.Describe(r.c.Model))
	}
	grid, err := translations(r.c.Model.(sampling.Translator), r.c.Settings.Dataset, r.dataDir, r.n)
	if err != nil {
		return err
	}
	if err := image.SaveGrid(r.out, grid, r.n); err != nil {
		return err
	}
	fmt.Fprintf(r.cmd.OutOrStdout(), "translations of %d %s test images by %s (step %d) written to %s (rows: source, translated, target domain, translated back)\n",
		r.n, r.c.Settings.Dataset, r.c.Config.Name, r.c.Checkpoint.Step, r.out)
	return nil
}

// images draws a grid of samples.
func (r *sampleRun) images() error {
	so := r.so
	a := startActivity(r.cmd.ErrOrStderr(), fmt.Sprintf("sample: drawing %d images from %s", r.n, r.c.Config.Name))
	if so.Check == nil && so.Temperature == nil {
		so.Check = a.step // counts a diffusion sampler's denoising steps
	}
	images, err := sampling.DrawImages(r.c.Model, r.n, so, nn.NewRngs(r.seed))
	a.done()
	if err != nil {
		return err
	}
	nrow := r.nrow
	if nrow <= 0 {
		nrow = max(1, int(math.Ceil(math.Sqrt(float64(r.n)))))
	}
	if err := image.SaveGrid(r.out, images, nrow); err != nil {
		return err
	}
	fmt.Fprintf(r.cmd.OutOrStdout(), "%d samples of %s (step %d) written to %s\n", r.n, r.c.Config.Name, r.c.Checkpoint.Step, r.out)
	return nil
}

// textSampling are the sample command's settings for language models.
type textSampling struct {
	prompt      string
	maxTokens   int
	temperature float64
	topK        int
	topP        float64
}

// print writes n continuations of the prompt, each under a header line.
func (ts textSampling) print(w io.Writer, lm models.TextSampler, c *job.Checkpointed, n int, seed uint64) error {
	if n <= 0 {
		return fmt.Errorf("number of samples must be > 0, got %d", n)
	}
	rngs := nn.NewRngs(seed)
	for i := range n {
		s, err := lm.SampleText(ts.prompt, ts.maxTokens, ts.temperature, ts.topK, ts.topP, rngs)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "--- sample %d of %s (step %d)\n%s\n", i+1, c.Config.Name, c.Checkpoint.Step, s)
	}
	return nil
}
