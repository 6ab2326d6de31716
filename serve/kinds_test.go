package serve_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/modality/tabular"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/serve"
	"github.com/artifex-go/artifex/serve/client"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// preset serves a zoo preset, untrained, adapted to its modality with
// data from dir.
func preset(t *testing.T, name, dir string) serve.Source {
	t.Helper()
	cfg, err := zoo.GetConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	modality, _ := cfg.Metadata["modality"].(string)
	return serve.Source{Load: func() (*job.Checkpointed, error) {
		m, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality(modality), factory.WithDataDir(dir))
		if err != nil {
			return nil, err
		}
		return &job.Checkpointed{Model: m, Config: m.Config()}, nil
	}}
}

// TestEveryKindAnswersInItsFormats: each kind of model answers in its
// formats, with what the shared drawing code gives for the same seed.
func TestEveryKindAnswersInItsFormats(t *testing.T) {
	if err := factory.RegisterDataSets(); err != nil {
		t.Fatal(err)
	}
	pdb := "../modality/protein/testdata"
	wine := t.TempDir()
	if err := traintest.WriteWineLike(wine, 60); err != nil {
		t.Fatal(err)
	}
	s, c := server(t, serve.Options{Workers: 1},
		preset(t, "nsf_tabular", ""), preset(t, "pointcloud_primitives", ""), preset(t, "diffusion_foldingdiff_small", pdb),
		preset(t, "transformer_text", ""), preset(t, "wavenet_speech", ""), preset(t, "vae_protein", pdb),
		preset(t, "vae_tabular_wine", wine))
	kinds := map[string]string{}
	for _, m := range s.Models() {
		kinds[m.Name] = m.Kind + " " + strings.Join(m.Formats, ",")
	}
	want := map[string]string{
		"nsf_tabular": "points json", "pointcloud_primitives": "shapes ply", "diffusion_foldingdiff_small": "shapes pdb",
		"transformer_text": "text json,text", "wavenet_speech": "audio wav", "vae_protein": "sequences fasta,json",
		"vae_tabular_wine": "table csv",
	}
	for name, w := range want {
		if kinds[name] != w {
			t.Errorf("%s is listed as %q, want %q", name, kinds[name], w)
		}
	}
	// model draws what `sample` would draw, for the expected bytes.
	model := func(name string) models.Model {
		src := preset(t, name, map[string]string{"diffusion_foldingdiff_small": pdb, "vae_protein": pdb, "vae_tabular_wine": wine}[name])
		cp, err := src.Load()
		if err != nil {
			t.Fatal(err)
		}
		nn.SetTraining(cp.Model, false)
		return cp.Model
	}

	for _, tc := range []struct {
		model       string
		req         client.Request
		contentType string
		check       func(t *testing.T, body []byte)
	}{
		{"nsf_tabular", client.Request{N: 5, Seed: 2, Temperature: ptr(0.9)}, "application/json", func(t *testing.T, body []byte) {
			var a client.Arrays
			var pts [][]float32
			if err := json.Unmarshal(body, &a); err != nil || json.Unmarshal(a.Samples, &pts) != nil || len(pts) != 5 || len(pts[0]) != 2 {
				t.Fatalf("points answer %s", body)
			}
			x, _ := sampling.DrawPoints(model("nsf_tabular"), 5, sampling.Options{Temperature: ptr(0.9)}, tensor.NewRngs(2))
			if pts[4][1] != x.Data()[9] {
				t.Errorf("the last point's y is %g, the model draws %g", pts[4][1], x.Data()[9])
			}
		}},
		{"pointcloud_primitives", client.Request{Seed: 1}, "model/x-ply", func(t *testing.T, body []byte) {
			sm, _ := sampling.ShapesOf(model("pointcloud_primitives"))
			w, _ := sm.Draw(model("pointcloud_primitives"), 1, sampling.Options{}, tensor.NewRngs(1))
			var want bytes.Buffer
			w[0](&want, "ply")
			if !bytes.Equal(body, want.Bytes()) {
				t.Errorf("one point cloud: the answer is not the PLY file sample writes")
			}
		}},
		{"pointcloud_primitives", client.Request{N: 3, Seed: 1}, "application/zip", func(t *testing.T, body []byte) {
			checkZip(t, body, "sample_001.ply", "sample_002.ply", "sample_003.ply")
		}},
		{"diffusion_foldingdiff_small", client.Request{N: 2, Seed: 1, Steps: ptr(2)}, "application/zip", func(t *testing.T, body []byte) {
			checkZip(t, body, "sample_001.pdb", "sample_002.pdb")
		}},
		{"diffusion_foldingdiff_small", client.Request{Seed: 1, Steps: ptr(2), Sampler: "ddpm"}, "chemical/x-pdb", func(t *testing.T, body []byte) {
			if !strings.Contains(string(body), "ATOM") {
				t.Errorf("PDB answer without ATOM records:\n%s", body)
			}
		}},
		{"transformer_text", client.Request{N: 2, Seed: 3, MaxTokens: 6, Prompt: ptr("a"), TopK: 5}, "application/json", func(t *testing.T, body []byte) {
			var a client.Arrays
			var texts []string
			if err := json.Unmarshal(body, &a); err != nil || json.Unmarshal(a.Samples, &texts) != nil || len(texts) != 2 {
				t.Fatalf("text answer %s", body)
			}
			lm := model("transformer_text").(models.TextSampler)
			rngs := tensor.NewRngs(3)
			for i, got := range texts {
				want, _ := lm.SampleText("a", 6, 0.8, 5, 0.95, rngs)
				// JSON strings are UTF-8: bytes that are not are U+FFFD.
				b, _ := json.Marshal(want)
				json.Unmarshal(b, &want)
				if got != want {
					t.Errorf("text %d is %q, the model writes %q", i, got, want)
				}
			}
		}},
		{"transformer_text", client.Request{N: 1, MaxTokens: 3, Format: "text"}, "text/plain; charset=utf-8", func(t *testing.T, body []byte) {
			if !strings.HasPrefix(string(body), "--- sample 1 of transformer_text (step 0)\n\n") {
				t.Errorf("plain text answer %q lacks sample's header and the default prompt", body)
			}
		}},
		{"wavenet_speech", client.Request{Seed: 1, Seconds: 0.01}, "audio/wav", func(t *testing.T, body []byte) {
			clip, err := audio.ReadWAV(bytes.NewReader(body))
			if err != nil || clip.SampleRate != model("wavenet_speech").(*audio.Waveform).SampleRate() || clip.Len() != int(0.01*float64(clip.SampleRate)) {
				t.Errorf("WAV answer: %v, %v", clip, err)
			}
		}},
		{"vae_protein", client.Request{N: 3, Seed: 4}, "text/x-fasta", func(t *testing.T, body []byte) {
			seqs, _ := sampling.DrawSequences(model("vae_protein"), 3, sampling.Options{}, tensor.NewRngs(4))
			var want bytes.Buffer
			protein.WriteFASTA(&want, sampling.FASTARecords("vae_protein", 0, 4, seqs))
			if !bytes.Equal(body, want.Bytes()) {
				t.Errorf("FASTA answer\n%s\nwant\n%s", body, want.Bytes())
			}
		}},
		{"vae_tabular_wine", client.Request{N: 4, Seed: 1}, "text/csv", func(t *testing.T, body []byte) {
			rows, _ := model("vae_tabular_wine").(tabular.Sampler).SampleTable(4, tensor.NewRngs(1))
			var want bytes.Buffer
			rows.WriteCSV(&want)
			if !bytes.Equal(body, want.Bytes()) || strings.Count(string(body), "\n") != 5 {
				t.Errorf("CSV answer\n%s\nwant a header and 4 rows\n%s", body, want.Bytes())
			}
		}},
	} {
		got, err := c.Sample(context.Background(), tc.model, tc.req)
		if err != nil {
			t.Errorf("%s %+v: %v", tc.model, tc.req, err)
			continue
		}
		if got.ContentType != tc.contentType {
			t.Errorf("%s %+v: content type %s, want %s", tc.model, tc.req, got.ContentType, tc.contentType)
		}
		tc.check(t, got.Body)
		again, err := c.Sample(context.Background(), tc.model, tc.req)
		if err != nil || !bytes.Equal(again.Body, got.Body) {
			t.Errorf("%s %+v: the same request gave other bytes the second time", tc.model, tc.req)
		}
	}
}

// checkZip checks that a ZIP answer holds the named files, none empty.
func checkZip(t *testing.T, body []byte, names ...string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(names) {
		t.Fatalf("ZIP of %d files, want %v", len(zr.File), names)
	}
	for i, f := range zr.File {
		if f.Name != names[i] || f.UncompressedSize64 == 0 {
			t.Errorf("file %d of the ZIP: %s of %d bytes, want %s, not empty", i, f.Name, f.UncompressedSize64, names[i])
		}
	}
}

type translator struct{ *probe }

func (*translator) Translations(x *tensor.Tensor) (*tensor.Tensor, error) { return x, nil }

func TestAModelThatTranslatesTestImagesIsNotServed(t *testing.T) {
	_, err := serve.New([]serve.Source{source(&translator{newProbe("cyclegan", false)})}, serve.Options{Workers: 1})
	if err == nil || !strings.Contains(err.Error(), "translates test images") {
		t.Errorf("serving a translator: %v, want an error saying serve does not", err)
	}
}
