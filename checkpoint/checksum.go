package checkpoint

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"
	"strconv"
)

// ChecksumKey is the metadata key under which Encode stores checksums: a
// JSON object mapping every tensor name to the CRC-32C (Castagnoli) of its
// data, and "__metadata__" to the CRC-32C of the other metadata entries
// (each key and value followed by a zero byte, keys sorted), each as eight
// hex digits. A CRC catches the damage files suffer (flipped bits,
// truncation, a partial copy) at disk speed; it is not a signature against
// tampering. Metadata is the only place the safetensors format leaves for
// them, so other readers still read the file.
const ChecksumKey = "artifex/crc32c"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// metadataChecksumName is the entry of the metadata's own checksum; no
// tensor may be named so.
const metadataChecksumName = "__metadata__"

func checksums(tensors []Tensor, metadata map[string]string) (string, error) {
	sums := make(map[string]string, len(tensors)+1)
	for _, t := range tensors {
		sums[t.Name] = hex32(crc32.Checksum(t.Data, castagnoli))
	}
	sums[metadataChecksumName] = hex32(metadataChecksum(metadata))
	b, err := json.Marshal(sums)
	if err != nil {
		return "", fmt.Errorf("checkpoint: checksums: %w", err)
	}
	return string(b), nil
}

func metadataChecksum(metadata map[string]string) uint32 {
	var crc uint32
	for _, k := range slices.Sorted(maps.Keys(metadata)) {
		if k == ChecksumKey {
			continue
		}
		crc = crc32.Update(crc, castagnoli, []byte(k))
		crc = crc32.Update(crc, castagnoli, []byte{0})
		crc = crc32.Update(crc, castagnoli, []byte(metadata[k]))
		crc = crc32.Update(crc, castagnoli, []byte{0})
	}
	return crc
}

func hex32(v uint32) string { return fmt.Sprintf("%08x", v) }

// verifyChecksums checks f against the checksums its metadata carries, if
// any, and removes them from the metadata. Every tensor and the metadata
// must have exactly one entry.
func verifyChecksums(f *File) error {
	raw, ok := f.Metadata[ChecksumKey]
	if !ok {
		return nil
	}
	var sums map[string]string
	if err := strictUnmarshal([]byte(raw), &sums); err != nil || sums == nil {
		return fmt.Errorf("metadata %s must map names to checksums: %s", ChecksumKey, errText(err))
	}
	check := func(name string, got uint32) error {
		want, ok := sums[name]
		if !ok {
			return fmt.Errorf("%s: no checksum under %s (damaged header?)", name, ChecksumKey)
		}
		delete(sums, name)
		w, err := strconv.ParseUint(want, 16, 32)
		if err != nil || len(want) != 8 {
			return fmt.Errorf("%s: checksum %q is not eight hex digits (damaged header?)", name, want)
		}
		if uint32(w) != got {
			return fmt.Errorf("%s: data does not match its checksum (CRC-32C %s in the header, %s of the data): the file is damaged", name, want, hex32(got))
		}
		return nil
	}
	for _, t := range f.Tensors {
		if err := check(t.Name, crc32.Checksum(t.Data, castagnoli)); err != nil {
			return err
		}
	}
	if err := check(metadataChecksumName, metadataChecksum(f.Metadata)); err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	if len(sums) > 0 {
		name := slices.Min(slices.Collect(maps.Keys(sums)))
		return fmt.Errorf("%s: has a checksum under %s but is not in the file (damaged header?)", name, ChecksumKey)
	}
	delete(f.Metadata, ChecksumKey)
	if len(f.Metadata) == 0 {
		f.Metadata = nil
	}
	return nil
}
