package zoo

import (
	"slices"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/nn"
)

// buildAll builds every zoo configuration whose family reg knows with
// create, and reports which were built, which were skipped (family not
// registered yet) and which failed.
func buildAll(t *testing.T, reg *factory.Registry, create func(name string) (factory.Model, error)) (built, skipped []string) {
	t.Helper()
	for _, name := range ListConfigs("") {
		info, err := GetInfo(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, ok := reg.Builder(info.Family); !ok {
			skipped = append(skipped, name)
			continue
		}
		m, err := create(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if m.Config().ModelClass != info.ModelClass {
			t.Errorf("%s: built model reports model_class %q, want %q", name, m.Config().ModelClass, info.ModelClass)
		}
		built = append(built, name)
	}
	return built, skipped
}

// TestEveryEmbeddedConfigBuildsWithTheDefaultRegistry is the guard that
// no broken preset ships: every configuration of the embedded zoo is
// built with its real builder.
func TestEveryEmbeddedConfigBuildsWithTheDefaultRegistry(t *testing.T) {
	built, skipped := buildAll(t, factory.DefaultRegistry(), func(name string) (factory.Model, error) {
		return CreateModel(name, nn.NewRngs(0), nil)
	})
	if len(skipped) != 0 {
		t.Errorf("configurations whose family DefaultRegistry lacks: %v", skipped)
	}
	for _, name := range embeddedNames {
		if !slices.Contains(built, name) {
			t.Errorf("%s was not built", name)
		}
	}
}

type recordedModel struct{ cfg config.ModelConfiguration }

func (m recordedModel) Config() config.ModelConfiguration { return m.cfg }

func TestBuildWalkBuildsEveryConfigOfRegisteredFamilies(t *testing.T) {
	reg := factory.NewRegistry()
	seen := map[string]string{}
	for _, family := range []string{"vae", "gan", "diffusion", "flow", "ebm", "autoregressive", "geometric"} {
		b := factory.BuilderFunc(func(cfg config.ModelConfiguration, _ *nn.Rngs, _ ...factory.Option) (factory.Model, error) {
			seen[cfg.Name] = family
			return recordedModel{cfg}, nil
		})
		if err := reg.Register(family, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.RegisterModule("energy", "ebm"); err != nil { // as DefaultRegistry does
		t.Fatal(err)
	}
	built, skipped := buildAll(t, reg, func(name string) (factory.Model, error) {
		cfg, err := GetConfig(name)
		if err != nil {
			return nil, err
		}
		return reg.CreateModel(cfg, nn.NewRngs(0))
	})
	if len(built) != len(embeddedNames) || len(skipped) != 0 {
		t.Fatalf("built %v, skipped %v; want all %d", built, skipped, len(embeddedNames))
	}
	for name, want := range map[string]string{"vae_protein": "vae", "ebm_cifar": "ebm", "pixel_cnn_cifar10": "autoregressive", "diffusion_foldingdiff": "diffusion", "gan_mnist": "gan"} {
		if seen[name] != want {
			t.Errorf("%s built by %q, want %q", name, seen[name], want)
		}
	}

	partial := factory.NewRegistry()
	_ = partial.Register("gan", factory.BuilderFunc(func(cfg config.ModelConfiguration, _ *nn.Rngs, _ ...factory.Option) (factory.Model, error) {
		return recordedModel{cfg}, nil
	}))
	built, skipped = buildAll(t, partial, func(name string) (factory.Model, error) {
		cfg, _ := GetConfig(name)
		return partial.CreateModel(cfg, nn.NewRngs(0))
	})
	if len(built) != 3 || len(skipped) != len(embeddedNames)-3 {
		t.Fatalf("with only gan registered: built %v, skipped %v", built, skipped)
	}
}
