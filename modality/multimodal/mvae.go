package multimodal

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/metrics"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/vae"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Name is the modality's name, as factory.WithModality selects it.
const Name = "multi_modal"

// MetadataKey is the configuration metadata entry holding Settings.
const MetadataKey = "multi_modal"

// Settings shape the multimodal VAE; they are read from
// metadata.multi_modal, and the model's Config records them all.
type Settings struct {
	Fusion            string  // fusion: poe or moe [poe]
	ContrastiveWeight float64 // contrastive_weight: weight of InfoNCE between the experts' means; 0 turns it off [0]
	Temperature       float64 // temperature of InfoNCE [0.1]
	TextEmbedding     int     // text_embedding: size of a character's embedding [16]
	TextHidden        int     // text_hidden: width of the text networks' two hidden layers [256]
	Seed              int     // seed: initialisation of the text networks [0]
}

// DefaultSettings are the values of the keys metadata.multi_modal leaves
// out.
var DefaultSettings = Settings{Fusion: PoE, Temperature: 0.1, TextEmbedding: 16, TextHidden: 256}

var settingKeys = []string{"fusion", "contrastive_weight", "temperature", "text_embedding", "text_hidden", "seed"}

// SettingsFrom reads metadata.multi_modal over DefaultSettings. Unknown
// keys and bad values are errors naming the key.
func SettingsFrom(cfg config.ModelConfiguration) (Settings, error) {
	s := DefaultSettings
	raw, ok := cfg.Metadata[MetadataKey]
	if !ok {
		return s, s.check()
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return s, fmt.Errorf("metadata.%s must be a map, got %s", MetadataKey, config.Describe(raw))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		bad := func(what string) error {
			return fmt.Errorf("metadata.%s.%s must be %s, got %s", MetadataKey, k, what, config.Describe(v))
		}
		switch k {
		case "fusion":
			str, ok := v.(string)
			if !ok {
				return s, bad("a string")
			}
			s.Fusion = strings.ToLower(str)
		case "contrastive_weight", "temperature":
			f, ok := config.AsFloat(v)
			if !ok {
				return s, bad("a number")
			}
			if k == "temperature" {
				s.Temperature = f
			} else {
				s.ContrastiveWeight = f
			}
		case "text_embedding", "text_hidden", "seed":
			i, ok := config.AsInt(v)
			if !ok {
				return s, bad("an integer")
			}
			switch k {
			case "text_embedding":
				s.TextEmbedding = i
			case "text_hidden":
				s.TextHidden = i
			default:
				s.Seed = i
			}
		default:
			return s, fmt.Errorf("metadata.%s: unknown key %q; known: %s", MetadataKey, k, strings.Join(settingKeys, ", "))
		}
	}
	return s, s.check()
}

func (s Settings) check() error {
	switch {
	case !slices.Contains(Fusions, s.Fusion):
		return fmt.Errorf("metadata.%s.fusion must be one of %s, got %q", MetadataKey, strings.Join(Fusions, ", "), s.Fusion)
	case !(s.ContrastiveWeight >= 0) || math.IsInf(s.ContrastiveWeight, 0):
		return fmt.Errorf("metadata.%s.contrastive_weight must be a finite number >= 0, got %g", MetadataKey, s.ContrastiveWeight)
	case !(s.Temperature > 0) || math.IsInf(s.Temperature, 0):
		return fmt.Errorf("metadata.%s.temperature must be a finite number > 0, got %g", MetadataKey, s.Temperature)
	case s.TextEmbedding <= 0 || s.TextHidden <= 0:
		return fmt.Errorf("metadata.%s: text_embedding and text_hidden must be > 0, got %d and %d", MetadataKey, s.TextEmbedding, s.TextHidden)
	case s.Seed < 0:
		return fmt.Errorf("metadata.%s.seed must be >= 0, got %d", MetadataKey, s.Seed)
	}
	return nil
}

func (s Settings) asMap() map[string]any {
	return map[string]any{
		"fusion": s.Fusion, "contrastive_weight": s.ContrastiveWeight, "temperature": s.Temperature,
		"text_embedding": s.TextEmbedding, "text_hidden": s.TextHidden, "seed": s.Seed,
	}
}

// Modality pairs an image VAE built by the factory with the text modality
// (see MVAE). The zero value, the one the factory registers, reads its
// Settings from metadata.multi_modal.
type Modality struct{}

// Name implements factory.Modality.
func (Modality) Name() string { return Name }

