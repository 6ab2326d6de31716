package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFilesWithAndWithoutChecksumsDecodeAlike(t *testing.T) {
	old, err := Decode(tinyFile())
	if err != nil {
		t.Fatal(err)
	}
	checked, err := Decode(tinyFileWithChecksums())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(old, checked) {
		t.Errorf("a file without checksums decodes to %+v, with them to %+v", old, checked)
	}
	if !reflect.DeepEqual(checked.Metadata, map[string]string{"k": "v"}) {
		t.Errorf("metadata %v: the checksums are the format's business, not the caller's", checked.Metadata)
	}
}

// dataOffsets returns where each tensor's data lies in a safetensors file.
func dataOffsets(t *testing.T, file []byte) map[string][2]int {
	t.Helper()
	n := int(binary.LittleEndian.Uint64(file))
	var header map[string]json.RawMessage
	if err := json.Unmarshal(file[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	out := map[string][2]int{}
	for name, raw := range header {
		if name == "__metadata__" {
			continue
		}
		var e struct {
			DataOffsets [2]int `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		out[name] = [2]int{8 + n + e.DataOffsets[0], 8 + n + e.DataOffsets[1]}
	}
	return out
}

func TestAFlippedByteInAnyTensorIsAnErrorNamingIt(t *testing.T) {
	r := newRun(t, true, 1)
	r.train(2) // so the optimizer has buffers and the data stream a state
	path := filepath.Join(t.TempDir(), "checkpoint.safetensors")
	if err := r.checkpoint().Save(path); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	offsets := dataOffsets(t, good)
	if len(offsets) < 8 {
		t.Fatalf("expected model, optimizer, EMA and random-stream tensors, got %v", offsets)
	}
	for name, at := range offsets {
		if at[1] == at[0] {
			continue
		}
		for _, i := range []int{at[0], (at[0] + at[1]) / 2, at[1] - 1} {
			bad := bytes.Clone(good)
			bad[i] ^= 0x10
			os.WriteFile(path, bad, 0o644)
			_, err := Read(path)
			if err == nil || !strings.Contains(err.Error(), path+": "+name+": data does not match its checksum") {
				t.Errorf("byte %d of %s flipped: Read = %v, want a checksum error naming the file and the tensor", i, name, err)
			}
		}
	}
}

func TestAChangedMetadataValueIsAnError(t *testing.T) {
	r := newRun(t, false, 1)
	r.step = 7
	path := filepath.Join(t.TempDir(), "checkpoint.safetensors")
	if err := r.checkpoint().Save(path); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	bad := bytes.Replace(good, []byte(`"step":"7"`), []byte(`"step":"8"`), 1)
	if bytes.Equal(bad, good) {
		t.Fatal("the step is not in the header as expected")
	}
	os.WriteFile(path, bad, 0o644)
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "metadata: __metadata__: data does not match its checksum") {
		t.Errorf("step changed in the header: Read = %v, want the metadata checksum error", err)
	}
}

func TestDamagedChecksumEntriesAreErrors(t *testing.T) {
	const a = `"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}`
	const meta = `"__metadata__":"00000000"` // the CRC-32C of no metadata
	const sumOfA = `"a":"a93c5f93"`          // CRC-32C of the byte 'x' (bitwise, in Python)
	for _, c := range []struct{ what, sums, want string }{
		{"right", `{` + meta + `,` + sumOfA + `}`, ""},
		{"missing tensor entry", `{` + meta + `}`, "a: no checksum"},
		{"entry without tensor", `{` + meta + `,` + sumOfA + `,"b":"00000000"}`, "b: has a checksum"},
		{"short value", `{` + meta + `,"a":"a93c5f9"}`, "a: checksum \"a93c5f9\" is not eight hex digits"},
		{"not hex", `{` + meta + `,"a":"a93c5f9z"}`, "not eight hex digits"},
		{"wrong value", `{` + meta + `,"a":"a93c5f94"}`, "a: data does not match its checksum (CRC-32C a93c5f94 in the header, a93c5f93 of the data)"},
		{"not JSON", `a93c5f93`, "must map names to checksums"},
		{"not strings", `{"a":1}`, "must map names to checksums"},
	} {
		sums, _ := json.Marshal(c.sums)
		header := `{"__metadata__":{"` + ChecksumKey + `":` + string(sums) + `},` + a + `}`
		_, err := Decode(withHeader(header, []byte("x")))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.what, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.what, err, c.want)
		}
	}
}

func TestEncodeReservesTheChecksumKey(t *testing.T) {
	var b bytes.Buffer
	if err := Encode(&b, []Tensor{Bytes("a", []byte("x"))}, map[string]string{ChecksumKey: "{}"}); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("metadata with %s: %v, want an error", ChecksumKey, err)
	}
}

func TestCheckpointsWrittenWithoutChecksumsStillRead(t *testing.T) {
	// A checkpoint as written before checksums: format and step only.
	header := `{"__metadata__":{"format":"` + Format + `","step":"3"},"model/w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	path := filepath.Join(t.TempDir(), "old.safetensors")
	os.WriteFile(path, withHeader(header, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0}), 0o644)
	c, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Step != 3 || len(c.Model) != 1 || c.Model[0].Name != "w" || c.Model[0].Tensor.Data()[1] != -2 {
		t.Errorf("old checkpoint read as step %d, model %v", c.Step, c.Model)
	}
}
