package zoo

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/nn"
)

var embeddedNames = []string{
	"cyclegan_mnist", "diffusion_celeba", "diffusion_foldingdiff", "diffusion_foldingdiff_small", "diffusion_mnist", "ebm_cifar",
	"ebm_mnist", "egnn_protein_ca", "flow_mnist_glow", "flow_mnist_realnvp", "flow_tabular_wine",
	"gan_cifar10", "gan_mnist", "maf_mnist", "mvae_mnist_text", "nsf_tabular", "pixel_cnn_cifar10",
	"pixel_cnn_mnist", "pointcloud_primitives", "transformer_text", "vae_mnist", "vae_mnist_cnn",
	"vae_protein", "vae_tabular_wine", "wavenet_speech",
}

func TestListConfigsListsEveryEmbeddedConfigSorted(t *testing.T) {
	if got := ListConfigs(""); !reflect.DeepEqual(got, embeddedNames) {
		t.Fatalf("ListConfigs(\"\") = %v, want %v", got, embeddedNames)
	}
}

func TestListConfigsByFolderOrTag(t *testing.T) {
	for category, want := range map[string][]string{
		"vision":  {"cyclegan_mnist", "diffusion_celeba", "diffusion_mnist", "ebm_cifar", "ebm_mnist", "flow_mnist_glow", "flow_mnist_realnvp", "gan_cifar10", "gan_mnist", "maf_mnist", "pixel_cnn_cifar10", "pixel_cnn_mnist", "vae_mnist", "vae_mnist_cnn"},
		"tabular": {"flow_tabular_wine", "nsf_tabular", "vae_tabular_wine"},
		"protein": {"diffusion_foldingdiff", "diffusion_foldingdiff_small", "egnn_protein_ca", "vae_protein"},
		"gan":     {"cyclegan_mnist", "gan_cifar10", "gan_mnist"},
		"mnist":   {"cyclegan_mnist", "diffusion_mnist", "ebm_mnist", "flow_mnist_glow", "flow_mnist_realnvp", "gan_mnist", "maf_mnist", "mvae_mnist_text", "pixel_cnn_mnist", "vae_mnist", "vae_mnist_cnn"},
		"audio":   {"wavenet_speech"},
	} {
		got := ListConfigs(category)
		if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
			t.Errorf("ListConfigs(%q) = %v, want %v", category, got, want)
		}
	}
}

