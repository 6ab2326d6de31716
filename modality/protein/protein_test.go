package protein

import (
	"bytes"
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/internal/goldentest"
)

// sharedPDB is the folder of public PDB files beside the repository
// (../shared/data/pdb relative to the repository root).
var sharedPDB = filepath.Join("..", "..", "..", "shared", "data", "pdb")

func readTestChain(t *testing.T) *Chain {
	t.Helper()
	s, err := ReadPDB(filepath.Join("testdata", "1BXY_A.pdb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Chains) != 1 || s.Chains[0].ID != "A" {
		t.Fatalf("chains %v, want one chain A", len(s.Chains))
	}
	return s.Chains[0]
}

type golden struct {
	Residues        int
	Phi, Psi, Omega []float64
	NCAC            []float64    `json:"n_ca_c"`
	CACN            []float64    `json:"ca_c_n"`
	CNCA            []float64    `json:"c_n_ca"`
	KabschTarget    [][3]float64 `json:"kabsch_target"`
	KabschRMSD      float64      `json:"kabsch_rmsd"`
	MirrorRMSD      float64      `json:"mirror_rmsd"`
}

func readGolden(t *testing.T) golden { return goldentest.Load[golden](t, "testdata/golden.json") }

func TestBackboneAnglesMatchNumpy(t *testing.T) {
	c, g := readTestChain(t), readGolden(t)
	if c.Len() != g.Residues {
		t.Fatalf("%d residues, numpy read %d", c.Len(), g.Residues)
	}
	ang, mask := BackboneAngles(c)
	check := func(name string, k, from int, want []float64) {
		for j, w := range want {
			i := from + j
			if !mask[i][k] {
				t.Fatalf("%s of residue %d masked", name, i)
			}
			if d := math.Abs(ang[i][k] - w); d > 1e-9 {
				t.Fatalf("%s[%d] = %.12f, numpy %.12f", name, i, ang[i][k], w)
			}
		}
	}
	check("phi", 0, 1, g.Phi)
	check("psi", 1, 0, g.Psi)
	check("omega", 2, 0, g.Omega)
	check("n_ca_c", 3, 0, g.NCAC)
	check("ca_c_n", 4, 0, g.CACN)
	check("c_n_ca", 5, 0, g.CNCA)
	if mask[0][0] || mask[c.Len()-1][1] || mask[c.Len()-1][2] {
		t.Error("phi of the first residue or psi/omega of the last is not masked")
	}
}

func TestKabschMatchesNumpyAndNeverReflects(t *testing.T) {
	c, g := readTestChain(t), readGolden(t)
	ca, _ := c.CA()
	target := make([]Vec3, len(g.KabschTarget))
	for i, p := range g.KabschTarget {
		target[i] = p
	}
	r, err := RMSD(ca, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r-g.KabschRMSD) > 1e-9 {
		t.Errorf("RMSD %.12f, numpy %.12f", r, g.KabschRMSD)
	}
	mirrored := make([]Vec3, len(ca))
	for i, p := range ca {
		mirrored[i] = Vec3{-p[0], p[1], p[2]}
	}
	if r, _ := RMSD(mirrored, ca, nil); math.Abs(r-g.MirrorRMSD) > 1e-9 {
		t.Errorf("mirror image RMSD %.12f, numpy (proper rotations only) %.12f", r, g.MirrorRMSD)
	}
}

func TestKabschRecoversARigidMotion(t *testing.T) {
	ca, _ := readTestChain(t).CA()
	rng := rand.New(rand.NewPCG(1, 2))
	q := [4]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
	n := math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3])
	for i := range q {
		q[i] /= n
	}
	rot := quatRotation(q)
	moved := make([]Vec3, len(ca))
	for i, p := range ca {
		moved[i] = add(rot.Apply(p), Vec3{10, -4, 2})
	}
	mask := make([]bool, len(ca))
	for i := range mask {
		mask[i] = i%2 == 0
	}
	a, err := Kabsch(ca, moved, mask)
	if err != nil {
		t.Fatal(err)
	}
	if a.RMSD > 1e-6 {
		t.Fatalf("RMSD %g after superposing a rigidly moved copy", a.RMSD)
	}
	for i := range 3 {
		for j := range 3 {
			if math.Abs(a.R[i][j]-rot[i][j]) > 1e-6 {
				t.Fatalf("rotation %v, want %v", a.R, rot)
			}
		}
	}
	if _, err := Kabsch(ca[:2], moved[:2], nil); err == nil || !strings.Contains(err.Error(), "at least 3") {
		t.Errorf("two points: err %v, want an error asking for at least 3", err)
	}
	if _, err := Kabsch(ca, moved[:5], nil); err == nil {
		t.Error("point sets of different sizes were accepted")
	}
}

