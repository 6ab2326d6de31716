package tabular_test

import (
	"errors"
	"fmt"
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/modality/tabular"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// openWine opens the real wine table, skipping the test where Debian's
// python3-sklearn is not installed.
func openWine(t *testing.T) *tabular.Source {
	t.Helper()
	src, err := tabular.Open("wine", "")
	if errors.Is(err, data.ErrNotFound) {
		datatest.Skipf(t, "the wine table is not installed here; the loader said:\n%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestOpenWineGivesAStratifiedDeterministicSplit(t *testing.T) {
	src := openWine(t)
	if src.Train.Len() != 142 || src.Test.Len() != 36 {
		t.Fatalf("split %d/%d, want 142/36 of 178 rows", src.Train.Len(), src.Test.Len())
	}
	if w := src.Encoder.Width(); w != 16 {
		t.Fatalf("encoded width %d, want 16 (13 numbers + 3 classes)", w)
	}
	counts := map[string]int{}
	cls, _ := src.Test.Column("class")
	for _, c := range cls {
		counts[c]++
	}
	// 59, 71 and 48 rows per class; a fifth of each, rounded.
	if counts["class_0"] != 12 || counts["class_1"] != 14 || counts["class_2"] != 10 {
		t.Errorf("test classes %v, want class_0 12, class_1 14, class_2 10", counts)
	}
	again, _ := tabular.Open("wine", "")
	if fmt.Sprint(again.Test.Rows) != fmt.Sprint(src.Test.Rows) {
		t.Error("opening the table twice gave two splits")
	}
	ds, err := src.Dataset("train")
	if err != nil {
		t.Fatal(err)
	}
	if s := ds.Shape(); s[0] != 142 || s[3] != 16 || ds.Label(0) != 0 {
		t.Errorf("train data set %v, first label %d", s, ds.Label(0))
	}
}

func TestOpenSaysWhereItLookedAndHowToInstall(t *testing.T) {
	t.Setenv(data.EnvDataDir, t.TempDir())
	restore := tabular.SetSklearnDirForTest(t.TempDir())
	defer restore()
	_, err := tabular.Open("wine", "")
	if !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("error %v does not wrap data.ErrNotFound", err)
	}
	for _, want := range []string{"wine_data.csv", "--data-dir: not given", "$ARTIFEX_DATA", "python3-sklearn", "apt-get install python3-sklearn"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if _, err := tabular.Open("titanic", ""); err == nil || !strings.Contains(err.Error(), "available: breast_cancer, iris, wine") {
		t.Errorf("unknown table gave %v", err)
	}
}

func TestOpenReadsScikitLearnLayoutFromADataDir(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sklearn")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("10,4,setosa,versicolor\n")
	for i := range 10 {
		fmt.Fprintf(&b, "%d.1,3.%d,1.%d,0.%d,%d\n", 4+i%3, i, 9-i, i%4, i%2)
	}
	if err := os.WriteFile(filepath.Join(sub, "iris.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := tabular.Open("iris", dir)
	if err != nil {
		t.Fatal(err)
	}
	if src.Path != filepath.Join(sub, "iris.csv") {
		t.Errorf("read %s", src.Path)
	}
	last := src.Schema[len(src.Schema)-1]
	if last.Kind != tabular.Binary || src.Train.Len()+src.Test.Len() != 10 {
		t.Errorf("class column %+v, %d+%d rows", last, src.Train.Len(), src.Test.Len())
	}
}

func wineConfig(t *testing.T, name string) config.ModelConfiguration {
	t.Helper()
	cfg, err := zoo.GetConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestAdaptRefusesOtherFamiliesAndWrongWidths(t *testing.T) {
	src := openWine(t)
	mod := tabular.Modality{Source: src}
	cfg := wineConfig(t, "vae_tabular_wine")
	m, err := factory.CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mod.Adapt(m, "gan"); err == nil || !strings.Contains(err.Error(), "adapts vae and flow models") {
		t.Errorf("gan family gave %v", err)
	}
	cfg.InputDim = config.Dims{12}
	m, _ = factory.CreateModel(cfg, nn.NewRngs(0))
	if _, err := mod.Adapt(m, "vae"); err == nil || !strings.Contains(err.Error(), "its rows encode to [16] (13 numerical, class: categorical ×3)") {
		t.Errorf("wrong width gave %v", err)
	}
	cfg = wineConfig(t, "vae_tabular_wine")
	delete(cfg.Metadata, "training_defaults")
	_, err = factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("tabular"))
	if err == nil || !strings.Contains(err.Error(), "Failed to apply modality 'tabular'") || !strings.Contains(err.Error(), "training_defaults.dataset") {
		t.Errorf("no table named gave %v", err)
	}
}

// fit trains a trainable model on the training rows for steps full-batch
// Adam steps and returns the first and last losses.
func fit(t *testing.T, m interface {
	TrainLoss(data.Batch, *tensor.Rngs) (*tensor.Tensor, map[string]float64)
}, ds *data.Dataset, steps int, lr float64) (first, last float64) {
	t.Helper()
	opt, err := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: lr, Betas: [2]float64{0.9, 0.999}})
	if err != nil {
		t.Fatal(err)
	}
	rngs := tensor.NewRngs(3)
	batch := data.Batch{Images: ds.Images(), Labels: ds.Labels()}
	for i := range steps {
		loss, _ := m.TrainLoss(batch, rngs)
		if i == 0 {
			first = float64(loss.Item())
		}
		last = float64(loss.Item())
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
	}
	return first, last
}

func TestTabularVAELearnsWineAndSamplesValidRows(t *testing.T) {
	src := openWine(t)
	m, err := factory.CreateModel(wineConfig(t, "vae_tabular_wine"), nn.NewRngs(1), factory.WithModality("tabular"))
	if err != nil {
		t.Fatal(err)
	}
	v, ok := m.(*tabular.VAE)
	if !ok {
		t.Fatalf("the tabular modality gave %T, want *tabular.VAE", m)
	}
	if n := len(nn.Parameters(v)); n == 0 || v.LogScale.Size() != 13 {
		t.Fatalf("%d parameters, log-scales %v", n, v.LogScale.Shape())
	}
	ds, _ := src.Dataset("train")
	first, last := fit(t, v, ds, 300, 2e-3)
	t.Logf("negative ELBO %.2f → %.2f nats per row", first, last)
	if !(last < first-4) {
		t.Errorf("loss %.2f → %.2f: did not learn", first, last)
	}
	rows, err := v.SampleTable(200, tensor.NewRngs(5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Encoder.Encode(rows); err != nil {
		t.Fatalf("sampled rows do not fit the schema: %v", err)
	}
	r, err := tabular.Compare(src.Encoder, src.Train, src.Test, rows, "class")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("KS %.3f, TVD %.3f, corr mean abs %.3f, DCR %.2f (test %.2f), TSTR %.3f (TRTR %.3f)",
		r.KSMean, r.TVDMean, r.CorrMeanAbs, r.DCRSynthetic, r.DCRTest, r.TSTR, r.TRTR)
	if r.TSTR < 0.8 || r.KSMean > 0.35 {
		t.Errorf("after 300 steps TSTR %.3f (want >= 0.8), mean KS %.3f (want <= 0.35)", r.TSTR, r.KSMean)
	}
}

func TestTabularFlowLearnsWineAndDequantisesIntoUnitCells(t *testing.T) {
	src := openWine(t)
	cfg := wineConfig(t, "flow_tabular_wine")
	cfg.Parameters["num_layers"] = 2
	cfg.HiddenDims = []int{32, 32}
	m, err := factory.CreateModel(cfg, nn.NewRngs(1), factory.WithModality("tabular"))
	if err != nil {
		t.Fatal(err)
	}
	f, ok := m.(*tabular.Flow)
	if !ok {
		t.Fatalf("the tabular modality gave %T, want *tabular.Flow", m)
	}
	ds, _ := src.Dataset("train")
	x := ds.Images()
	x = tensor.Reshape(x, x.Dim(0), -1)
	y := f.Dequantize(x, tensor.NewRngs(0).Stream("d"))
	for i := range x.Dim(0) {
		for j := 13; j < 16; j++ {
			lo := x.At(i, j)
			if v := y.At(i, j); v < lo || v >= lo+1 {
				t.Fatalf("row %d entry %d: %v dequantised to %v, outside [%v, %v)", i, j, lo, v, lo, lo+1)
			}
		}
		if y.At(i, 0) != x.At(i, 0) {
			t.Fatalf("row %d: a numerical entry changed", i)
		}
	}
	first, last := fit(t, f, ds, 150, 2e-3)
	t.Logf("NLL %.3f → %.3f nats per entry", first, last)
	if !(last < first-0.3) {
		t.Errorf("loss %.3f → %.3f: did not learn", first, last)
	}
	rows, err := f.SampleTable(50, tensor.NewRngs(2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Encoder.Encode(rows); err != nil {
		t.Fatalf("sampled rows do not fit the schema: %v", err)
	}
}

// mixedSource is a synthetic table with a column of every kind, fit like
// a user's CSV file would be.
func mixedSource(t *testing.T) *tabular.Source {
	t.Helper()
	var b strings.Builder
	b.WriteString("x,colour,size,smoker\n")
	s := tensor.NewRngs(11).Stream("mixed")
	for i := range 300 {
		x := s.NormFloat64()
		colour := []string{"red", "green", "blue"}[i%3]
		size := 1 + (i/3)%5
		smoker := "no"
		if x > 0.5 {
			smoker = "yes"
		}
		fmt.Fprintf(&b, "%.3f,%s,%d,%s\n", x+float64(i%3), colour, size, smoker)
	}
	full, err := tabular.ReadCSV(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := tabular.Infer(full)
	if err != nil {
		t.Fatal(err)
	}
	train, test := tabular.StratifiedSplit(full, 1, 0.2, 1)
	enc, err := tabular.Fit(schema, train)
	if err != nil {
		t.Fatal(err)
	}
	return &tabular.Source{Name: "mixed", Schema: schema, Train: train, Test: test, Encoder: enc, Target: "colour"}
}

func TestMixedTableFlowCellsRoundTripAndVAELearns(t *testing.T) {
	src := mixedSource(t)
	if got := fmt.Sprint(src.Schema[1].Kind, src.Schema[2].Kind, src.Schema[3].Kind); got != "categoricalordinalbinary" {
		t.Fatalf("inferred kinds %s", got)
	}
	w := src.Encoder.Width() // 1 + 3 + 1 + 1
	flowCfg := config.ModelConfiguration{Name: "mixed_flow", ModelClass: "RealNVP", InputDim: config.Dims{w}, HiddenDims: []int{16}}
	fm, err := factory.CreateModel(flowCfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	am, err := (tabular.Modality{Source: src}).Adapt(fm, "flow")
	if err != nil {
		t.Fatal(err)
	}
	f := am.(*tabular.Flow)
	ds, _ := src.Dataset("train")
	x := tensor.Reshape(ds.Images(), ds.Len(), w)
	back := f.Quantize(f.Dequantize(x, tensor.NewRngs(1).Stream("d")).Data())
	for i, v := range back {
		if math.Abs(float64(v-x.Data()[i])) > 1e-6 {
			t.Fatalf("entry %d: %v dequantised and quantised back to %v", i, x.Data()[i], v)
		}
	}

	vaeCfg := config.ModelConfiguration{Name: "mixed_vae", ModelClass: "VAE", InputDim: config.Dims{w}, HiddenDims: []int{32}, OutputDim: config.Dims{2}}
	vm, err := factory.CreateModel(vaeCfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	av, err := (tabular.Modality{Source: src}).Adapt(vm, "vae")
	if err != nil {
		t.Fatal(err)
	}
	v := av.(*tabular.VAE)
	first, last := fit(t, v, ds, 200, 5e-3)
	if !(last < first-1) {
		t.Errorf("loss %.2f → %.2f: did not learn", first, last)
	}
	test, _ := src.Dataset("test")
	m, err := v.Evaluate(test, tensor.NewRngs(2))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("mixed table: loss %.2f → %.2f; %v", first, last, m)
	for _, k := range []string{"nelbo", "ks_mean", "tvd_mean", "tstr_accuracy", "dcr_synthetic_median"} {
		if _, ok := m[k]; !ok {
			t.Errorf("Evaluate lacks %s: %v", k, m)
		}
	}
}

// writeWineLike writes n rows in the wine layout to dir/wine_data.csv.
func writeWineLike(t *testing.T, dir string, n int) {
	t.Helper()
	if err := traintest.WriteWineLike(dir, n); err != nil {
		t.Fatal(err)
	}
}

// The tables are data sets of data.Load once registered: read from the
// user's directory (its sklearn/ folder first), and otherwise an error
// naming every place searched.
func TestRegisteredTablesLoadThroughDataLoad(t *testing.T) {
	t.Setenv(data.EnvDataDir, "")
	restore := tabular.SetSklearnDirForTest(t.TempDir())
	defer restore()
	if err := tabular.RegisterDataSets(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "sklearn")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeWineLike(t, sub, 30)
	train, err := data.Load("wine", "train", data.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	test, err := data.Load("Wine", "test", data.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// 10 rows a class, 2 of each in test; rows of 13 numbers and 3 classes.
	if train.Len() != 24 || test.Len() != 6 || train.Shape()[3] != 16 {
		t.Errorf("train %v, test %v", train.Shape(), test.Shape())
	}
	if _, err := data.Load("wine", "validation", data.LoadOptions{Dir: dir}); err == nil || !strings.Contains(err.Error(), "unknown split") {
		t.Errorf("a bad split gave %v", err)
	}
	empty := t.TempDir()
	_, err = data.Load("wine", "train", data.LoadOptions{Dir: empty})
	if !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("no table gave %v", err)
	}
	for _, want := range []string{empty + " (--data-dir): wine_data.csv not found", "$ARTIFEX_DATA: not set", "(Debian package python3-sklearn)", "apt-get install python3-sklearn"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

// The modality fits its encoder on the table in the build's data
// directory (factory.WithDataDir), the one training reads.
func TestAdaptDataFitsTheTableOfTheDataDir(t *testing.T) {
	t.Setenv(data.EnvDataDir, "")
	restore := tabular.SetSklearnDirForTest(t.TempDir())
	defer restore()
	dir := t.TempDir()
	writeWineLike(t, dir, 30)
	cfg := wineConfig(t, "vae_tabular_wine")
	_, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("tabular"))
	if !errors.Is(err, data.ErrNotFound) || !strings.Contains(err.Error(), "--data-dir: not given") {
		t.Errorf("no table anywhere gave %v", err)
	}
	m, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("tabular"), factory.WithDataDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	src := m.(tabular.Sampler).Source()
	if src.Path != filepath.Join(dir, "wine_data.csv") || src.Train.Len() != 24 {
		t.Errorf("adapted to %s with %d training rows", src.Path, src.Train.Len())
	}
}
