package serve

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	goimage "image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"strconv"

	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/modality/tabular"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/serve/client"
	"github.com/artifex-go/artifex/tensor"
)

// kind is how the server draws and answers one kind of samples.
type kind struct {
	// formats returns the formats a model of the kind answers in, the
	// default first.
	formats func(m models.Model) []string
	// fields are the request fields the kind reads beyond the model's
	// sampling options (sampling.OptionNames).
	fields []string
	// rows draws n samples as the rows of one tensor, and encode answers
	// one job with its rows: kinds whose requests can share a batch.
	rows   func(m models.Model, n int, o sampling.Options, rngs *tensor.Rngs) (*tensor.Tensor, error)
	encode func(c *job.Checkpointed, j *task, x *tensor.Tensor) (response, error)
	// drawJob draws and answers one job: the other kinds.
	drawJob func(c *job.Checkpointed, j *task, o sampling.Options, rngs *tensor.Rngs) (response, error)
}

// response is the body of a 200 answer.
type response struct {
	contentType, filename string
	body                  []byte
}

// mediaTypes are the content types of the formats.
var mediaTypes = map[string]string{
	"png":   "image/png",
	"jpeg":  "image/jpeg",
	"json":  "application/json",
	"pdb":   "chemical/x-pdb",
	"ply":   "model/x-ply",
	"obj":   "model/obj",
	"off":   "model/x-off",
	"fasta": "text/x-fasta",
	"text":  "text/plain; charset=utf-8",
	"wav":   "audio/wav",
	"csv":   "text/csv",
	"zip":   "application/zip",
}

func fixed(formats ...string) func(models.Model) []string {
	return func(models.Model) []string { return formats }
}

var imagesKind = kind{
	formats: fixed("png", "jpeg", "json"),
	rows:    sampling.DrawImages,
	encode:  encodeImages,
}

var pointsKind = kind{
	formats: fixed("json"),
	rows:    sampling.DrawPoints,
	encode:  func(_ *job.Checkpointed, j *task, x *tensor.Tensor) (response, error) { return jsonTensor(j, x) },
}

var shapesKind = kind{
	formats: func(m models.Model) []string { sm, _ := sampling.ShapesOf(m); return sm.Formats },
	drawJob: func(c *job.Checkpointed, j *task, o sampling.Options, rngs *tensor.Rngs) (response, error) {
		sm, _ := sampling.ShapesOf(c.Model)
		shapes, err := sm.Draw(c.Model, j.req.N, o, rngs)
		if err != nil {
			return response{}, err
		}
		write := make([]func(io.Writer) error, len(shapes))
		for i, s := range shapes {
			write[i] = func(w io.Writer) error { return s(w, j.req.Format) }
		}
		return files(j, write)
	},
}

var sequencesKind = kind{
	formats: fixed("fasta", "json"),
	drawJob: func(c *job.Checkpointed, j *task, o sampling.Options, rngs *tensor.Rngs) (response, error) {
		seqs, err := sampling.DrawSequences(c.Model, j.req.N, o, rngs)
		if err != nil {
			return response{}, err
		}
		records := sampling.FASTARecords(j.e.name, j.e.step, j.req.Seed, seqs)
		if j.req.Format == "json" {
			residues := make([]string, len(records))
			for i, r := range records {
				residues[i] = r.Sequence
			}
			return jsonStrings(j, residues)
		}
		var buf bytes.Buffer
		if err := protein.WriteFASTA(&buf, records); err != nil {
			return response{}, err
		}
		return answer(j, "fasta", buf.Bytes()), nil
	},
}

// textKind draws as `artifex sample` does, with its defaults: prompt
// "\n", 200 tokens, temperature 0.8, top-p 0.95.
var textKind = kind{
	formats: fixed("json", "text"),
	fields:  []string{"prompt", "max_tokens", "top_k", "top_p"},
	drawJob: func(c *job.Checkpointed, j *task, o sampling.Options, rngs *tensor.Rngs) (response, error) {
		r := j.req
		prompt, maxTokens, temperature, topP := "\n", 200, 0.8, 0.95
		if r.Prompt != nil {
			prompt = *r.Prompt
		}
		if r.MaxTokens > 0 {
			maxTokens = r.MaxTokens
		}
		if o.Temperature != nil {
			temperature = *o.Temperature
		}
		if r.TopP != nil {
			topP = *r.TopP
		}
		lm := c.Model.(models.TextSampler)
		texts := make([]string, r.N)
		for i := range texts {
			if err := o.Check(); err != nil {
				return response{}, err
			}
			var err error
			if texts[i], err = lm.SampleText(prompt, maxTokens, temperature, r.TopK, topP, rngs); err != nil {
				return response{}, err
			}
		}
		if r.Format == "json" {
			return jsonStrings(j, texts)
		}
		var buf bytes.Buffer
		for i, s := range texts {
			fmt.Fprintf(&buf, "--- sample %d of %s (step %d)\n%s\n", i+1, j.e.name, j.e.step, s)
		}
		return answer(j, "text", buf.Bytes()), nil
	},
}