func TestCenterMovesTheMaskedCentroidToTheOrigin(t *testing.T) {
	pts := []Vec3{{1, 2, 3}, {3, 2, 1}, {100, 100, 100}}
	c, cen := Center(pts, []bool{true, true, false})
	if cen != (Vec3{2, 2, 2}) || c[0] != (Vec3{-1, 0, 1}) || c[2] != (Vec3{98, 98, 98}) {
		t.Fatalf("centred %v around %v", c, cen)
	}
}

const smallPDB = `HEADER    TEST
ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N
ATOM      2  CA  ALA A   1      11.639   6.071  -5.147  1.00  0.00           C
ATOM      3  C   ALA A   1      13.147   6.250  -5.134  1.00  0.00           C
ATOM      4  O   ALA A   1      13.760   6.003  -6.164  1.00  0.00           O
ATOM      5  CB AALA A   1      11.300   4.700  -4.500  0.40  0.00           C
ATOM      6  CB BALA A   1      11.000   4.000  -4.000  0.60  0.00           C
ATOM      7  H   ALA A   1      10.500   6.500  -7.000  1.00  0.00           H
HETATM    8  N   MSE A   2      13.708   6.675  -4.000  1.00  0.00           N
HETATM    9  CA  MSE A   2      15.150   6.850  -3.850  1.00  0.00           C
HETATM   10  C   MSE A   2      15.600   8.300  -3.700  1.00  0.00           C
HETATM   11 SE   MSE A   2      16.000   5.000  -2.000  1.00  0.00          SE
ATOM     12  N   GLY B   5       1.000   1.000   1.000  1.00  0.00           N
ATOM     13  CA AGLY B   5       2.400   1.000   1.000  0.50  0.00           C
ATOM     14  CA BGLY B   5       2.500   1.100   1.000  0.50  0.00           C
ATOM     15  C   GLY B   5       3.000   2.300   1.000  1.00  0.00           C
ATOM     16  N   GLY B   5A      4.000   2.300   1.000  1.00  0.00           N
HETATM   17  O   HOH B 101       9.000   9.000   9.000  1.00  0.00           O
ENDMDL
ATOM     18  N   ALA C   1       0.000   0.000   0.000  1.00  0.00           N
ATOM     19  CA  ALA C   1       1.000   0.000   0.000  1.00  0.00           C
END
`

func TestParsePDBKeepsOneAltlocAndMasksMissingAtoms(t *testing.T) {
	s, err := ParsePDB(strings.NewReader(smallPDB))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Chains) != 2 || s.Chains[0].ID != "A" || s.Chains[1].ID != "B" {
		t.Fatalf("chains %d, want A and B of the first model only", len(s.Chains))
	}
	a := s.Chains[0]
	if a.Sequence() != "AM" {
		t.Errorf("sequence %q, want AM (MSE read as methionine)", a.Sequence())
	}
	ala := a.Residues[0]
	cb, _ := AtomSlot("CB")
	if ala.Positions[cb] != (Vec3{11, 4, -4}) || ala.Occupancy[cb] != 0.6 {
		t.Errorf("CB %v occupancy %v, want the B location (higher occupancy)", ala.Positions[cb], ala.Occupancy[cb])
	}
	if !ala.HasBackbone() || !ala.Mask[AtomO] {
		t.Error("ALA 1 backbone masked")
	}
	mse := a.Residues[1]
	sd, _ := AtomSlot("SD")
	if !mse.Hetero || mse.Mask[AtomO] || !mse.Mask[sd] {
		t.Errorf("MSE: hetero %v, O present %v, SE in the SD slot %v", mse.Hetero, mse.Mask[AtomO], mse.Mask[sd])
	}
	b := s.Chains[1]
	if b.Len() != 2 || b.Residues[1].ICode != 'A' || b.Residues[1].Mask[AtomCA] {
		t.Fatalf("chain B: %d residues (want GLY 5 and GLY 5A, water dropped)", b.Len())
	}
	if b.Residues[0].Positions[AtomCA] != (Vec3{2.4, 1, 1}) {
		t.Errorf("tied altlocs kept %v, want the first", b.Residues[0].Positions[AtomCA])
	}
}