func TestEveryEmbeddedConfigLoadsValidatesAndIsComplete(t *testing.T) {
	for _, name := range embeddedNames {
		info, err := GetInfo(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if info.Name != name {
			t.Errorf("%s: name field is %q, want the file name", name, info.Name)
		}
		if info.Family == "unknown" {
			t.Errorf("%s: model_class %q names no known family", name, info.ModelClass)
		}
		if info.Description == "" || info.Version == "" || len(info.InputDim) == 0 || len(info.OutputDim) == 0 {
			t.Errorf("%s: description, version or dims missing: %+v", name, info)
		}
		if !slices.Contains(info.Tags, info.Category) || !slices.Contains(info.Tags, info.Family) {
			t.Errorf("%s: tags %v lack category %q or family %q", name, info.Tags, info.Category, info.Family)
		}
		td, ok := info.Metadata["training_defaults"].(map[string]any)
		if !ok {
			t.Errorf("%s: metadata.training_defaults missing", name)
			continue
		}
		required := []string{"dataset", "batch_size", "learning_rate", "epochs"}
		if info.Family == "gan" {
			// GANs train with their own optimizers, set by the parameters
			// generator_lr and discriminator_lr; the trainer rejects a
			// learning_rate it would ignore.
			required = []string{"dataset", "batch_size", "epochs"}
		}
		for _, k := range required {
			if _, ok := td[k]; !ok {
				t.Errorf("%s: training_defaults lacks %s", name, k)
			}
		}
		if !strings.HasPrefix(info.ModelClass, "artifex.generative_models.models.") {
			t.Errorf("%s: model_class %q is not an Artifex path", name, info.ModelClass)
		}
	}
}

func TestGetInfoDescribesVAEMNIST(t *testing.T) {
	info, err := GetInfo("vae_mnist")
	if err != nil {
		t.Fatal(err)
	}
	if info.ModelClass != "artifex.generative_models.models.vae.VAE" || info.Category != "vision" || info.Family != "vae" ||
		!reflect.DeepEqual(info.InputDim, config.Dims{28, 28, 1}) || !reflect.DeepEqual(info.OutputDim, config.Dims{32}) ||
		info.Parameters["encoder_type"] != "mlp" || info.Parameters["reconstruction_loss"] != "bce" {
		t.Fatalf("info = %+v", info)
	}
	if info.Source != filepath.Join("zoo", "configs", "vision", "vae_mnist.yaml") {
		t.Errorf("source = %q", info.Source)
	}
}

func TestUnknownNameListsCloseMatches(t *testing.T) {
	_, err := GetConfig("vae_mnst")
	if err == nil || !strings.HasPrefix(err.Error(), `zoo: unknown config "vae_mnst" (did you mean vae_mnist?); available: cyclegan_mnist,`) {
		t.Fatalf("error = %v", err)
	}
	_, err = CreateModel("gan", nn.NewRngs(0), nil)
	if err == nil || !strings.Contains(err.Error(), "did you mean gan_mnist, gan_cifar10?") {
		t.Fatalf("error = %v", err)
	}
	_, err = GetInfo("quantum_chromodynamics")
	if err == nil || strings.Contains(err.Error(), "did you mean") || !strings.Contains(err.Error(), "available: ") {
		t.Fatalf("error = %v", err)
	}
}

func TestOverridesReplaceFieldsMergeMapsAndSetAGANsOwnLearningRates(t *testing.T) {
	orig, err := GetConfig("gan_cifar10")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Overrides{
		"hidden_dims":   []int{1024, 512, 256, 128},
		"input_dim":     128,
		"output_dim":    []any{uint64(32), uint64(32), uint64(3)},
		"activation":    "gelu",
		"tags":          []any{"custom"},
		"parameters":    map[string]any{"dropout_rate": 0.25},
		"metadata":      map[string]any{"experiment_id": "exp_7"},
		"learning_rate": 0.0001,
	}.Apply(orig)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.HiddenDims, []int{1024, 512, 256, 128}) || !reflect.DeepEqual(got.InputDim, config.Dims{128}) ||
		!reflect.DeepEqual(got.OutputDim, config.Dims{32, 32, 3}) || got.Activation != "gelu" || !reflect.DeepEqual(got.Tags, []string{"custom"}) {
		t.Errorf("top-level overrides not applied: %+v", got)
	}
	if got.Parameters["dropout_rate"] != 0.25 || got.Parameters["use_batch_norm"] != true || len(got.Parameters) != len(orig.Parameters) {
		t.Errorf("parameters not merged shallowly: %v", got.Parameters)
	}
	// A GAN's generator and discriminator have optimizers of their own:
	// the seed's learning_rate override must reach both.
	if got.Parameters["generator_lr"] != 0.0001 || got.Parameters["discriminator_lr"] != 0.0001 {
		t.Errorf("learning_rate did not set the GAN's own learning rates: %v", got.Parameters)
	}
	td := got.Metadata["training_defaults"].(map[string]any)
	if got.Metadata["experiment_id"] != "exp_7" || got.Metadata["learning_rate"] != nil || td["learning_rate"] != nil || td["dataset"] != "cifar10" {
		t.Errorf("metadata not merged, or learning_rate put where the GAN does not read it: %v", got.Metadata)
	}
	if orig.Parameters["dropout_rate"] != 0.0 || orig.Parameters["generator_lr"] != 0.0002 || len(orig.HiddenDims) != 3 {
		t.Error("Apply changed the configuration it was given")
	}
	again, _ := GetConfig("gan_cifar10")
	if !reflect.DeepEqual(again, orig) {
		t.Error("GetConfig returned a changed configuration after overrides")
	}
}

func TestOverridesPutTrainingSettingsInTrainingDefaultsAndClassParametersInParameters(t *testing.T) {
	orig, _ := GetConfig("vae_mnist")
	got, err := Overrides{"learning_rate": 1e-4, "batch_size": 32, "optimizer": "sgd", "kl_weight": 0.5}.Apply(orig)
	if err != nil {
		t.Fatal(err)
	}
	td := got.Metadata["training_defaults"].(map[string]any)
	if td["learning_rate"] != 1e-4 || td["batch_size"] != 32 || td["optimizer"] != "sgd" {
		t.Errorf("training settings not in metadata.training_defaults: %v", td)
	}
	if orig.Metadata["training_defaults"].(map[string]any)["batch_size"] == 32 {
		t.Error("Apply changed the original training_defaults map")
	}
	if got.Parameters["kl_weight"] != 0.5 {
		t.Errorf("a parameter of VAE was not set in parameters: %v", got.Parameters)
	}
}

