package sampling_test

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/tensor"
)

// stepShapes is a family of shape models the project does not know: it
// draws one "shape" per sample whose text records the options it got.
type stepShapes struct{}

func (stepShapes) Config() config.ModelConfiguration {
	return config.ModelConfiguration{Name: "user_shapes", ModelClass: "UserShapes"}
}

func (stepShapes) ShapeFormats() (string, []string) { return "user shapes", []string{"txt", "csv"} }

func (stepShapes) Samplers() models.Samplers {
	return models.Samplers{Names: []string{"slow", "fast"}, Default: "slow", Eta: []string{"fast"}}
}

func (stepShapes) SampleShapes(n int, o models.StepOptions, _ *tensor.Rngs) ([]models.ShapeWriter, error) {
	eta := "configured"
	if o.Eta != nil {
		eta = fmt.Sprint(*o.Eta)
	}
	out := make([]models.ShapeWriter, n)
	for i := range out {
		out[i] = func(w io.Writer, format string) error {
			_, err := fmt.Fprintf(w, "%s sampler=%q steps=%d eta=%s", format, o.Sampler, o.Steps, eta)
			return err
		}
	}
	return out, nil
}

// TestAUserFamilyIsAskedNotNamed checks that a model type defined outside
// the project is drawn through the interfaces alone: its kind, its
// options, its samplers' checks and the options it receives.
func TestAUserFamilyIsAskedNotNamed(t *testing.T) {
	m := stepShapes{}
	if k := sampling.KindOf(m); k != sampling.Shapes {
		t.Fatalf("KindOf = %s, want shapes", k)
	}
	if got, want := sampling.OptionNames(m), []string{"sampler", "steps", "eta"}; !slices.Equal(got, want) {
		t.Errorf("OptionNames = %v, want %v", got, want)
	}
	sm, ok := sampling.ShapesOf(m)
	if !ok || sm.What != "user shapes" || !slices.Equal(sm.Formats, []string{"txt", "csv"}) {
		t.Fatalf("ShapesOf = %+v, %v", sm, ok)
	}
	shapes, err := sm.Draw(m, 2, sampling.Options{Sampler: "fast", Steps: ptr(7), Eta: ptr(0.5)}, tensor.NewRngs(1))
	if err != nil || len(shapes) != 2 {
		t.Fatalf("Draw: %d shapes, %v", len(shapes), err)
	}
	var b bytes.Buffer
	if err := shapes[1](&b, "csv"); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), `csv sampler="fast" steps=7 eta=0.5`; got != want {
		t.Errorf("shape = %q, want %q", got, want)
	}
	for _, c := range []struct {
		o    sampling.Options
		want string
	}{
		{sampling.Options{Sampler: "ddim"}, `unknown sampler "ddim" for model "user_shapes" (UserShapes); allowed: slow, fast`},
		{sampling.Options{Eta: ptr(0.5)}, "eta is DDIM's parameter; the sampler is slow (choose sampler fast)"},
		{sampling.Options{Steps: ptr(0)}, "steps must be >= 1"},
		{sampling.Options{Temperature: ptr(0.5)}, "draws user shapes"},
	} {
		if _, err := sm.Draw(m, 1, c.o, tensor.NewRngs(1)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Draw(%+v) = %v, want an error containing %q", c.o, err, c.want)
		}
	}
}