func TestParsePDBErrorsNameTheLine(t *testing.T) {
	bad := "ATOM      1  N   ALA A   1      11.104   x.134  -6.504  1.00  0.00           N\n"
	if _, err := ParsePDB(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), "coordinate y") {
		t.Errorf("err %v, want line 1, coordinate y", err)
	}
	if _, err := ParsePDB(strings.NewReader("HETATM    1  O   HOH A   1       1.000   1.000   1.000  1.00  0.00           O\n")); err == nil || !strings.Contains(err.Error(), "no protein residues") {
		t.Errorf("water only: err %v", err)
	}
}

func TestWritePDBRoundTrips(t *testing.T) {
	for _, src := range []string{filepath.Join("testdata", "1BXY_A.pdb"), ""} {
		var s *Structure
		var err error
		if src == "" {
			s, err = ParsePDB(strings.NewReader(smallPDB))
		} else {
			s, err = ReadPDB(src)
		}
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WritePDB(&buf, s); err != nil {
			t.Fatal(err)
		}
		back, err := ParsePDB(&buf)
		if err != nil {
			t.Fatalf("%s: reading back: %v", src, err)
		}
		if len(back.Chains) != len(s.Chains) {
			t.Fatalf("%d chains back, wrote %d", len(back.Chains), len(s.Chains))
		}
		for ci, c := range s.Chains {
			bc := back.Chains[ci]
			if bc.ID != c.ID || bc.Sequence() != c.Sequence() {
				t.Fatalf("chain %s %s back as %s %s", c.ID, c.Sequence(), bc.ID, bc.Sequence())
			}
			for i, r := range c.Residues {
				br := bc.Residues[i]
				if br.Mask != r.Mask || br.Seq != r.Seq || br.ICode != r.ICode || br.Hetero != r.Hetero {
					t.Fatalf("residue %d: masks or numbering changed", i)
				}
				for k := range NumAtoms {
					if Distance(br.Positions[k], r.Positions[k]) > 1e-3 {
						t.Fatalf("residue %d atom %s moved", i, Atom37[k])
					}
				}
			}
		}
	}
}

func TestBuildBackboneReproducesTheAngles(t *testing.T) {
	c := readTestChain(t)
	ang, _ := BackboneAngles(c)
	pts := BuildBackbone(ang)
	g := MeasureBackbone(pts)
	if g.BondLengthRMSD > 1e-9 {
		t.Errorf("rebuilt backbone bond-length RMSD %g, want ideal lengths", g.BondLengthRMSD)
	}
	back, mask := BackboneAngles(ChainFromBackbone("A", pts, nil))
	for i := range ang {
		for k := range 6 {
			if mask[i][k] && math.Abs(wrap(back[i][k]-ang[i][k])) > 1e-9 {
				t.Fatalf("residue %d %s: %.9f rebuilt as %.9f", i, AngleNames[k], ang[i][k], back[i][k])
			}
		}
	}
	real, _ := c.Backbone()
	if r, _ := RMSD(pts, real, nil); r > 1.5 {
		t.Errorf("rebuilt backbone %.2f Å RMSD from the real one (ideal bond lengths only)", r)
	}
}

func TestGeometryMetricsSeparateRealFromRandomBackbones(t *testing.T) {
	c := readTestChain(t)
	real, _ := c.Backbone()
	g := MeasureBackbone(real)
	if g.BondLengthRMSD > 0.05 || g.BondAngleRMSD > 5 {
		t.Errorf("real backbone deviates %.3f Å, %.2f° from ideal geometry", g.BondLengthRMSD, g.BondAngleRMSD)
	}
	phi, psi := DihedralsOfBackbone(real)
	rr := Ramachandran(phi, psi)
	rng := rand.New(rand.NewPCG(3, 4))
	walk := RandomWalkBackbone(60, rng.Float64)
	rphi, rpsi := DihedralsOfBackbone(walk)
	rw := Ramachandran(rphi, rpsi)
	if rr["allowed"] < 0.85 || rw["allowed"] > 0.75 {
		t.Errorf("allowed Ramachandran fraction: real %.2f, random walk %.2f", rr["allowed"], rw["allowed"])
	}
	ca, _ := c.CA()
	if cs := ClashScore(ca); cs != 0 {
		t.Errorf("real structure clash score %g", cs)
	}
	if cs := ClashScore([]Vec3{{0, 0, 0}, {3.8, 0, 0}, {7.6, 0, 0}, {1, 0, 0}}); cs != 1 {
		t.Errorf("clash score %g, want 1 for the one pair three apart at 1 Å", cs)
	}
}

