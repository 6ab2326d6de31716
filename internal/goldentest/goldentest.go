// Package goldentest reads the golden values that the testdata scripts
// wrote with PyTorch or NumPy, for the tests of every package.
package goldentest

import (
	"encoding/json"
	"os"
	"testing"
)

// Load decodes the JSON file at path into a T, failing the test when the
// file cannot be read or decoded.
func Load[T any](t testing.TB, path string) T {
	t.Helper()
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}
