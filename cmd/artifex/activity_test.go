package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestActivityShowsOnATerminalAndStaysSilentOffOne(t *testing.T) {
	var off bytes.Buffer
	a := startActivity(&off, "sample: drawing 64 images")
	a.step()
	a.done()
	if off.Len() != 0 {
		t.Errorf("off a terminal the activity wrote %q", off.String())
	}
	defer func(orig func(io.Writer) bool) { isTerminal = orig }(isTerminal)
	isTerminal = func(io.Writer) bool { return true }
	var on bytes.Buffer
	a = startActivity(&on, "sample: drawing 64 images")
	for range 3 {
		a.step()
	}
	a.done()
	if !strings.Contains(on.String(), "sample: drawing 64 images") {
		t.Errorf("on a terminal the activity wrote %q", on.String())
	}
}