// Adapt implements factory.Modality: a VAE (class VAE, Bernoulli
// likelihood) becomes the image expert and decoder of an MVAE whose text
// expert and decoder are added here. Other families are refused.
func (Modality) Adapt(m models.Model, family string) (models.Model, error) {
	if family != "vae" {
		return nil, fmt.Errorf("the multi_modal modality builds a multimodal VAE around a vae model's encoder and decoder, not a %s model", family)
	}
	v, ok := m.(*vae.VAE)
	if !ok {
		return nil, fmt.Errorf("the multi_modal modality needs the vae class VAE (a Gaussian posterior to fuse), not %s (%T)", m.Config().ModelClass, m)
	}
	s, err := SettingsFrom(v.Config())
	if err != nil {
		return nil, err
	}
	return NewMVAE(v, s)
}

// MVAE is a multimodal VAE over (image, word) pairs. The image expert
// q(z|x) and decoder p(x|z) are those of Image, a VAE with a Bernoulli
// likelihood; the text expert q(z|w) embeds the word's characters, and the
// text decoder p(w|z) predicts each character independently. Experts are
// fused by a product (PoE, with the prior expert) or a mixture (MoE).
//
// The PoE loss is the MVAE objective with its sub-sampled terms: the
// negative ELBOs of the joint posterior (reconstructing both), the image
// posterior (reconstructing the image) and the text posterior
// (reconstructing the word). The MoE loss averages, over the two experts,
// the negative ELBO of that expert's posterior reconstructing both
// modalities. Either adds ContrastiveWeight·InfoNCE between the experts'
// means.
type MVAE struct {
	Image       *vae.VAE
	TextEncoder *TextEncoder
	TextDecoder *TextDecoder

	settings Settings
	klWeight float64
}

// TextEncoder is the text expert: character embeddings, flattened, two
// hidden layers, and the posterior's mean and log-variance heads.
type TextEncoder struct {
	Embed        *nn.Embedding
	Hidden       []*nn.Linear
	Mean, LogVar *nn.Linear
}

// TextDecoder maps a latent to logits [N, WordLength, Vocab].
type TextDecoder struct {
	Hidden []*nn.Linear
	Out    *nn.Linear
}

// NewMVAE builds the text networks (initialised from Settings.Seed) around
// an image VAE.
func NewMVAE(image *vae.VAE, s Settings) (*MVAE, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	o := image.Options()
	if o.ReconstructionLoss != vae.Bernoulli {
		return nil, fmt.Errorf("the multi_modal modality needs the image VAE's reconstruction_loss %q (binarised images), got %q", vae.Bernoulli, o.ReconstructionLoss)
	}
	w, ok := config.AsFloat(image.Config().Parameters["kl_weight"])
	if !ok || !(w >= 0) {
		return nil, fmt.Errorf("parameter %q must be a number >= 0, got %v", "kl_weight", image.Config().Parameters["kl_weight"])
	}
	rngs := nn.NewRngs(uint64(s.Seed))
	h, lat := s.TextHidden, o.LatentDim
	return &MVAE{
		Image: image,
		TextEncoder: &TextEncoder{
			Embed:  nn.NewEmbedding(rngs, Vocab, s.TextEmbedding),
			Hidden: []*nn.Linear{nn.NewLinear(rngs, WordLength*s.TextEmbedding, h), nn.NewLinear(rngs, h, h)},
			Mean:   nn.NewLinear(rngs, h, lat), LogVar: nn.NewLinear(rngs, h, lat),
		},
		TextDecoder: &TextDecoder{
			Hidden: []*nn.Linear{nn.NewLinear(rngs, lat, h), nn.NewLinear(rngs, h, h)},
			Out:    nn.NewLinear(rngs, h, WordLength*Vocab),
		},
		settings: s, klWeight: w,
	}, nil
}

// Config returns the image VAE's effective configuration with the
// effective Settings in metadata.multi_modal.
func (m *MVAE) Config() config.ModelConfiguration {
	cfg := m.Image.Config()
	if cfg.Metadata == nil {
		cfg.Metadata = map[string]any{}
	}
	cfg.Metadata[MetadataKey] = m.settings.asMap()
	return cfg
}

// Settings returns the settings the model was built with.
func (m *MVAE) Settings() Settings { return m.settings }

// ImageExpert returns q(z|x) for images [N, C, H, W].
func (m *MVAE) ImageExpert(x *tensor.Tensor) Gaussian {
	mu, lv := m.Image.Encode(x)
	return Gaussian{Mu: mu, LogVar: lv}
}

