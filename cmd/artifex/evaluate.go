package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/metrics"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
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
precision, recall, density and coverage (k = 5). A model without family
metrics (a GAN) gets these by default. A CycleGAN's family metrics
include, where the data set has that classifier, how often it still sees the
source's class in the translations (A→B mapped back to domain A, B→A) and in
the A→B→A reconstructions. --metrics picks groups:
family (alias nll), fid, kid, is, prdc (alias precision_recall), text.

A language model also draws --text-samples continuations of a newline (256
tokens each, temperature 1) and gets the diversity of their words:
distinct_1, distinct_2 and repetition_rate_2, beside the same on as many
test rows (real_distinct_1, ...). --metrics text (alias distinct) picks them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := train.LoadCheckpointData(ckpt, reg, dataDir)
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
			result := map[string]float64{}
			if groups["family"] {
				if result, err = train.EvaluateSplit(c, split, dataDir, limit, nn.NewRngs(seed)); err != nil {
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
				q, err := sampleQuality(c, dataDir, samples, seed)
				if err != nil {
					return err
				}
				for k, v := range q {
					if keep(k, groups) {
						result[k] = v
					}
				}
			}
			if groups["text"] {
				if !writes {
					return fmt.Errorf("evaluate: --metrics text needs a language model; model %q (%s) writes no text", c.Config.Name, c.Config.ModelClass)
				}
				q, err := textQuality(c, lm, dataDir, textSamples, seed)
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
	f.StringVar(&ckpt, "checkpoint", "", "training output directory or checkpoint file")
	f.StringVar(&dataDir, "data-dir", "", "directory searched first for the data set")
	f.StringVar(&split, "split", "test", "split the family metrics are computed on: test, or train (e.g. when the test split is too small)")
	f.IntVar(&limit, "limit", 0, "compute the family metrics on the first N test images only (0: all)")
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

// keep reports whether a sample-quality result belongs to a chosen group.
func keep(key string, groups map[string]bool) bool {
	switch key {
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
func classPreservation(m classPreserver, c *train.Checkpointed, dataDir string, limit int) (map[string]float64, error) {
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
// against the test split of its data set.
func sampleQuality(c *train.Checkpointed, dataDir string, n int, seed uint64) (map[string]float64, error) {
	net, err := metrics.TrainedFeatureNet(c.Settings.Dataset)
	if err != nil {
		return nil, fmt.Errorf("evaluate: sample-quality metrics: %w", err)
	}
	test, err := data.Load(c.Settings.Dataset, "test", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return nil, err
	}
	rngs := nn.NewRngs(seed)
	// Drawn in chunks, so that memory stays bounded for large n.
	const chunk = 250
	var parts []*tensor.Tensor
	for done := 0; done < n; done += chunk {
		x, err := train.SampleImages(c.Model, min(chunk, n-done), rngs)
		if err != nil {
			return nil, err
		}
		parts = append(parts, x)
	}
	images := tensor.Concat(0, parts...)
	if sh, want := images.Shape(), test.ImageShape(); len(sh) != 4 || !slices.Equal(sh[1:], want) {
		return nil, fmt.Errorf("evaluate: the model draws images of shape %v, the %s test images are %v", sh[1:], c.Settings.Dataset, want)
	}
	q, err := metrics.SampleQuality(net, test.Images(), images, metrics.QualityOptions{}, rngs.Stream("metrics"))
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	return q, nil
}

func printTable(out io.Writer, m map[string]float64) error {
	if groups := metricColumns(m); groups != nil {
		return printColumns(out, m, groups)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "METRIC\tVALUE")
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(w, "%s\t%.6g\n", k, m[k])
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

// metricColumns returns the groups of metrics named METRIC/GROUP (a
// protein model's samples next to real and random structures), in order
// of first appearance after sorting, or nil when some name has no group.
func metricColumns(m map[string]float64) []string {
	var groups []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		_, g, ok := strings.Cut(k, "/")
		if !ok {
			return nil
		}
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	return groups
}

// printColumns prints metrics METRIC/GROUP as a table of one row per
// metric and one column per group; "-" marks a metric a group lacks.
func printColumns(out io.Writer, m map[string]float64, groups []string) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "METRIC\t%s\n", strings.ToUpper(strings.Join(groups, "\t")))
	var names []string
	for k := range m {
		name, _, _ := strings.Cut(k, "/")
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
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
	return w.Flush()
}
