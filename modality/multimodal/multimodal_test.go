package multimodal_test

import (
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/goldentest"
	"github.com/artifex-go/artifex/metrics"
	"github.com/artifex-go/artifex/modality/multimodal"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

func TestWordsEncodeAndDecode(t *testing.T) {
	ids, err := multimodal.EncodeWord("seven")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{19, 5, 22, 5, 14}; !reflect.DeepEqual(ids, want) {
		t.Errorf("EncodeWord(seven) = %v, want %v", ids, want)
	}
	one, _ := multimodal.EncodeWord("one")
	if one[3] != 0 || one[4] != 0 || multimodal.DecodeWord(one) != "one" {
		t.Errorf("one encodes to %v, decodes to %q", one, multimodal.DecodeWord(one))
	}
	for _, bad := range []string{"", "eleven", "Two", "tw0"} {
		if _, err := multimodal.EncodeWord(bad); err == nil {
			t.Errorf("EncodeWord(%q) accepted", bad)
		}
	}
	words, err := multimodal.LabelWords([]int{7, 0})
	if err != nil || multimodal.DecodeWord(words[:5]) != "seven" || multimodal.DecodeWord(words[5:]) != "zero" {
		t.Errorf("LabelWords = %v, %v", words, err)
	}
	if _, err := multimodal.LabelWords([]int{10}); err == nil {
		t.Error("label 10 accepted")
	}
}

type golden struct {
	InfoNCE struct {
		A, B        []float32
		N, D        int
		Temperature float64
		Loss        float64
	} `json:"info_nce"`
	PoE struct {
		Mu, LogVar  []float32
		N, D        int
		FusedMu     []float64 `json:"fused_mu"`
		FusedLogVar []float64 `json:"fused_logvar"`
	} `json:"poe"`
}

func loadGolden(t *testing.T) golden { return goldentest.Load[golden](t, "testdata/golden.json") }

func TestProductOfExpertsAndInfoNCEMatchPyTorch(t *testing.T) {
	g := loadGolden(t)
	p := g.PoE
	k := p.N * p.D
	var experts []multimodal.Gaussian
	for e := range 2 {
		experts = append(experts, multimodal.Gaussian{
			Mu:     tensor.FromSlice(p.Mu[e*k:(e+1)*k], p.N, p.D),
			LogVar: tensor.FromSlice(p.LogVar[e*k:(e+1)*k], p.N, p.D),
		})
	}
	f := multimodal.ProductOfExperts(experts...)
	for i := range k {
		if math.Abs(float64(f.Mu.Data()[i])-p.FusedMu[i]) > 1e-5 || math.Abs(float64(f.LogVar.Data()[i])-p.FusedLogVar[i]) > 1e-5 {
			t.Fatalf("fused entry %d = (%v, %v), torch (%v, %v)", i, f.Mu.Data()[i], f.LogVar.Data()[i], p.FusedMu[i], p.FusedLogVar[i])
		}
	}
	c := g.InfoNCE
	got := multimodal.InfoNCE(tensor.FromSlice(c.A, c.N, c.D), tensor.FromSlice(c.B, c.N, c.D), c.Temperature)
	if math.Abs(float64(got.Item())-c.Loss) > 1e-4 {
		t.Errorf("InfoNCE = %v, torch %v", got.Item(), c.Loss)
	}
}

func TestProductOfExpertsByHand(t *testing.T) {
	// Precisions 1 (prior) + 1 + 2 = 4; mean (1·1 + 3·2)/4.
	f := multimodal.ProductOfExperts(
		multimodal.Gaussian{Mu: tensor.FromSlice([]float32{1}, 1, 1), LogVar: tensor.FromSlice([]float32{0}, 1, 1)},
		multimodal.Gaussian{Mu: tensor.FromSlice([]float32{3}, 1, 1), LogVar: tensor.FromSlice([]float32{float32(math.Log(0.5))}, 1, 1)},
	)
	if math.Abs(float64(f.Mu.Item())-1.75) > 1e-6 || math.Abs(float64(f.LogVar.Item())+math.Log(4)) > 1e-6 {
		t.Errorf("PoE = N(%v, e^%v), want N(1.75, e^%v)", f.Mu.Item(), f.LogVar.Item(), -math.Log(4))
	}
}

func TestFusionAndContrastiveGradientsMatchFiniteDifferences(t *testing.T) {
	s := tensor.NewRngs(2).Stream("t")
	a, b := s.Normal(4, 3).SetRequiresGrad(true), s.Normal(4, 3).SetRequiresGrad(true)
	mu, lv := s.Normal(4, 3).SetRequiresGrad(true), tensor.Scale(s.Normal(4, 3), 0.5).Detach().SetRequiresGrad(true)
	w := s.Normal(4, 3)
	loss := func() *tensor.Tensor {
		f := multimodal.ProductOfExperts(multimodal.Gaussian{Mu: a, LogVar: lv}, multimodal.Gaussian{Mu: mu, LogVar: tensor.Scale(lv, -1)})
		return tensor.Add(multimodal.InfoNCE(a, b, 0.5), tensor.Sum(tensor.Mul(w, tensor.Add(f.Mu, f.LogVar))))
	}
	inputs := []*tensor.Tensor{a, b, mu, lv}
	grads := tensor.Grad([]*tensor.Tensor{loss()}, inputs, false)
	for k, p := range inputs {
		for i := range p.Data() {
			old := p.Data()[i]
			const h = 1e-2
			p.Data()[i] = old + h
			up := float64(loss().Item())
			p.Data()[i] = old - h
			down := float64(loss().Item())
			p.Data()[i] = old
			num := (up - down) / (2 * h)
			if an := float64(grads[k].Data()[i]); math.Abs(an-num) > 2e-2*(1+math.Abs(num)) {
				t.Fatalf("input %d entry %d: analytic %v, finite difference %v", k, i, an, num)
			}
		}
	}
}

func mvaeConfig(t *testing.T) config.ModelConfiguration {
	t.Helper()
	cfg, err := zoo.GetConfig("mvae_mnist_text")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestSettingsAreCheckedAndRecorded(t *testing.T) {
	cfg := mvaeConfig(t)
	cfg.Metadata["multi_modal"] = map[string]any{"fusion": "moe"}
	m, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("multi_modal"))
	if err != nil {
		t.Fatal(err)
	}
	got := m.Config().Metadata["multi_modal"].(map[string]any)
	if got["fusion"] != "moe" || got["temperature"] != 0.1 || got["text_hidden"] != 256 || got["contrastive_weight"] != 0.0 {
		t.Errorf("recorded settings %v", got)
	}
	for _, c := range []struct {
		meta any
		want string
	}{
		{map[string]any{"fusion": "sum"}, "fusion must be one of poe, moe"},
		{map[string]any{"fuson": "poe"}, `unknown key "fuson"`},
		{map[string]any{"temperature": 0}, "temperature must be a finite number > 0"},
		{"poe", "must be a map"},
	} {
		cfg.Metadata["multi_modal"] = c.meta
		_, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("multi_modal"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("metadata %v gave %v, want %q", c.meta, err, c.want)
		}
	}
}

func TestAdaptRefusesWhatItCannotPair(t *testing.T) {
	cfg := mvaeConfig(t)
	cfg.Parameters["reconstruction_loss"] = "mse"
	_, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("multi_modal"))
	if err == nil || !strings.Contains(err.Error(), `reconstruction_loss "bce"`) {
		t.Errorf("mse VAE gave %v", err)
	}
	m, _ := factory.CreateModel(mvaeConfig(t), nn.NewRngs(0))
	if _, err := (multimodal.Modality{}).Adapt(m, "gan"); err == nil || !strings.Contains(err.Error(), "not a gan model") {
		t.Errorf("gan family gave %v", err)
	}
}