// TextExpert returns q(z|w) for words given as character ids
// [N·WordLength].
func (m *MVAE) TextExpert(ids []int) Gaussian {
	n := len(ids) / WordLength
	h := tensor.Reshape(m.TextEncoder.Embed.Forward(ids), n, -1)
	for _, l := range m.TextEncoder.Hidden {
		h = tensor.ReLU(l.Forward(h))
	}
	return Gaussian{Mu: m.TextEncoder.Mean.Forward(h), LogVar: m.TextEncoder.LogVar.Forward(h)}
}

// TextLogits decodes latents [N, latent] into character logits
// [N, WordLength, Vocab].
func (m *MVAE) TextLogits(z *tensor.Tensor) *tensor.Tensor {
	h := z
	for _, l := range m.TextDecoder.Hidden {
		h = tensor.ReLU(l.Forward(h))
	}
	return tensor.Reshape(m.TextDecoder.Out.Forward(h), z.Dim(0), WordLength, Vocab)
}

// Posterior fuses the experts of the modalities given (x or ids may be
// nil, not both): with PoE their product with the prior; with MoE the
// single expert, or for both a mixture, represented by drawing each
// example's expert from s (s is only used then).
func (m *MVAE) Posterior(x *tensor.Tensor, ids []int, s *tensor.Stream) Gaussian {
	var experts []Gaussian
	if x != nil {
		experts = append(experts, m.ImageExpert(x))
	}
	if ids != nil {
		experts = append(experts, m.TextExpert(ids))
	}
	if len(experts) == 0 {
		panic("multimodal: Posterior needs an image or a word")
	}
	if m.settings.Fusion == PoE {
		return ProductOfExperts(experts...)
	}
	if len(experts) == 1 {
		return experts[0]
	}
	return mixturePick(experts[0], experts[1], s)
}

// mixturePick chooses, per example, the first or the second expert with
// probability 1/2 (a draw from the uniform mixture's component).
func mixturePick(a, b Gaussian, s *tensor.Stream) Gaussian {
	n, d := a.Mu.Dim(0), a.Mu.Dim(1)
	mask := make([]float32, n*d)
	for i := range n {
		if s.Float64() < 0.5 {
			for j := range d {
				mask[i*d+j] = 1
			}
		}
	}
	pick := tensor.FromSlice(mask, n, d)
	cond := func(x, y *tensor.Tensor) *tensor.Tensor {
		return tensor.Add(tensor.Mul(pick, x), tensor.Mul(tensor.AddScalar(tensor.Neg(pick), 1), y))
	}
	return Gaussian{Mu: cond(a.Mu, b.Mu), LogVar: cond(a.LogVar, b.LogVar)}
}

// imageNLL is -log p(x|z) per example [N], Bernoulli, in nats.
func (m *MVAE) imageNLL(z, x *tensor.Tensor) *tensor.Tensor {
	logits := m.Image.Decode(z)
	return tensor.SumAxes(tensor.Reshape(tensor.BCEWithLogits(logits, tensor.Reshape(x, logits.Shape()...)), x.Dim(0), -1), []int{1}, false)
}

// textNLL is -log p(w|z) per example [N], in nats.
func (m *MVAE) textNLL(z *tensor.Tensor, ids []int) *tensor.Tensor {
	n := z.Dim(0)
	ce := tensor.CrossEntropy(tensor.Reshape(m.TextLogits(z), n*WordLength, Vocab), ids)
	return tensor.SumAxes(tensor.Reshape(ce, n, WordLength), []int{1}, false)
}

// Loss returns the training loss of a batch of images x (values in [0, 1])
// with their words (character ids), and the values worth logging: the
// terms in nats per example and "contrastive".
func (m *MVAE) Loss(x *tensor.Tensor, ids []int, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	s := rngs.Sample()
	img, txt := m.ImageExpert(x), m.TextExpert(ids)
	logs := map[string]float64{}
	elbo := func(name string, q Gaussian, withImage, withText bool) *tensor.Tensor {
		z := q.Sample(s)
		var rec *tensor.Tensor
		if withImage {
			rec = m.imageNLL(z, x)
		}
		if withText {
			t := m.textNLL(z, ids)
			if rec == nil {
				rec = t
			} else {
				rec = tensor.Add(rec, t)
			}
		}
		r, kl := tensor.Mean(rec), tensor.Mean(q.KL())
		logs[name+"_nelbo"] = float64(r.Item() + kl.Item())
		return tensor.Add(r, tensor.Scale(kl, float32(m.klWeight)))
	}
	var total *tensor.Tensor
	if m.settings.Fusion == PoE {
		total = tensor.Add(elbo("joint", ProductOfExperts(img, txt), true, true),
			tensor.Add(elbo("image", ProductOfExperts(img), true, false), elbo("text", ProductOfExperts(txt), false, true)))
	} else {
		total = tensor.Scale(tensor.Add(elbo("image", img, true, true), elbo("text", txt, true, true)), 0.5)
	}
	if m.settings.ContrastiveWeight > 0 {
		c := InfoNCE(img.Mu, txt.Mu, m.settings.Temperature)
		logs["contrastive"] = float64(c.Item())
		total = tensor.Add(total, tensor.Scale(c, float32(m.settings.ContrastiveWeight)))
	}
	logs["loss"] = float64(total.Item())
	return total, logs
}