func TestPadLaysOutChainsWithMasks(t *testing.T) {
	c := readTestChain(t)
	short := &Chain{ID: "S", Residues: c.Residues[:10]}
	p, err := Pad([]*Chain{c, short}, 64)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.PositionsTensor().Shape(); len(got) != 4 || got[0] != 2 || got[1] != 64 || got[2] != 37 || got[3] != 3 {
		t.Fatalf("positions shape %v", got)
	}
	if p.ResidueMask[59] != 1 || p.ResidueMask[60] != 0 || p.ResidueMask[64+9] != 1 || p.ResidueMask[64+10] != 0 {
		t.Error("residue mask does not follow the chain lengths")
	}
	if p.AA[60] != Unknown || p.AA[0] != c.Residues[0].AA || p.ResidueIndex[0] != c.Residues[0].Seq {
		t.Error("padding is not the unknown token, or the first residue lost its type or number")
	}
	pos, mask := p.Backbone()
	if pos.Dim(2) != 3 || mask.At(0, 0, 1) != 1 || mask.At(1, 20, 1) != 0 {
		t.Errorf("backbone %v, masks wrong", pos.Shape())
	}
	if float64(pos.At(0, 3, 1, 0)) != float64(float32(c.Residues[3].Positions[AtomCA][0])) {
		t.Error("CA of residue 3 misplaced")
	}
	if _, err := Pad([]*Chain{c}, 32); err == nil || !strings.Contains(err.Error(), "Windows") {
		t.Errorf("too long a chain: err %v", err)
	}
	if w := Windows(c, 32, 8); len(w) != 4 || w[3].Residues[0].Seq != c.Residues[24].Seq {
		t.Errorf("%d windows", len(w))
	}
}

func TestVocabulary(t *testing.T) {
	if len(Alphabet) != VocabSize || AAIndex("TRP") != 18 || AAIndex("xyz") != Unknown || ThreeLetter(AAIndex("HIS")) != "HIS" {
		t.Error("vocabulary broken")
	}
	for i, n := range Atom37 {
		if s, _ := AtomSlot(n); s != i {
			t.Fatalf("slot of %s", n)
		}
	}
}

func TestDataSetsFromRealPDBFiles(t *testing.T) {
	if _, err := os.Stat(sharedPDB); err != nil {
		datatest.Skipf(t, "shared PDB files absent: %v", err)
	}
	train, err := LoadChains(sharedPDB, "train")
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadChains(sharedPDB, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(train) < 20 || len(test) < 5 {
		t.Fatalf("%d train and %d test chains", len(train), len(test))
	}
	var bl []float64
	for _, c := range train {
		pts, mask := c.Backbone()
		ok := true
		for _, m := range mask {
			ok = ok && m
		}
		if ok {
			bl = append(bl, MeasureBackbone(pts).BondLengthRMSD)
		}
	}
	seq, err := OneHotSequences(train, SequenceLength)
	if err != nil {
		t.Fatal(err)
	}
	ang, err := AngleWindows(train, AngleLength, AngleLength/8)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := CATraces(train, CALength, CALength/4)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("train: %d chains, %d sequences, %d angle windows, %d CA traces", len(train), seq.Len(), ang.Len(), ca.Len())
	if seq.Len() < 50 || ang.Len() < 50 || ca.Len() < 100 {
		t.Errorf("too few examples")
	}
	for _, v := range ang.Images().Data() {
		if v < -math.Pi-1e-6 || v > math.Pi+1e-6 {
			t.Fatalf("encoded angle %v outside [-π, π]", v)
		}
	}
	if _, err := LoadChains(t.TempDir(), "train"); err == nil {
		t.Error("an empty folder gave chains")
	}
}