func TestOverridesThatNothingReadsAreErrorsListingWhatIsAccepted(t *testing.T) {
	cfg, _ := GetConfig("vae_mnist")
	_, err := Overrides{"learning_rte": 1e-4, "colour": "blue"}.Apply(cfg)
	for _, want := range []string{`override "learning_rte": nothing reads this key`, `override "colour"`, "learning_rate", "hidden_dims", "parameters of VAE (beta, "} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	}
}

func TestOverridesOfWrongTypeNameKeyAndValue(t *testing.T) {
	cfg, _ := GetConfig("vae_mnist")
	for _, c := range []struct {
		o    Overrides
		want string
	}{
		{Overrides{"hidden_dims": "big"}, `override "hidden_dims": must be an integer or a list of integers, got string "big"`},
		{Overrides{"hidden_dims": []any{512, 1.5}}, `override "hidden_dims": must be an integer or a list of integers, got 1.5 (float64) at index 1`},
		{Overrides{"activation": 3}, `override "activation": must be a string, got 3 (int)`},
		{Overrides{"parameters": []int{1}}, `override "parameters": must be a map`},
		{Overrides{"tags": []any{"a", 2}}, `override "tags": must be a list of strings, got 2 (int) at index 1`},
	} {
		_, err := c.o.Apply(cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error = %v, want %s", c.o, err, c.want)
		}
	}
	if _, err := CreateModel("vae_mnist", nn.NewRngs(0), Overrides{"hidden_dims": "big"}); err == nil ||
		!strings.HasPrefix(err.Error(), `zoo: config "vae_mnist": override "hidden_dims"`) {
		t.Errorf("CreateModel error = %v", err)
	}
}

// A configuration whose class names no registered family fails with the
// seed's error, which lists the families that are registered.
func TestCreateModelOfUnregisteredFamilyReportsAvailableTypes(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, filepath.Join(dir, "quantum.yaml"), "name: quantum\nmodel_class: artifex.generative_models.models.quantum.QuantumCircuit\ninput_dim: 4\n")
	t.Setenv("ARTIFEX_ZOO_PATH", dir)
	_, err := CreateModel("quantum", nn.NewRngs(0), nil)
	want := "No builder registered for type 'unknown'. Available types: " + strings.Join(factory.DefaultRegistry().Types(), ", ")
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to contain %q", err, want)
	}
}

func writeConfig(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

const userVAE = "name: my_vae\nmodel_class: vae.VAE\ninput_dim: 784\noutput_dim: 8\ntags: [mine]\n"

func TestArtifexZooPathAddsUserDirectories(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, filepath.Join(dir, "my_vae.yaml"), userVAE)
	writeConfig(t, filepath.Join(dir, "audio", "my_wavenet.json"), `{"model_class": "autoregressive.WaveNet", "input_dim": 16000}`)
	writeConfig(t, filepath.Join(dir, "vision", "vae_mnist.yaml"), "model_class: vae.VAE\noutput_dim: 2\n")
	writeConfig(t, filepath.Join(dir, "notes.txt"), "not a config")
	t.Setenv("ARTIFEX_ZOO_PATH", filepath.Join(t.TempDir(), "missing")+string(os.PathListSeparator)+dir)

	if got := ListConfigs("custom"); !reflect.DeepEqual(got, []string{"my_vae"}) {
		t.Errorf("ListConfigs(custom) = %v", got)
	}
	if got := ListConfigs("audio"); !reflect.DeepEqual(got, []string{"my_wavenet", "wavenet_speech"}) {
		t.Errorf("ListConfigs(audio) = %v", got)
	}
	if got := ListConfigs("mine"); !reflect.DeepEqual(got, []string{"my_vae"}) {
		t.Errorf("ListConfigs(mine) = %v", got)
	}
	info, err := GetInfo("my_wavenet")
	if err != nil || info.Name != "my_wavenet" || info.Family != "autoregressive" || info.Source != filepath.Join(dir, "audio", "my_wavenet.json") {
		t.Errorf("GetInfo(my_wavenet) = %+v, %v", info, err)
	}
	shadow, err := GetConfig("vae_mnist")
	if err != nil || !reflect.DeepEqual(shadow.OutputDim, config.Dims{2}) {
		t.Errorf("user vae_mnist does not shadow the embedded one: %+v, %v", shadow, err)
	}
}

