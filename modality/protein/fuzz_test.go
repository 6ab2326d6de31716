package protein

import (
	"math"
	"strings"
	"testing"
)

// FuzzParsePDB checks that no input makes the PDB reader panic, and that
// every atom of a structure it accepts has finite coordinates, occupancy
// and B-factor: models train on them. Seeds: testdata/fuzz/FuzzParsePDB.
// Longer runs: docs/reliability.md.
func FuzzParsePDB(f *testing.F) {
	f.Add("ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N\n" +
		"ATOM      2  CA  ALA A   1      11.639   6.071  -5.147  1.00  0.00           C\nEND\n")
	f.Fuzz(func(t *testing.T, file string) {
		s, err := ParsePDB(strings.NewReader(file))
		if err != nil {
			return
		}
		for _, c := range s.Chains {
			if len(c.Residues) == 0 {
				t.Fatalf("chain %q without residues", c.ID)
			}
			for _, r := range c.Residues {
				for slot, ok := range r.Mask {
					if !ok {
						continue
					}
					p := r.Positions[slot]
					for _, v := range []float64{p[0], p[1], p[2], r.Occupancy[slot], r.BFactor[slot]} {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							t.Fatalf("residue %s %d atom %d: %v, %v, %v: not finite", r.Name, r.Seq, slot, p, r.Occupancy[slot], r.BFactor[slot])
						}
					}
				}
			}
		}
	})
}

func TestParsePDBRefusesNonFiniteCoordinatesAndDefaultsNonFiniteOccupancy(t *testing.T) {
	// ParseFloat reads "NaN" and "Inf"; FuzzParsePDB's check that every
	// accepted atom is finite asks for this.
	atom := func(x, occ string) string {
		return "ATOM      2  CA  ALA A   1    " + x + "   6.071  -5.147" + occ + "  0.00           C\n"
	}
	for _, x := range []string{"     NaN", "    +Inf", "-Infinit", "   1e999"} {
		if _, err := ParsePDB(strings.NewReader(atom(x, "  1.00"))); err == nil || !strings.Contains(err.Error(), "line 1: coordinate x") {
			t.Errorf("x = %q: %v, want an error naming line 1 and x", x, err)
		}
	}
	s, err := ParsePDB(strings.NewReader(atom("  11.639", "   NaN")))
	if err != nil {
		t.Fatal(err)
	}
	if occ := s.Chains[0].Residues[0].Occupancy[AtomCA]; occ != 1 {
		t.Errorf("occupancy NaN read as %v, want the default 1", occ)
	}
}