// audioKind draws as `artifex sample` does: 2-second clips at
// temperature 1 unless asked otherwise.
var audioKind = kind{
	formats: fixed("wav"),
	fields:  []string{"seconds"},
	drawJob: func(c *job.Checkpointed, j *task, o sampling.Options, rngs *tensor.Rngs) (response, error) {
		seconds, temperature := 2.0, 1.0
		if j.req.Seconds > 0 {
			seconds = j.req.Seconds
		}
		if o.Temperature != nil {
			temperature = *o.Temperature
		}
		if !(temperature > 0) {
			return response{}, fmt.Errorf("temperature must be > 0, got %g", temperature)
		}
		clips, err := c.Model.(audio.ClipSampler).Generate(j.req.N, seconds, float32(temperature), rngs)
		if err != nil {
			return response{}, err
		}
		write := make([]func(io.Writer) error, len(clips))
		for i, clip := range clips {
			write[i] = func(w io.Writer) error { return audio.WriteWAV(w, clip) }
		}
		return files(j, write)
	},
}

var tableKind = kind{
	formats: fixed("csv"),
	drawJob: func(c *job.Checkpointed, j *task, _ sampling.Options, rngs *tensor.Rngs) (response, error) {
		rows, err := c.Model.(tabular.Sampler).SampleTable(j.req.N, rngs)
		if err != nil {
			return response{}, err
		}
		var buf bytes.Buffer
		if err := rows.WriteCSV(&buf); err != nil {
			return response{}, err
		}
		return answer(j, "csv", buf.Bytes()), nil
	},
}

// answer is a response in format f named after the model.
func answer(j *task, f string, body []byte) response {
	return response{contentType: mediaTypes[f], filename: j.e.name + "." + f, body: body}
}

// gridBorder is the white border image.Grid draws around every image.
const gridBorder = 2

// encodeImages answers images [n, C, H, W] in [0, 1]: a PNG or JPEG grid
// with the rows `artifex sample` gives it (the same bytes for the same
// seed), one image without the grid's border when n is 1, or JSON arrays.
func encodeImages(_ *job.Checkpointed, j *task, x *tensor.Tensor) (response, error) {
	if j.req.Format == "json" {
		return jsonTensor(j, x)
	}
	pic, err := image.Grid(x, 0)
	if err != nil {
		return response{}, err
	}
	if x.Dim(0) == 1 {
		pic = pic.(*goimage.RGBA).SubImage(pic.Bounds().Inset(gridBorder))
	}
	var buf bytes.Buffer
	if j.req.Format == "jpeg" {
		err = jpeg.Encode(&buf, pic, &jpeg.Options{Quality: image.JPEGQuality})
	} else {
		err = png.Encode(&buf, pic)
	}
	if err != nil {
		return response{}, err
	}
	return answer(j, j.req.Format, buf.Bytes()), nil
}

// jsonTensor answers samples x [n, ...] as nested JSON arrays.
func jsonTensor(j *task, x *tensor.Tensor) (response, error) {
	return jsonAnswer(j, x.Shape(), appendArray(nil, x.Data(), x.Shape()))
}

// jsonStrings answers samples that are strings (sequences, text).
func jsonStrings(j *task, samples []string) (response, error) {
	b, err := json.Marshal(samples)
	if err != nil {
		return response{}, err
	}
	return jsonAnswer(j, nil, b)
}

func jsonAnswer(j *task, shape []int, samples json.RawMessage) (response, error) {
	body, err := json.Marshal(client.Arrays{Model: j.e.name, Step: j.e.step, Seed: j.req.Seed, Shape: shape, Samples: samples})
	if err != nil {
		return response{}, err
	}
	return answer(j, "json", body), nil
}

// appendArray appends data of the given shape as nested JSON arrays,
// each float32 in the fewest digits that read back to it (NaN and
// infinities, which JSON lacks, as null).
func appendArray(b []byte, data []float32, shape []int) []byte {
	if len(shape) == 0 {
		v := float64(data[0])
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, v, 'g', -1, 32)
	}
	b = append(b, '[')
	per := 1
	for _, d := range shape[1:] {
		per *= d
	}
	for i := range shape[0] {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendArray(b, data[i*per:(i+1)*per], shape[1:])
	}
	return append(b, ']')
}

// files answers samples that are files, one per sample: the file itself
// for one, a ZIP of sample_001.EXT ... (the names `artifex sample` gives
// them in a directory) for several. The ZIP's entries carry no time, so
// that the same seed gives the same bytes.
func files(j *task, write []func(io.Writer) error) (response, error) {
	f := j.req.Format
	var buf bytes.Buffer
	if len(write) == 1 {
		if err := write[0](&buf); err != nil {
			return response{}, err
		}
		return answer(j, f, buf.Bytes()), nil
	}
	zw := zip.NewWriter(&buf)
	for i, w := range write {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("sample_%03d.%s", i+1, f), Method: zip.Deflate})
		if err != nil {
			return response{}, err
		}
		if err := w(fw); err != nil {
			return response{}, err
		}
	}
	if err := zw.Close(); err != nil {
		return response{}, err
	}
	return answer(j, "zip", buf.Bytes()), nil
}