func TestAddDirTakesPrecedenceAndRejectsMissingDirectories(t *testing.T) {
	t.Cleanup(func() { dirsMu.Lock(); dirs = nil; dirsMu.Unlock() })
	envDir, addDir := t.TempDir(), t.TempDir()
	writeConfig(t, filepath.Join(envDir, "my_vae.yaml"), userVAE)
	writeConfig(t, filepath.Join(addDir, "my_vae.yaml"), strings.Replace(userVAE, "output_dim: 8", "output_dim: 16", 1))
	writeConfig(t, filepath.Join(addDir, "broken.yaml"), "model_class: vae.VAE\nlatent: 3\n")
	t.Setenv("ARTIFEX_ZOO_PATH", envDir)
	if err := AddDir(addDir); err != nil {
		t.Fatal(err)
	}
	if err := AddDir(addDir); err != nil {
		t.Fatalf("adding a directory twice: %v", err)
	}
	cfg, err := GetConfig("my_vae")
	if err != nil || !reflect.DeepEqual(cfg.OutputDim, config.Dims{16}) {
		t.Errorf("AddDir directory does not win over ARTIFEX_ZOO_PATH: %+v, %v", cfg.OutputDim, err)
	}
	_, err = GetConfig("broken")
	if err == nil || !strings.Contains(err.Error(), `zoo: config "broken": config: `+filepath.Join(addDir, "broken.yaml")+":2:1:") {
		t.Errorf("broken config error = %v", err)
	}
	if err := AddDir(filepath.Join(addDir, "none")); err == nil {
		t.Error("AddDir accepted a missing directory")
	}
	if err := AddDir(filepath.Join(addDir, "my_vae.yaml")); err == nil {
		t.Error("AddDir accepted a file")
	}
}

func TestParseAssignmentsReadsYAMLValuesAndAppliesDottedPaths(t *testing.T) {
	o, err := ParseAssignments([]string{
		"hidden_dims=[1024,512]", "activation=gelu", "learning_rate=1e-4",
		"parameters.kl_weight=0.5", "metadata.training_defaults.batch_size=64", "metadata.notes.owner=me",
	})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := GetConfig("vae_mnist")
	cfg, err := o.Apply(base)
	if err != nil {
		t.Fatal(err)
	}
	td := cfg.Metadata["training_defaults"].(map[string]any)
	if !reflect.DeepEqual(cfg.HiddenDims, []int{1024, 512}) || cfg.Activation != "gelu" || cfg.Parameters["kl_weight"] != 0.5 ||
		fmt.Sprint(td["batch_size"]) != "64" || td["learning_rate"] != 1e-4 || td["dataset"] != "mnist" {
		t.Errorf("applied: hidden %v activation %q parameters %v training_defaults %v", cfg.HiddenDims, cfg.Activation, cfg.Parameters, td)
	}
	if cfg.Metadata["notes"].(map[string]any)["owner"] != "me" {
		t.Errorf("metadata path not created: %v", cfg.Metadata)
	}
	if fmt.Sprint(base.Metadata["training_defaults"].(map[string]any)["batch_size"]) == "64" {
		t.Error("applying changed the zoo's configuration")
	}
}

func TestParseAssignmentsErrorsNameTheAssignment(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"hidden_dims"}, `assignment "hidden_dims": want key=value`},
		{[]string{"=3"}, "want key=value"},
		{[]string{"hidden_dims=[1024,"}, `assignment "hidden_dims": value "[1024," is not YAML`},
		{[]string{"activation="}, "the value is empty"},
	} {
		if _, err := ParseAssignments(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
	cfg, _ := GetConfig("vae_mnist")
	for key, want := range map[string]string{
		"hidden_dim":         "(did you mean hidden_dims?)",
		"hidden_dims.x":      "hidden_dims is not a map",
		"parameters..x":      "empty element",
		"metadata.version.x": "", // metadata.version does not exist: created as a map
	} {
		o, err := ParseAssignments([]string{key + "=1"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = o.Apply(cfg)
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v", key, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", key, err, want)
		}
	}
}
