package text

import (
	"encoding/json"
	"fmt"
	"os"
)

// tokenizerFile is the JSON form of a tokeniser.
type tokenizerFile struct {
	Type     string   `json:"type"`               // byte, char or bpe
	Alphabet string   `json:"alphabet,omitempty"` // char: the characters in id order
	Merges   [][2]int `json:"merges,omitempty"`   // bpe: the merges in order
	Specials Specials `json:"specials"`           // for readers; fixed by the type
}

// MarshalTokenizer returns the JSON form of a ByteTokenizer, CharTokenizer
// or BPE.
func MarshalTokenizer(t Tokenizer) ([]byte, error) {
	f := tokenizerFile{Specials: t.Specials()}
	switch t := t.(type) {
	case ByteTokenizer, *ByteTokenizer:
		f.Type = "byte"
	case *CharTokenizer:
		f.Type, f.Alphabet = "char", string(t.chars)
	case *BPE:
		f.Type, f.Merges = "bpe", t.merges
		if f.Merges == nil {
			f.Merges = [][2]int{}
		}
	default:
		return nil, fmt.Errorf("text: cannot save a tokeniser of type %T (byte, char and bpe can be saved)", t)
	}
	return json.MarshalIndent(f, "", " ")
}

// UnmarshalTokenizer reads a tokeniser written by MarshalTokenizer.
func UnmarshalTokenizer(b []byte) (Tokenizer, error) {
	var f tokenizerFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("text: tokeniser JSON: %w", err)
	}
	var t Tokenizer
	var err error
	switch f.Type {
	case "byte":
		t = ByteTokenizer{}
	case "char":
		t, err = newCharTokenizer([]rune(f.Alphabet))
	case "bpe":
		t, err = NewBPE(f.Merges)
	default:
		return nil, fmt.Errorf("text: tokeniser JSON: unknown type %q (byte, char, bpe)", f.Type)
	}
	if err != nil {
		return nil, err
	}
	if f.Specials != t.Specials() {
		return nil, fmt.Errorf("text: tokeniser JSON: specials %+v do not match the %s tokeniser's %+v", f.Specials, f.Type, t.Specials())
	}
	return t, nil
}

// SaveTokenizer writes t as JSON to path.
func SaveTokenizer(path string, t Tokenizer) error {
	b, err := MarshalTokenizer(t)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("text: %w", err)
	}
	return nil
}

// LoadTokenizer reads a tokeniser saved with SaveTokenizer.
func LoadTokenizer(path string) (Tokenizer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("text: %w", err)
	}
	t, err := UnmarshalTokenizer(b)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return t, nil
}
