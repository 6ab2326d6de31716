package tensor

import (
	"strings"
	"testing"
)

func TestAShapeOverMaxElementsPanicsWithASizeErrorBeforeAllocating(t *testing.T) {
	for _, shape := range [][]int{{2000000000, 256}, {4000000000, 4000000000, 4000000000}} {
		func() {
			defer func() {
				se, ok := recover().(*SizeError)
				if !ok || !strings.Contains(se.Error(), "over the limit") {
					t.Errorf("shape %v: recovered %v, want a *SizeError", shape, se)
				}
			}()
			Zeros(shape...)
		}()
	}
	old := MaxElements
	defer func() { MaxElements = old }()
	MaxElements = 100
	if z := Zeros(10, 10); z.Size() != 100 {
		t.Errorf("a tensor at the limit has size %d", z.Size())
	}
}
