package checkpoint

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/artifex-go/artifex/optim"
)

// FuzzReadCheckpoint checks that no file makes reading a training
// checkpoint panic, that what it accepts restores into a model or fails
// with an error, and that an accepted checkpoint saves and reads back the
// same. Seeds: testdata/fuzz/FuzzReadCheckpoint (with and without
// checksums: fuzzed data rarely keeps a checksum right, so the seeds
// without them are what reaches past the checks). Longer runs:
// docs/reliability.md.
func FuzzReadCheckpoint(f *testing.F) {
	f.Add(withHeader(`{"__metadata__":{"format":"`+Format+`","step":"3","data":"{\"batch\":2}","optim":"{\"t\":1}"},"model/w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"optim/m/w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"rng/data":{"dtype":"U8","shape":[2],"data_offsets":[8,10]}}`, make([]byte, 10)))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file []byte) {
		d, err := Decode(file)
		if err != nil {
			return
		}
		c, err := fromFile(d, "fuzz.safetensors")
		if err != nil {
			return
		}
		_ = c.RestoreModel(newTinyModel(1)) // an error or a restore, never a panic
		path := filepath.Join(dir, "again.safetensors")
		if err := c.Save(path); err != nil {
			t.Fatalf("accepted checkpoint does not save: %v", err)
		}
		back, err := Read(path)
		if err != nil {
			t.Fatalf("saved checkpoint does not read: %v", err)
		}
		back.path = c.path
		if !reflect.DeepEqual(snapshot(t, c), snapshot(t, back)) {
			t.Fatalf("round trip changed the checkpoint:\n%+v\n%+v", c, back)
		}
	})
}

// snapshot flattens a checkpoint into comparable values: tensors as their
// bytes (NaN payloads included), empty collections as missing.
func snapshot(t *testing.T, c *Checkpoint) map[string]string {
	out := map[string]string{}
	put := func(k string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = string(b)
	}
	put("step", c.Step)
	put("model", Params("", c.Model))
	for name, s := range map[string]*optim.State{"optim": c.Optim, "ema": c.EMA} {
		if s != nil {
			put(name+"/scalars", s.Scalars)
			put(name+"/tensors", Params("", s.Tensors))
		}
	}
	if len(c.RNG) > 0 {
		put("rng", c.RNG)
	}
	if len(c.Data) > 0 {
		put("data", c.Data)
	}
	if len(c.Metadata) > 0 {
		put("metadata", c.Metadata)
	}
	var cfg bytes.Buffer
	if c.Config != nil {
		json.Compact(&cfg, c.Config)
	}
	out["config"] = cfg.String()
	return out
}
