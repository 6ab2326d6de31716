package protein

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// ReadPDB reads the PDB file at path; see ParsePDB.
func ReadPDB(path string) (*Structure, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("protein: %w", err)
	}
	defer f.Close()
	s, err := ParsePDB(f)
	if err != nil {
		return nil, fmt.Errorf("protein: %s: %w", path, err)
	}
	return s, nil
}

// residueKey identifies a residue within a model.
type residueKey struct {
	chain string
	seq   int
	icode byte
}

// ParsePDB reads the first model of a PDB file: ATOM records, and HETATM
// records of modified amino acids (residues with a CA atom, such as MSE).
// Waters, ligands and nucleic acids are left out, as are atoms without a
// slot in the 37-atom layout (hydrogens). Where an atom has alternate
// locations the one with the highest occupancy is kept, the first one
// read on a tie. Atoms missing from the file are absent from the masks.
//
// A file with no protein residue, or a coordinate record whose fields do
// not parse, is an error naming the line.
func ParsePDB(r io.Reader) (*Structure, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), 1<<20)
	byKey := map[residueKey]*Residue{}
	var order []residueKey
	chainOrder := []string{}
	seenChain := map[string]bool{}
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		rec := strings.TrimSpace(field(text, 0, 6))
		if rec == "ENDMDL" || rec == "END" {
			break
		}
		if rec != "ATOM" && rec != "HETATM" {
			continue
		}
		if len(text) < 54 {
			return nil, fmt.Errorf("line %d: %s record has %d columns, coordinates need 54", line, rec, len(text))
		}
		name := strings.TrimSpace(field(text, 12, 16))
		alt := byteAt(text, 16)
		resName := strings.TrimSpace(field(text, 17, 20))
		chain := strings.TrimSpace(field(text, 21, 22))
		seq, err := strconv.Atoi(strings.TrimSpace(field(text, 22, 26)))
		if err != nil {
			return nil, fmt.Errorf("line %d: residue number %q is not an integer", line, field(text, 22, 26))
		}
		icode := byteAt(text, 26)
		var pos Vec3
		for k := range 3 {
			v, err := strconv.ParseFloat(strings.TrimSpace(field(text, 30+8*k, 38+8*k)), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("line %d: coordinate %c %q is not a finite number", line, "xyz"[k], field(text, 30+8*k, 38+8*k))
			}
			pos[k] = v
		}
		occ := parseOr(field(text, 54, 60), 1)
		bf := parseOr(field(text, 60, 66), 0)
		elem := strings.TrimSpace(field(text, 76, 78))
		if elem == "H" || elem == "D" {
			continue
		}
		slot, ok := AtomSlot(name)
		if !ok {
			continue
		}
		key := residueKey{chain, seq, icode}
		res := byKey[key]
		if res == nil {
			res = &Residue{Name: resName, AA: AAIndex(resName), Seq: seq, ICode: icode, Hetero: rec == "HETATM"}
			byKey[key] = res
			order = append(order, key)
			if !seenChain[chain] {
				seenChain[chain] = true
				chainOrder = append(chainOrder, chain)
			}
		}
		if resName != res.Name {
			// A second residue type at the same position (microheterogeneity
			// through alternate locations): keep the first.
			continue
		}
		if res.Mask[slot] && (alt == ' ' || occ <= res.Occupancy[slot]) {
			continue
		}
		res.Positions[slot], res.Mask[slot], res.Occupancy[slot], res.BFactor[slot] = pos, true, occ, bf
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	chains := map[string]*Chain{}
	for _, key := range order {
		res := byKey[key]
		if !isAminoAcid(res) {
			continue
		}
		c := chains[key.chain]
		if c == nil {
			c = &Chain{ID: key.chain}
			chains[key.chain] = c
		}
		c.Residues = append(c.Residues, *res)
	}
	s := &Structure{}
	for _, id := range chainOrder {
		if c := chains[id]; c != nil {
			s.Chains = append(s.Chains, c)
		}
	}
	if len(s.Chains) == 0 {
		return nil, fmt.Errorf("no protein residues (ATOM records of amino acids) in the first model")
	}
	return s, nil
}

// isAminoAcid keeps ATOM residues of the vocabulary or with a CA, and
// HETATM residues with a CA (modified amino acids).
func isAminoAcid(r *Residue) bool {
	if r.Hetero {
		return r.Mask[AtomCA] && r.Mask[AtomN] && r.Mask[AtomC]
	}
	return r.Mask[AtomCA] || r.AA != Unknown
}

func field(s string, from, to int) string {
	if from >= len(s) {
		return ""
	}
	return s[from:min(to, len(s))]
}

func byteAt(s string, i int) byte {
	if i >= len(s) {
		return ' '
	}
	return s[i]
}

// parseOr reads an optional number field, def when it is blank, garbled
// or not finite.
func parseOr(s string, def float64) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return def
	}
	return v
}

// WritePDB writes s as ATOM (HETATM for hetero residues) records with a
// TER record after each chain and END, in the fixed columns PDB viewers
// read. Only atoms in the masks are written.
func WritePDB(w io.Writer, s *Structure) error {
	bw := bufio.NewWriter(w)
	serial := 1
	for _, c := range s.Chains {
		chain := byte('A')
		if c.ID != "" {
			chain = c.ID[0]
		}
		var last *Residue
		for i := range c.Residues {
			r := &c.Residues[i]
			name := r.Name
			if name == "" {
				name = ThreeLetter(r.AA)
			}
			rec := "ATOM"
			if r.Hetero {
				rec = "HETATM"
			}
			icode := r.ICode
			if icode == 0 {
				icode = ' '
			}
			for k, atom := range Atom37 {
				if !r.Mask[k] {
					continue
				}
				occ := r.Occupancy[k]
				if occ == 0 {
					occ = 1
				}
				p := r.Positions[k]
				fmt.Fprintf(bw, "%-6s%5d %-4s %3s %c%4d%c   %8.3f%8.3f%8.3f%6.2f%6.2f          %2s\n",
					rec, serial%100000, " "+atom, name, chain, r.Seq, icode, p[0], p[1], p[2], occ, r.BFactor[k], atom[:1])
				serial++
			}
			last = r
		}
		if last != nil {
			fmt.Fprintf(bw, "TER   %5d      %3s %c%4d\n", serial%100000, last.Name, chain, last.Seq)
			serial++
		}
	}
	fmt.Fprintln(bw, "END")
	return bw.Flush()
}

// SavePDB writes s to the file at path.
func SavePDB(path string, s *Structure) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("protein: %w", err)
	}
	if err := WritePDB(f, s); err != nil {
		f.Close()
		return fmt.Errorf("protein: writing %s: %w", path, err)
	}
	return f.Close()
}