// mnistBatch returns the first n MNIST training images, binarised at 1/2,
// with their labels; the test is skipped where MNIST is not installed.
func mnistBatch(t *testing.T, n int) data.Batch {
	t.Helper()
	ds, err := data.Load("mnist", "train", data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		datatest.Skipf(t, "MNIST is not installed here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := ds.Split(n)
	return data.Batch{Images: data.StaticBinarize(0.5)(head.Images()), Labels: head.Labels()}
}

func TestMVAELearnsPairsAndGeneratesAcrossModalities(t *testing.T) {
	batch := mnistBatch(t, 256)
	for _, fusion := range multimodal.Fusions {
		cfg := mvaeConfig(t)
		cfg.HiddenDims = []int{128}
		cfg.Metadata["multi_modal"] = map[string]any{"fusion": fusion, "contrastive_weight": 0.5, "text_hidden": 64}
		m, err := factory.CreateModel(cfg, nn.NewRngs(1), factory.WithModality("multi_modal"))
		if err != nil {
			t.Fatal(err)
		}
		mv := m.(*multimodal.MVAE)
		opt, _ := optim.NewAdam(nn.Parameters(mv), optim.AdamConfig{LR: 2e-3, Betas: [2]float64{0.9, 0.999}})
		rngs := tensor.NewRngs(4)
		var first, last map[string]float64
		for i := range 40 {
			loss, logs := mv.TrainLoss(batch, rngs)
			if i == 0 {
				first = logs
			}
			last = logs
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
		}
		t.Logf("%s: loss %.1f → %.1f, contrastive %.2f → %.2f", fusion, first["loss"], last["loss"], first["contrastive"], last["contrastive"])
		if !(last["loss"] < first["loss"]-100) || !(last["contrastive"] < first["contrastive"]) {
			t.Errorf("%s: loss %.1f → %.1f, contrastive %.2f → %.2f: did not learn", fusion, first["loss"], last["loss"], first["contrastive"], last["contrastive"])
		}
		imgs, err := mv.ImagesFromText([]string{"seven", "one", "zero"}, 0, rngs)
		if err != nil {
			t.Fatal(err)
		}
		if s := imgs.Shape(); !reflect.DeepEqual(s, []int{3, 1, 28, 28}) {
			t.Fatalf("%s: ImagesFromText shape %v", fusion, s)
		}
		for _, v := range imgs.Data() {
			if v < 0 || v > 1 {
				t.Fatalf("%s: pixel probability %v outside [0, 1]", fusion, v)
			}
		}
		if words := mv.TextFromImages(batch.Images); len(words) != 256 {
			t.Fatalf("%s: %d words for 256 images", fusion, len(words))
		}
		if _, err := mv.ImagesFromText([]string{"eleven"}, 0, rngs); err == nil {
			t.Errorf("%s: a word of six letters was accepted", fusion)
		}
		ds, err := data.NewDataset(batch.Images.Data(), batch.Labels, 1, 28, 28)
		if err != nil {
			t.Fatal(err)
		}
		res, err := mv.Evaluate(ds, rngs)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: evaluate %v", fusion, res)
		for _, k := range []string{"image_to_text_accuracy", "text_to_image_accuracy", "text_to_image_classifier_accuracy", "classifier_accuracy_real"} {
			if v, ok := res[k]; !ok || v < 0 || v > 1 {
				t.Errorf("%s: %s = %v (present %v), want a share in [0, 1]", fusion, k, v, ok)
			}
		}
		if res["classifier_accuracy_real"] < 0.95 || !(res["joint_nelbo"] > 0) {
			t.Errorf("%s: the shipped classifier is right on %.3f of real digits (want >= 0.95), joint -ELBO %v", fusion, res["classifier_accuracy_real"], res["joint_nelbo"])
		}
	}
}

func TestNearestClassMeanClassifiesRealDigits(t *testing.T) {
	batch := mnistBatch(t, 2000)
	means, err := multimodal.ClassMeans(batch.Images, batch.Labels, 10)
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i, c := range multimodal.NearestMean(means, batch.Images) {
		if c == batch.Labels[i] {
			ok++
		}
	}
	// The nearest class mean is a weak but fair judge: about 80% on real
	// binarised digits.
	if acc := float64(ok) / 2000; acc < 0.7 {
		t.Errorf("nearest class mean accuracy on real digits %.3f, want >= 0.7", acc)
	}
}

// The judge of text → image generation in Evaluate is the MNIST
// classifier shipped with package metrics.
func TestShippedClassifierJudgesRealDigits(t *testing.T) {
	batch := mnistBatch(t, 1000)
	net, err := metrics.TrainedFeatureNet("mnist")
	if err != nil {
		t.Fatal(err)
	}
	classes, err := multimodal.Classify(net, batch.Images)
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i, c := range classes {
		if c == batch.Labels[i] {
			ok++
		}
	}
	if acc := float64(ok) / 1000; acc < 0.97 {
		t.Errorf("the shipped classifier is right on %.3f of binarised training digits, want >= 0.97", acc)
	}
	if _, err := multimodal.Classify(net, tensor.Zeros(2, 1, 14, 14)); err == nil || !strings.Contains(err.Error(), "[N, 1, 28, 28]") {
		t.Errorf("14×14 images gave %v", err)
	}
}

// A test set cut short (evaluate --limit) may lack classes: the judge
// chooses among the classes present, and Evaluate reports how many.
func TestEvaluateOnATestSetLackingClassesJudgesAmongThoseItHas(t *testing.T) {
	batch := mnistBatch(t, 400)
	var idx []int
	for i, l := range batch.Labels {
		if l == 1 || l == 7 {
			idx = append(idx, i)
		}
	}
	all, err := data.NewDataset(batch.Images.Data(), batch.Labels, 1, 28, 28)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := all.Subset(idx)
	if err != nil {
		t.Fatal(err)
	}
	means, err := multimodal.ClassMeans(ds.Images(), ds.Labels(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for c, mu := range means {
		if (mu != nil) != (c == 1 || c == 7) {
			t.Errorf("class %d has a mean: %v, want one only for the classes present (1, 7)", c, mu != nil)
		}
	}
	for i, c := range multimodal.NearestMean(means, ds.Images()) {
		if c != 1 && c != 7 {
			t.Fatalf("image %d judged %d, a class without images", i, c)
		}
	}
	cfg := mvaeConfig(t)
	cfg.HiddenDims = []int{16}
	m, err := factory.CreateModel(cfg, nn.NewRngs(1), factory.WithModality("multi_modal"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.(*multimodal.MVAE).Evaluate(ds, tensor.NewRngs(2))
	if err != nil {
		t.Fatalf("evaluate on digits 1 and 7 only: %v", err)
	}
	if res["test_classes"] != 2 || res["text_to_image_accuracy"] < 0 || res["text_to_image_accuracy"] > 1 {
		t.Errorf("test_classes %v, text → image accuracy %v; want 2 and a share", res["test_classes"], res["text_to_image_accuracy"])
	}
}
