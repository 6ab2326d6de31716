package protein

import (
	"fmt"
	"math"
)

// Ideal backbone geometry (Engh & Huber): bond lengths in ångström and
// bond angles in radians.
const (
	BondNCA = 1.458
	BondCAC = 1.523
	BondCN  = 1.329
)

// Ideal backbone bond angles in radians.
var (
	AngleNCAC = 111.2 * math.Pi / 180
	AngleCACN = 116.2 * math.Pi / 180
	AngleCNCA = 121.7 * math.Pi / 180
)

// PeptideBreak is the C–N distance above which two consecutive residues
// are taken to be unbonded (a chain break or missing residues).
const PeptideBreak = 2.0

func sub(a, b Vec3) Vec3           { return Vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func add(a, b Vec3) Vec3           { return Vec3{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func scale(a Vec3, s float64) Vec3 { return Vec3{a[0] * s, a[1] * s, a[2] * s} }
func dot(a, b Vec3) float64        { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func norm(a Vec3) float64          { return math.Sqrt(dot(a, a)) }
func cross(a, b Vec3) Vec3 {
	return Vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// Distance returns |a - b|.
func Distance(a, b Vec3) float64 { return norm(sub(a, b)) }

// Angle returns the angle a-b-c at b in radians, in [0, π].
func Angle(a, b, c Vec3) float64 {
	u, v := sub(a, b), sub(c, b)
	cos := dot(u, v) / (norm(u) * norm(v))
	return math.Acos(max(-1, min(1, cos)))
}

// Dihedral returns the torsion angle a-b-c-d in radians, in (-π, π],
// with the IUPAC sign (positive clockwise looking from b to c).
func Dihedral(a, b, c, d Vec3) float64 {
	b0, b1, b2 := sub(a, b), sub(c, b), sub(d, c)
	n1 := norm(b1)
	u := sub(b0, scale(b1, dot(b0, b1)/(n1*n1)))
	v := sub(b2, scale(b1, dot(b2, b1)/(n1*n1)))
	x := dot(u, v)
	y := dot(cross(scale(b1, 1/n1), u), v)
	return math.Atan2(y, x)
}

// Centroid returns the mean of the points where mask is set (all points
// for a nil mask).
func Centroid(pts []Vec3, mask []bool) Vec3 {
	var c Vec3
	n := 0
	for i, p := range pts {
		if mask == nil || mask[i] {
			c = add(c, p)
			n++
		}
	}
	if n == 0 {
		return c
	}
	return scale(c, 1/float64(n))
}

// Center returns the points moved so that the centroid of the masked ones
// is at the origin, and the centroid removed.
func Center(pts []Vec3, mask []bool) ([]Vec3, Vec3) {
	c := Centroid(pts, mask)
	out := make([]Vec3, len(pts))
	for i, p := range pts {
		out[i] = sub(p, c)
	}
	return out, c
}

// Rotation is a 3×3 rotation matrix, applied as R·p.
type Rotation [3][3]float64

// Apply returns R·p.
func (r Rotation) Apply(p Vec3) Vec3 {
	return Vec3{dot(Vec3(r[0]), p), dot(Vec3(r[1]), p), dot(Vec3(r[2]), p)}
}

// Alignment is the rigid motion that best superimposes a mobile point set
// on a target: target ≈ R·(mobile − MobileCentroid) + TargetCentroid.
type Alignment struct {
	R              Rotation
	MobileCentroid Vec3
	TargetCentroid Vec3
	RMSD           float64 // after superposition, over the masked pairs
}

// Transform applies the alignment to a point of the mobile set.
func (a Alignment) Transform(p Vec3) Vec3 {
	return add(a.R.Apply(sub(p, a.MobileCentroid)), a.TargetCentroid)
}

// Kabsch returns the proper rotation and translation minimising the RMSD
// between mobile and target over the pairs where mask is set (all for a
// nil mask). It solves the problem through the quaternion eigenvector of
// Horn (1987), which never returns a reflection.
func Kabsch(mobile, target []Vec3, mask []bool) (Alignment, error) {
	if len(mobile) != len(target) {
		return Alignment{}, fmt.Errorf("protein: Kabsch: %d mobile points and %d target points", len(mobile), len(target))
	}
	if mask != nil && len(mask) != len(mobile) {
		return Alignment{}, fmt.Errorf("protein: Kabsch: mask of %d entries for %d points", len(mask), len(mobile))
	}
	n := 0
	for i := range mobile {
		if mask == nil || mask[i] {
			n++
		}
	}
	if n < 3 {
		return Alignment{}, fmt.Errorf("protein: Kabsch: %d masked point pairs, need at least 3", n)
	}
	cm, ct := Centroid(mobile, mask), Centroid(target, mask)
	var s [3][3]float64 // Σ (mobile)ᵢ (target)ⱼ over centred pairs
	for i := range mobile {
		if mask != nil && !mask[i] {
			continue
		}
		a, b := sub(mobile[i], cm), sub(target[i], ct)
		for j := range 3 {
			for k := range 3 {
				s[j][k] += a[j] * b[k]
			}
		}
	}
	sxx, sxy, sxz := s[0][0], s[0][1], s[0][2]
	syx, syy, syz := s[1][0], s[1][1], s[1][2]
	szx, szy, szz := s[2][0], s[2][1], s[2][2]
	k := [4][4]float64{
		{sxx + syy + szz, syz - szy, szx - sxz, sxy - syx},
		{syz - szy, sxx - syy - szz, sxy + syx, szx + sxz},
		{szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy},
		{sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz},
	}
	vals, vecs := jacobiEigen4(k)
	best := 0
	for i := 1; i < 4; i++ {
		if vals[i] > vals[best] {
			best = i
		}
	}
	q := [4]float64{vecs[0][best], vecs[1][best], vecs[2][best], vecs[3][best]}
	al := Alignment{R: quatRotation(q), MobileCentroid: cm, TargetCentroid: ct}
	var ss float64
	for i := range mobile {
		if mask == nil || mask[i] {
			d := sub(al.Transform(mobile[i]), target[i])
			ss += dot(d, d)
		}
	}
	al.RMSD = math.Sqrt(ss / float64(n))
	return al, nil
}

// RMSD returns the root-mean-square deviation between mobile and target
// after optimal superposition (Kabsch).
func RMSD(mobile, target []Vec3, mask []bool) (float64, error) {
	a, err := Kabsch(mobile, target, mask)
	return a.RMSD, err
}

func quatRotation(q [4]float64) Rotation {
	w, x, y, z := q[0], q[1], q[2], q[3]
	return Rotation{
		{w*w + x*x - y*y - z*z, 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), w*w - x*x + y*y - z*z, 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), w*w - x*x - y*y + z*z},
	}
}

// jacobiEigen4 diagonalises a symmetric 4×4 matrix by cyclic Jacobi
// rotations; it returns the eigenvalues and the eigenvectors as columns.
func jacobiEigen4(a [4][4]float64) ([4]float64, [4][4]float64) {
	var v [4][4]float64
	for i := range 4 {
		v[i][i] = 1
	}
	for sweep := 0; sweep < 50; sweep++ {
		off := 0.0
		for p := range 4 {
			for q := p + 1; q < 4; q++ {
				off += a[p][q] * a[p][q]
			}
		}
		if off < 1e-30 {
			break
		}
		for p := range 4 {
			for q := p + 1; q < 4; q++ {
				if math.Abs(a[p][q]) < 1e-300 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range 4 {
					akp, akq := a[k][p], a[k][q]
					a[k][p], a[k][q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := range 4 {
					apk, aqk := a[p][k], a[q][k]
					a[p][k], a[q][k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := range 4 {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p], v[k][q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	return [4]float64{a[0][0], a[1][1], a[2][2], a[3][3]}, v
}

// AngleNames are the six internal coordinates per residue that
// BackboneAngles returns and FoldingDiff models: the dihedrals phi, psi
// and omega, and the bond angles N-CA-C, CA-C-N(+1) and C-N(+1)-CA(+1).
var AngleNames = [6]string{"phi", "psi", "omega", "n_ca_c", "ca_c_n", "c_n_ca"}

// BackboneAngles returns, for every residue i of c, the six internal
// coordinates of AngleNames in radians: phi(i) = C(i-1)-N-CA-C, psi(i) =
// N-CA-C-N(i+1), omega(i) = CA-C-N(i+1)-CA(i+1), and the three bond
// angles. A mask entry is false where an angle is undefined: at the chain
// ends, at a missing backbone atom, or across a peptide break (C–N longer
// than PeptideBreak).
func BackboneAngles(c *Chain) ([][6]float64, [][6]bool) {
	n := len(c.Residues)
	ang := make([][6]float64, n)
	mask := make([][6]bool, n)
	bonded := func(i int) bool { // residue i to i+1
		a, b := &c.Residues[i], &c.Residues[i+1]
		return a.HasBackbone() && b.HasBackbone() && Distance(a.Positions[AtomC], b.Positions[AtomN]) < PeptideBreak
	}
	for i := range n {
		r := &c.Residues[i]
		if !r.HasBackbone() {
			continue
		}
		N, CA, C := r.Positions[AtomN], r.Positions[AtomCA], r.Positions[AtomC]
		ang[i][3], mask[i][3] = Angle(N, CA, C), true
		if i > 0 && bonded(i-1) {
			ang[i][0], mask[i][0] = Dihedral(c.Residues[i-1].Positions[AtomC], N, CA, C), true
		}
		if i+1 < n && bonded(i) {
			nx := &c.Residues[i+1]
			N1, CA1 := nx.Positions[AtomN], nx.Positions[AtomCA]
			ang[i][1], mask[i][1] = Dihedral(N, CA, C, N1), true
			ang[i][2], mask[i][2] = Dihedral(CA, C, N1, CA1), true
			ang[i][4], mask[i][4] = Angle(CA, C, N1), true
			ang[i][5], mask[i][5] = Angle(C, N1, CA1), true
		}
	}
	return ang, mask
}

// placeAtom returns the position of d given a, b, c, the bond length
// |c-d|, the angle b-c-d and the dihedral a-b-c-d (natural extension
// reference frame).
func placeAtom(a, b, c Vec3, length, angle, torsion float64) Vec3 {
	bc := sub(c, b)
	bc = scale(bc, 1/norm(bc))
	n := cross(sub(b, a), bc)
	n = scale(n, 1/norm(n))
	m := cross(n, bc)
	d2 := Vec3{-length * math.Cos(angle), length * math.Sin(angle) * math.Cos(torsion), length * math.Sin(angle) * math.Sin(torsion)}
	return add(c, add(scale(bc, d2[0]), add(scale(m, d2[1]), scale(n, d2[2]))))
}

// BuildBackbone reconstructs N, CA, C positions of len(angles) residues
// from the six internal coordinates of AngleNames (as BackboneAngles
// returns them), with ideal bond lengths. The first residue is placed in
// a fixed frame; phi of the first residue and psi, omega, CA-C-N and
// C-N-CA of the last are not used. It returns 3 points per residue.
func BuildBackbone(angles [][6]float64) []Vec3 {
	n := len(angles)
	if n == 0 {
		return nil
	}
	pts := make([]Vec3, 0, 3*n)
	N := Vec3{0, 0, 0}
	CA := Vec3{BondNCA, 0, 0}
	t := angles[0][3]
	C := add(CA, Vec3{-BondCAC * math.Cos(t), BondCAC * math.Sin(t), 0})
	pts = append(pts, N, CA, C)
	for i := 1; i < n; i++ {
		prev := angles[i-1]
		k := len(pts)
		pN, pCA, pC := pts[k-3], pts[k-2], pts[k-1]
		N := placeAtom(pN, pCA, pC, BondCN, prev[4], prev[1])
		CA := placeAtom(pCA, pC, N, BondNCA, prev[5], prev[2])
		C := placeAtom(pC, N, CA, BondCAC, angles[i][3], angles[i][0])
		pts = append(pts, N, CA, C)
	}
	return pts
}

// glycine is the vocabulary index of GLY, the residue a bare backbone
// stands for.
var glycine = AAIndex("GLY")

// ChainFromBackbone makes a chain of glycines (or the residues of aa, when
// given) from N, CA, C positions, 3 per residue, numbered from 1.
func ChainFromBackbone(id string, pts []Vec3, aa []int) *Chain {
	c := &Chain{ID: id}
	for i := 0; i+2 < len(pts); i += 3 {
		a := glycine
		if aa != nil && i/3 < len(aa) {
			a = aa[i/3]
		}
		r := Residue{Name: ThreeLetter(a), AA: a, Seq: i/3 + 1, ICode: ' '}
		for k, slot := range []int{AtomN, AtomCA, AtomC} {
			r.Positions[slot], r.Mask[slot], r.Occupancy[slot] = pts[i+k], true, 1
		}
		c.Residues = append(c.Residues, r)
	}
	return c
}

// ChainFromCA makes a chain of glycines with only CA atoms, numbered
// from 1, from a CA trace.
func ChainFromCA(id string, ca []Vec3) *Chain {
	c := &Chain{ID: id}
	for i, p := range ca {
		r := Residue{Name: ThreeLetter(glycine), AA: glycine, Seq: i + 1, ICode: ' '}
		r.Positions[AtomCA], r.Mask[AtomCA], r.Occupancy[AtomCA] = p, true, 1
		c.Residues = append(c.Residues, r)
	}
	return c
}