// TrainLoss implements models.Trainable for labelled image batches: each
// image is paired with its label's word.
func (m *MVAE) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	ids, err := LabelWords(batch.Labels)
	if err != nil || len(batch.Labels) != batch.Images.Dim(0) {
		panic(fmt.Sprintf("multimodal: a batch of %d images needs one digit label each, got %d labels (%v)", batch.Images.Dim(0), len(batch.Labels), err))
	}
	return m.Loss(batch.Images, ids, rngs)
}

// eval runs fn in evaluation mode without recording gradients.
func (m *MVAE) eval(fn func()) {
	prev := m.Image.Training()
	m.Image.SetTraining(false)
	defer m.Image.SetTraining(prev)
	tensor.NoGrad(fn)
}

// ImagesFromText generates one image per word: z from the text-only
// posterior (its mean plus temperature times its spread times noise from
// rngs' "sample" stream; temperature 0 is the mean), decoded to pixel
// probabilities [N, C, H, W].
func (m *MVAE) ImagesFromText(words []string, temperature float64, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	var ids []int
	for _, w := range words {
		e, err := EncodeWord(w)
		if err != nil {
			return nil, err
		}
		ids = append(ids, e...)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("multimodal: ImagesFromText needs at least one word")
	}
	var out *tensor.Tensor
	m.eval(func() {
		q := m.Posterior(nil, ids, nil)
		z := q.Mu
		if temperature > 0 {
			eps := tensor.Scale(rngs.Sample().Normal(q.Mu.Shape()...), float32(temperature))
			z = tensor.Add(q.Mu, tensor.Mul(tensor.Exp(tensor.Scale(q.LogVar, 0.5)), eps))
		}
		out = tensor.Sigmoid(m.Image.Decode(z))
	})
	return out, nil
}

// TextFromImages reads a word from each image [N, C, H, W]: the image
// posterior's mean decoded by the text decoder, characters by argmax.
func (m *MVAE) TextFromImages(x *tensor.Tensor) []string {
	var words []string
	m.eval(func() { words = argmaxWords(m.TextLogits(m.Posterior(x, nil, nil).Mu)) })
	return words
}

// SampleImages implements models.ImageSampler with cross-modal
// generation: image i is generated from the word of digit i mod 10 at
// temperature 1, so a grid of 10 columns shows one digit per column.
func (m *MVAE) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	words := make([]string, n)
	for i := range words {
		words[i] = Digits[i%len(Digits)]
	}
	imgs, err := m.ImagesFromText(words, 1, rngs)
	if err != nil {
		panic(err)
	}
	return imgs
}

