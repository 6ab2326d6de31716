// Package protein is the protein modality: structures read from and written
// to PDB files, residues in an AlphaFold-style 37-atom layout with masks,
// the amino-acid vocabulary, backbone geometry (centring, Kabsch
// alignment, dihedrals, bond lengths and angles, reconstruction from
// internal coordinates), padded batches, the data sets the protein zoo
// models train on, and the adapter that adds backbone constraint losses to
// VAE, diffusion and geometric models.
package protein

import "strings"

// Alphabet is the amino-acid vocabulary: the 20 standard residues in
// one-letter code, then the token used for unknown residues and gaps
// (index Unknown).
const Alphabet = "ACDEFGHIKLMNPQRSTVWY-"

// NumAminoAcids is the number of standard residues; VocabSize adds the
// unknown/gap token.
const (
	NumAminoAcids = 20
	VocabSize     = NumAminoAcids + 1
	Unknown       = NumAminoAcids
)

// threeToOne maps three-letter residue names to one-letter codes. The
// modified residues most often deposited as HETATM records (MSE
// selenomethionine and the like) map to their parent residue.
var threeToOne = map[string]byte{
	"ALA": 'A', "CYS": 'C', "ASP": 'D', "GLU": 'E', "PHE": 'F', "GLY": 'G', "HIS": 'H',
	"ILE": 'I', "LYS": 'K', "LEU": 'L', "MET": 'M', "ASN": 'N', "PRO": 'P', "GLN": 'Q',
	"ARG": 'R', "SER": 'S', "THR": 'T', "VAL": 'V', "TRP": 'W', "TYR": 'Y',
	"MSE": 'M', "SEP": 'S', "TPO": 'T', "PTR": 'Y', "CSO": 'C', "HYP": 'P', "MLY": 'K',
}

var oneToThree = map[byte]string{
	'A': "ALA", 'C': "CYS", 'D': "ASP", 'E': "GLU", 'F': "PHE", 'G': "GLY", 'H': "HIS",
	'I': "ILE", 'K': "LYS", 'L': "LEU", 'M': "MET", 'N': "ASN", 'P': "PRO", 'Q': "GLN",
	'R': "ARG", 'S': "SER", 'T': "THR", 'V': "VAL", 'W': "TRP", 'Y': "TYR",
}

// AAIndex returns the vocabulary index of a three-letter residue name,
// Unknown for names outside the vocabulary.
func AAIndex(resName string) int {
	c, ok := threeToOne[strings.ToUpper(strings.TrimSpace(resName))]
	if !ok {
		return Unknown
	}
	return strings.IndexByte(Alphabet, c)
}

// ThreeLetter returns the three-letter name of vocabulary index i ("UNK"
// for Unknown or an index out of range).
func ThreeLetter(i int) string {
	if i < 0 || i >= NumAminoAcids {
		return "UNK"
	}
	return oneToThree[Alphabet[i]]
}

// Atom37 is the AlphaFold atom layout: every heavy atom that occurs in a
// standard residue has a fixed slot, so all residues share one array
// shape and a mask says which slots are present.
var Atom37 = [37]string{
	"N", "CA", "C", "CB", "O", "CG", "CG1", "CG2", "OG", "OG1", "SG", "CD", "CD1", "CD2",
	"ND1", "ND2", "OD1", "OD2", "SD", "CE", "CE1", "CE2", "CE3", "NE", "NE1", "NE2", "OE1",
	"OE2", "CH2", "NH1", "NH2", "OH", "CZ", "CZ2", "CZ3", "NZ", "OXT",
}

// NumAtoms is the number of slots in the atom layout.
const NumAtoms = len(Atom37)

// Slots of the backbone atoms in Atom37.
const (
	AtomN  = 0
	AtomCA = 1
	AtomC  = 2
	AtomO  = 4
)

var atomSlot = func() map[string]int {
	m := make(map[string]int, NumAtoms)
	for i, n := range Atom37 {
		m[n] = i
	}
	// Selenomethionine's selenium takes methionine's sulphur slot.
	m["SE"] = m["SD"]
	return m
}()

// AtomSlot returns the Atom37 slot of an atom name and whether the layout
// has one (hydrogens and ligand atoms have none).
func AtomSlot(name string) (int, bool) {
	i, ok := atomSlot[strings.TrimSpace(name)]
	return i, ok
}

// Vec3 is a point or displacement in ångström.
type Vec3 [3]float64

// Residue is one residue in the 37-atom layout: Positions[k] is valid
// where Mask[k] is set.
type Residue struct {
	Name      string // three-letter name as read
	AA        int    // vocabulary index (Unknown outside the 20)
	Seq       int    // residue number
	ICode     byte   // insertion code, ' ' for none
	Hetero    bool   // read from HETATM records
	Positions [NumAtoms]Vec3
	Mask      [NumAtoms]bool
	Occupancy [NumAtoms]float64
	BFactor   [NumAtoms]float64
}

// HasBackbone reports whether N, CA and C are present.
func (r *Residue) HasBackbone() bool {
	return r.Mask[AtomN] && r.Mask[AtomCA] && r.Mask[AtomC]
}

// Chain is one polymer chain: its residues in file order.
type Chain struct {
	ID       string
	Residues []Residue
}

// Sequence returns the chain's one-letter sequence, '-' for unknown
// residues.
func (c *Chain) Sequence() string {
	b := make([]byte, len(c.Residues))
	for i, r := range c.Residues {
		b[i] = Alphabet[r.AA]
	}
	return string(b)
}

// Len returns the number of residues.
func (c *Chain) Len() int { return len(c.Residues) }

// Backbone returns the N, CA, C positions of every residue in order
// (3 per residue) and a mask per residue that is set where all three are
// present.
func (c *Chain) Backbone() ([]Vec3, []bool) {
	pts := make([]Vec3, 0, 3*len(c.Residues))
	mask := make([]bool, len(c.Residues))
	for i, r := range c.Residues {
		pts = append(pts, r.Positions[AtomN], r.Positions[AtomCA], r.Positions[AtomC])
		mask[i] = r.HasBackbone()
	}
	return pts, mask
}

// CA returns the CA positions and their mask.
func (c *Chain) CA() ([]Vec3, []bool) {
	pts := make([]Vec3, len(c.Residues))
	mask := make([]bool, len(c.Residues))
	for i, r := range c.Residues {
		pts[i], mask[i] = r.Positions[AtomCA], r.Mask[AtomCA]
	}
	return pts, mask
}

// Structure is the first model of a PDB file: its protein chains.
type Structure struct {
	Chains []*Chain
}

// Chain returns the chain with the given ID, or nil.
func (s *Structure) Chain(id string) *Chain {
	for _, c := range s.Chains {
		if c.ID == id {
			return c
		}
	}
	return nil
}
