package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/metrics"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/models/vae"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/tensor"
)

// defaultSamples is how many images --fid draws without --samples.
const defaultSamples = 1000

// metricGroups are the names --metrics accepts: the family's own test
// metrics and the sample-quality metrics on the feature network.
var metricGroups = []string{"family", "fid", "kid", "is", "prdc", "text"}

// metricAliases map other names of the groups to them.
var metricAliases = map[string]string{
	"nll": "family", "likelihood": "family", "inception_score": "is",
	"precision_recall": "prdc", "precision": "prdc", "recall": "prdc",
	"distinct": "text", "distinct_n": "text",
}

func evaluateCommand(reg *factory.Registry) *cobra.Command {
	var ckpt, dataDir, jsonOut, which, split string
	var limit, samples, textSamples int
	var seed uint64
	var asJSON, fid bool
	cmd := &cobra.Command{
		Use:   "evaluate --checkpoint DIR",
		Short: "Compute a trained model's metrics on the test split of its data set",
		Long: `Computes the family's own test metrics (e.g. a VAE's IWAE bound in nats, a
flow's bits/dim, a WaveNet's NLL per audio sample) on the test split of the data
set the model was trained on.

With --fid, or --samples N, an image model also draws N images (1000 by
default) and scores them against the whole test split on the features of the
classifier trained for the data set (metrics/weights; MNIST and
Fashion-MNIST): FID, KID (mean and std over subsets), the Inception-style
score with the class balance of the drawn images (classes_present,
class_entropy, confident_fraction: the mode-collapse check), and
precision, recall, density and coverage (k = 5), each named for the
classifier (fid_mnist_classifier, kid_mnist_classifier, ...: not
Inception's features, not comparable with published FIDs). A model without
family metrics (a GAN) gets these by default. On a terminal the drawing,
the feature extraction and a VAE's importance-sampled bound show their
counts. A CycleGAN's family metrics include, where the data set has that
classifier, how often it still sees the source's class in the translations
(A→B mapped back to domain A, B→A) and in the A→B→A reconstructions. --metrics picks groups:
family (alias nll), fid, kid, is, prdc (alias precision_recall), text.

A language model also draws --text-samples continuations of a newline (256
tokens each, temperature 1) and gets the diversity of their words:
distinct_1, distinct_2 and repetition_rate_2, beside the same on as many
test rows (real_distinct_1, ...). --metrics text (alias distinct) picks them.

A protein sequence model reports, beside its test NLL, for min(test
sequences, 64) drawn sequences, as many test sequences and as many
uniformly random ones: the total variation distance of their amino-acid
composition from the test set's (for the test column: the training
set's), the identity to the nearest training sequence, the mean
per-position entropy in bits and the share of gap tokens.

--limit N evaluates the first N examples and says what that leaves out
(for labelled data, the classes none of them has). When the test split
holds no example the model can use (protein chains too short or broken
for its windows), the train split is evaluated instead, with a warning;
an explicit --split test is an error then.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDataDir("evaluate", dataDir); err != nil {
				return err
			}
			if jsonOut != "" {
				if err := writableFile("evaluate", jsonOut); err != nil {
					return err
				}
			}
			c, err := job.LoadCheckpointData(ckpt, reg, dataDir)
			if err != nil {
				return err
			}
			_, hasFamily := c.Model.(models.Evaluator)
			_, draws := c.Model.(models.ImageSampler)
			lm, writes := c.Model.(models.TextSampler)
			groups := map[string]bool{}
			switch {
			case which != "":
				if groups, err = parseMetricGroups(which); err != nil {
					return err
				}
			default:
				groups["family"] = hasFamily
				quality := fid || cmd.Flags().Changed("samples") || (!hasFamily && draws)
				for _, g := range []string{"fid", "kid", "is", "prdc"} {
					groups[g] = quality
				}
				groups["text"] = writes
			}
			if samples <= 0 {
				return fmt.Errorf("evaluate: --samples must be > 0, got %d", samples)
			}
			var net *metrics.FeatureNet
			if groups["fid"] || groups["kid"] || groups["is"] || groups["prdc"] {
				if net, err = metrics.TrainedFeatureNet(c.Settings.Dataset); err != nil {
					if which != "" || fid || cmd.Flags().Changed("samples") {
						return fmt.Errorf("evaluate: sample-quality metrics: %w", err)
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "evaluate: warning: %v;\n  the drawn images are measured on %d×%d average-pooled pixels instead (pixel_fid, pixel_kid, pixel_precision ...: comparable across models of this data set only; no Inception-style score)\n", err, metrics.PixelSide, metrics.PixelSide)
				}
			}
			result := map[string]float64{}
			if groups["family"] {
				if err := phase(cmd.ErrOrStderr(), "evaluate: "+c.Config.Name+"'s family metrics", func(a *activity) (err error) {
					result, split, err = familyMetrics(cmd.ErrOrStderr(), a, c, split, cmd.Flags().Changed("split"), dataDir, limit, nn.NewRngs(seed))
					return err
				}); err != nil {
					return err
				}
			}
			if cp, ok := c.Model.(classPreserver); ok && groups["family"] {
				q, err := classPreservation(cp, c, dataDir, limit)
				if err != nil {
					return err
				}
				maps.Copy(result, q)
			}
			if groups["fid"] || groups["kid"] || groups["is"] || groups["prdc"] {
				if net != nil {
					// Said once, before the numbers: these scores are not
					// comparable with published (Inception) ones.
					fmt.Fprintf(cmd.ErrOrStderr(), "evaluate: the metrics ending in %s (fid, kid, inception_score, precision, recall, density, coverage, the class balance) are computed on the features of this project's %s classifier (metrics/weights), not Inception's: compare them between models of this data set, not with published FIDs\n",
						strings.TrimPrefix(metrics.ClassifierKey(metrics.KeyFID, c.Settings.Dataset), metrics.KeyFID), c.Settings.Dataset)
				}
				var q map[string]float64
				err := phase(cmd.ErrOrStderr(), fmt.Sprintf("evaluate: %d samples", samples), func(a *activity) (err error) {
					q, err = sampleQuality(c, net, dataDir, samples, seed, a)
					return err
				})
				if err != nil {
					return err
				}
				for k, v := range q {
					if keep(k, groups) {
						result[metrics.ClassifierKey(k, c.Settings.Dataset)] = v
					}
				}
			}
			if groups["text"] {
				if !writes {
					return fmt.Errorf("evaluate: --metrics text needs a language model; model %q (%s) writes no text", c.Config.Name, c.Config.ModelClass)
				}
				var q map[string]float64
				err := phase(cmd.ErrOrStderr(), fmt.Sprintf("evaluate: %d texts of %d tokens", textSamples, textSampleTokens), func(a *activity) (err error) {
					q, err = textQuality(c, lm, dataDir, textSamples, seed, a)
					return err
				})
				if err != nil {
					return err
				}
				maps.Copy(result, q)
			}
			if len(result) == 0 {
				return fmt.Errorf("evaluate: model %q (%s) has no family metrics and draws no images: nothing to evaluate", c.Config.Name, c.Config.ModelClass)
			}
			if jsonOut != "" {
				if err := writeJSON(jsonOut, result); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				b, err := json.Marshal(result)
				if err != nil {
					return fmt.Errorf("evaluate: %w", err)
				}
				fmt.Fprintln(out, string(b))
				return nil
			}
			fmt.Fprintf(out, "%s (step %d) on the %s %s split\n", c.Config.Name, c.Checkpoint.Step, c.Settings.Dataset, split)
			return printTable(out, result)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ckpt, "checkpoint", "", "training output directory, directory written by export, or checkpoint file")
	f.StringVar(&dataDir, "data-dir", "", "directory searched first for the data set")
	f.StringVar(&split, "split", "test", "split the family metrics are computed on: test, or train (e.g. when the test split is too small)")
	f.IntVar(&limit, "limit", 0, "compute the family metrics on the first N test examples only (0: all)")
	f.Uint64Var(&seed, "seed", 0, "seed of the evaluation's random streams (importance samples, binarisation, drawn images, subsets)")
	f.BoolVar(&asJSON, "json", false, "print the metrics as one JSON object")
	f.StringVar(&jsonOut, "out", "", "also write the metrics as JSON to this file")
	f.BoolVar(&fid, "fid", false, "draw images and compute FID, KID, Inception score, precision/recall/density/coverage")
	f.IntVar(&samples, "samples", defaultSamples, "number of images drawn for the sample-quality metrics (implies --fid)")
	f.IntVar(&textSamples, "text-samples", 16, "language models: number of texts drawn for the distinct-n metrics")
	f.StringVar(&which, "metrics", "", "comma-separated metric groups: "+strings.Join(metricGroups, ", ")+" (default: family, plus the rest with --fid)")
	cmd.MarkFlagRequired("checkpoint")
	return cmd
}

// trainingComparer is a model whose metrics also compare its samples with
// the training split (a protein sequence model: identity to the nearest
// training sequence).
type trainingComparer interface {
	EvaluateWithTraining(test, train *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error)
}

// importanceEvaluator is a model whose likelihood bound draws importance
// samples for every example (a VAE's IWAE bound), which takes minutes on a
// whole test set, and which can say how many examples it has done.
type importanceEvaluator interface {
	EvaluateWith(test *data.Dataset, o vae.EvalOptions, rngs *tensor.Rngs) (map[string]float64, error)
}

// familyMetrics computes the model's own metrics on a split of its data
// set and returns them with the split they were computed on. A split that
// holds no usable example (data.ErrNoExamples: protein chains too short
// or broken for the model's windows) is replaced by the training split
// unless the user chose it; a limit evaluates the first limit examples.
// Both say on warn what they left out; a is told the examples done by a
// model that counts them.
func familyMetrics(warn io.Writer, a *activity, c *job.Checkpointed, split string, chosen bool, dataDir string, limit int, rngs *tensor.Rngs) (map[string]float64, string, error) {
	if limit < 0 {
		return nil, split, fmt.Errorf("evaluate: --limit must be >= 0, got %d", limit)
	}
	ds, err := job.LoadSplit(c, split, dataDir)
	if errors.Is(err, data.ErrNoExamples) && !chosen && split != "train" {
		fmt.Fprintf(warn, "evaluate: warning: the %s split of %s has no usable example (%v);\n  evaluated on the train split instead, so the numbers are not held-out ones (--split train asks for this without the warning)\n", split, c.Settings.Dataset, err)
		split = "train"
		ds, err = job.LoadSplit(c, split, dataDir)
	}
	if err != nil {
		return nil, split, err
	}
	full := ds
	if limit > 0 && limit < ds.Len() {
		fmt.Fprintf(warn, "evaluate: %s\n", leftOut(ds, limit, c.Settings.Dataset, split))
		if ds, _, err = ds.Split(limit); err != nil {
			return nil, split, fmt.Errorf("evaluate: %w", err)
		}
	}
	if ie, ok := c.Model.(importanceEvaluator); ok {
		o := vae.EvalOptions{Progress: func(done, total int) { a.count("examples", done, total) }}
		m, err := job.Evaluating(c, func() (map[string]float64, error) { return ie.EvaluateWith(ds, o, rngs) })
		return m, split, err
	}
	tc, ok := c.Model.(trainingComparer)
	if !ok {
		m, err := job.EvaluateOn(c, ds, rngs)
		return m, split, err
	}
	ref := full
	if split != "train" {
		if ref, err = job.LoadSplit(c, "train", dataDir); err != nil {
			fmt.Fprintf(warn, "evaluate: warning: no comparison with the training split, which does not load: %v\n", err)
			ref = nil
		}
	}
	m, err := job.Evaluating(c, func() (map[string]float64, error) { return tc.EvaluateWithTraining(ds, ref, rngs) })
	return m, split, err
}

// leftOut says what evaluating the first limit examples of ds leaves out:
// the other examples and, for a labelled data set, the classes none of
// the first limit has.
func leftOut(ds *data.Dataset, limit int, dataset, split string) string {
	msg := fmt.Sprintf("--limit %d: evaluating the first %d of the %d examples of the %s %s split", limit, limit, ds.Len(), dataset, split)
	labels := ds.Labels()
	if labels == nil {
		return msg
	}
	kept, all := map[int]bool{}, map[int]bool{}
	for i, l := range labels {
		kept[l] = kept[l] || i < limit
		all[l] = true
	}
	var missing []string
	for _, l := range slices.Sorted(maps.Keys(all)) {
		if !kept[l] {
			missing = append(missing, strconv.Itoa(l))
		}
	}
	if len(missing) == 0 {
		return msg
	}
	return fmt.Sprintf("%s, which hold %d of its %d classes (metrics per class cover those); left out: class %s", msg, len(all)-len(missing), len(all), strings.Join(missing, ", "))
}

// parseMetricGroups reads a --metrics list.
func parseMetricGroups(list string) (map[string]bool, error) {
	groups := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if a, ok := metricAliases[name]; ok {
			name = a
		}
		if !slices.Contains(metricGroups, name) {
			return nil, fmt.Errorf("evaluate: unknown metric %q in --metrics; allowed: %s (or nll, precision_recall)", name, strings.Join(metricGroups, ", "))
		}
		groups[name] = true
	}
	return groups, nil
}

// keep reports whether a sample-quality result, on features or pixels,
// belongs to a chosen group.
func keep(key string, groups map[string]bool) bool {
	switch strings.TrimPrefix(key, metrics.PixelPrefix) {
	case metrics.KeyFID:
		return groups["fid"]
	case metrics.KeyKID, metrics.KeyKIDStd:
		return groups["kid"]
	case metrics.KeyIS, metrics.KeyISStd, metrics.KeyClassesPresent, metrics.KeyClassEntropy, metrics.KeyConfident:
		return groups["is"]
	case metrics.KeyPrecision, metrics.KeyRecall, metrics.KeyDensity, metrics.KeyCoverage:
		return groups["prdc"]
	}
	return true // the counts
}

// classPreserver is a model whose outputs must keep what their inputs
// show (a CycleGAN's translations), judged by a classifier of the data set.
type classPreserver interface {
	ClassPreservation(test *data.Dataset, classify gan.Classifier) (map[string]float64, error)
}

// classPreservation judges a classPreserver with the feature network's
// classifier on the first limit (0: all) test images; it measures nothing
// for a data set without a trained classifier.
func classPreservation(m classPreserver, c *job.Checkpointed, dataDir string, limit int) (map[string]float64, error) {
	net, err := metrics.TrainedFeatureNet(c.Settings.Dataset)
	if err != nil {
		return nil, nil
	}
	test, err := data.Load(c.Settings.Dataset, "test", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return nil, err
	}
	if limit > 0 && limit < test.Len() {
		if test, _, err = test.Split(limit); err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
	}
	q, err := m.ClassPreservation(test, net.Classify)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	return q, nil
}

// sampleQuality draws n images from the checkpoint's model and scores them
// against the test split of its data set on the features of net, or on
// pooled pixels (metrics.PixelQuality) when net is nil. a is told how
// many images are drawn and how many have been through the network.
func sampleQuality(c *job.Checkpointed, net *metrics.FeatureNet, dataDir string, n int, seed uint64, a *activity) (map[string]float64, error) {
	test, err := data.Load(c.Settings.Dataset, "test", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return nil, err
	}
	rngs := nn.NewRngs(seed)
	// Drawn in chunks, so that memory stays bounded for large n.
	const chunk = 250
	var parts []*tensor.Tensor
	a.count("drawn", 0, n)
	for done := 0; done < n; done += chunk {
		x, err := sampling.SampleImages(c.Model, min(chunk, n-done), rngs)
		if err != nil {
			return nil, err
		}
		parts = append(parts, x)
		a.count("drawn", done+x.Dim(0), n)
	}
	images := tensor.Concat(0, parts...)
	if sh, want := images.Shape(), test.ImageShape(); len(sh) != 4 || !slices.Equal(sh[1:], want) {
		return nil, fmt.Errorf("evaluate: the model draws images of shape %v, the %s test images are %v", sh[1:], c.Settings.Dataset, want)
	}
	quality := metrics.PixelQuality
	if net != nil {
		quality = func(real, generated *tensor.Tensor, o metrics.QualityOptions, s *tensor.Stream) (map[string]float64, error) {
			return metrics.SampleQuality(net, real, generated, o, s)
		}
	}
	opts := metrics.QualityOptions{Progress: func(done, total int) { a.count("features", done, total) }}
	q, err := quality(test.Images(), images, opts, rngs.Stream("metrics"))
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	return q, nil
}

// printTable prints metrics one per row, except that metrics named
// METRIC/GROUP measured for fewer groups than there are metrics (a
// protein model's samples beside the test set and a baseline) are printed
// after the others as a table of one column per group.
func printTable(out io.Writer, m map[string]float64) error {
	flat := map[string]float64{}
	grouped := map[string]float64{}
	for k, v := range m {
		if _, _, ok := strings.Cut(k, "/"); ok {
			grouped[k] = v
		} else {
			flat[k] = v
		}
	}
	names, groups := metricColumns(grouped)
	if len(groups) >= len(names) {
		maps.Copy(flat, grouped)
		grouped = nil
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if len(flat) > 0 {
		fmt.Fprintln(w, "METRIC\tVALUE")
		for _, k := range slices.Sorted(maps.Keys(flat)) {
			fmt.Fprintf(w, "%s\t%.6g\n", k, flat[k])
		}
	}
	if len(grouped) > 0 {
		if len(flat) > 0 {
			fmt.Fprintln(w)
		}
		printColumns(w, grouped, names, groups)
	}
	return w.Flush()
}

func writeJSON(path string, m map[string]float64) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	return nil
}

// metricColumns returns the metric names and the groups of metrics
// named METRIC/GROUP, each sorted.
func metricColumns(m map[string]float64) (names, groups []string) {
	for k := range m {
		name, g, _ := strings.Cut(k, "/")
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	slices.Sort(names)
	slices.Sort(groups)
	return names, groups
}

// printColumns prints metrics METRIC/GROUP as a table of one row per
// metric and one column per group; "-" marks a metric a group lacks.
func printColumns(w io.Writer, m map[string]float64, names, groups []string) {
	fmt.Fprintf(w, "METRIC\t%s\n", strings.ToUpper(strings.Join(groups, "\t")))
	for _, name := range names {
		fmt.Fprint(w, name)
		for _, g := range groups {
			if v, ok := m[name+"/"+g]; ok {
				fmt.Fprintf(w, "\t%.6g", v)
			} else {
				fmt.Fprint(w, "\t-")
			}
		}
		fmt.Fprintln(w)
	}
}