// Evaluate implements models.Evaluator on a labelled test set:
// "image_to_text_accuracy", the share of images whose decoded word is
// their label's; "text_to_image_accuracy", the share of images generated
// from the test labels' words (temperature 1) that the nearest class mean
// of the test images assigns to that label; "text_to_image_classifier_accuracy",
// the share of the same generated images that the MNIST classifier
// shipped with package metrics (over 99% right on real test digits)
// assigns to that label, and "classifier_accuracy_real", that
// classifier's accuracy on the test images themselves, the ceiling; and
// "joint_nelbo", the negative ELBO of the joint posterior in nats (one
// sample); "test_classes", the number of classes the test set has. A test
// set cut short that lacks some classes is evaluated on those it has: the
// nearest-class-mean judge then chooses among fewer classes.
func (m *MVAE) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	if test.Len() == 0 || test.Labels() == nil {
		return nil, fmt.Errorf("multimodal: Evaluate needs a non-empty labelled data set")
	}
	means, err := ClassMeans(test.Images(), test.Labels(), len(Digits))
	if err != nil {
		return nil, err
	}
	judge, err := metrics.TrainedFeatureNet("mnist")
	if err != nil {
		return nil, fmt.Errorf("multimodal: Evaluate: %w", err)
	}
	realAcc, err := judge.Accuracy(test)
	if err != nil {
		return nil, fmt.Errorf("multimodal: Evaluate: %w", err)
	}
	it, err := data.NewIterator(test, data.BatchOptions{Size: 500})
	if err != nil {
		return nil, err
	}
	var i2t, t2i, t2iNet, nelbo float64
	for b, ok := it.Next(); ok; b, ok = it.Next() {
		words := make([]string, len(b.Labels))
		for i, l := range b.Labels {
			words[i] = Digits[l]
		}
		for i, w := range m.TextFromImages(b.Images) {
			if w == words[i] {
				i2t++
			}
		}
		gen, err := m.ImagesFromText(words, 1, rngs)
		if err != nil {
			return nil, err
		}
		for i, c := range NearestMean(means, gen) {
			if c == b.Labels[i] {
				t2i++
			}
		}
		classes, err := Classify(judge, gen)
		if err != nil {
			return nil, err
		}
		for i, c := range classes {
			if c == b.Labels[i] {
				t2iNet++
			}
		}
		ids, _ := LabelWords(b.Labels)
		m.eval(func() {
			q := m.Posterior(b.Images, ids, rngs.Sample())
			z := q.Sample(rngs.Sample())
			per := tensor.Add(tensor.Add(m.imageNLL(z, b.Images), m.textNLL(z, ids)), q.KL())
			for _, v := range per.Data() {
				nelbo += float64(v)
			}
		})
	}
	n := float64(test.Len())
	classes := 0
	for _, mu := range means {
		if mu != nil {
			classes++
		}
	}
	return map[string]float64{
		"image_to_text_accuracy": i2t / n, "text_to_image_accuracy": t2i / n,
		"text_to_image_classifier_accuracy": t2iNet / n, "classifier_accuracy_real": realAcc,
		"joint_nelbo": nelbo / n, "test_classes": float64(classes),
	}, nil
}

// Classify returns the class the feature network's logits rank first for
// each image [N, 1, 28, 28] in [0, 1].
func Classify(net *metrics.FeatureNet, images *tensor.Tensor) ([]int, error) {
	_, probs, err := net.Activations(images)
	if err != nil {
		return nil, fmt.Errorf("multimodal: %w", err)
	}
	out := make([]int, len(probs))
	for i, p := range probs {
		for k := range p {
			if p[k] > p[out[i]] {
				out[i] = k
			}
		}
	}
	return out, nil
}

// ClassMeans returns the mean image of each of k classes [k][C·H·W]; a
// class without an image (a test set cut short) has a nil mean, which
// NearestMean never picks.
func ClassMeans(images *tensor.Tensor, labels []int, k int) ([][]float32, error) {
	n := images.Dim(0)
	if len(labels) != n {
		return nil, fmt.Errorf("multimodal: %d labels for %d images", len(labels), n)
	}
	d := images.Size() / max(n, 1)
	sums := make([][]float64, k)
	counts := make([]int, k)
	for c := range sums {
		sums[c] = make([]float64, d)
	}
	for i, l := range labels {
		if l < 0 || l >= k {
			return nil, fmt.Errorf("multimodal: label %d of image %d outside [0, %d)", l, i, k)
		}
		counts[l]++
		for j, v := range images.Data()[i*d : (i+1)*d] {
			sums[l][j] += float64(v)
		}
	}
	means := make([][]float32, k)
	for c := range means {
		if counts[c] == 0 {
			continue
		}
		means[c] = make([]float32, d)
		for j, s := range sums[c] {
			means[c][j] = float32(s / float64(counts[c]))
		}
	}
	return means, nil
}

// NearestMean returns, for each image, the class whose mean is closest in
// Euclidean distance, among the classes that have one (-1 when none has).
func NearestMean(means [][]float32, images *tensor.Tensor) []int {
	n := images.Dim(0)
	d := images.Size() / max(n, 1)
	out := make([]int, n)
	for i := range n {
		x := images.Data()[i*d : (i+1)*d]
		best, bestD := -1, math.Inf(1)
		for c, mu := range means {
			if mu == nil {
				continue
			}
			s := 0.0
			for j, v := range x {
				t := float64(v - mu[j])
				s += t * t
			}
			if s < bestD {
				best, bestD = c, s
			}
		}
		out[i] = best
	}
	return out
}
