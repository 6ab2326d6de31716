package protein

import "math"

// BackboneGeometry measures a backbone (N, CA, C per residue, as
// BuildBackbone returns) against ideal geometry: the RMS deviation of the
// N-CA, CA-C and C-N bond lengths (Å) and of the N-CA-C, CA-C-N and
// C-N-CA bond angles (degrees) from their ideal values. Only bonds within
// a residue and to the next residue are counted.
type BackboneGeometry struct {
	BondLengthRMSD float64 // Å
	BondAngleRMSD  float64 // degrees
	Bonds, Angles  int
}

// MeasureBackbone returns the deviations from ideal geometry of a
// backbone given as N, CA, C per residue.
func MeasureBackbone(pts []Vec3) BackboneGeometry {
	var g BackboneGeometry
	var sl, sa float64
	bond := func(a, b Vec3, ideal float64) {
		d := Distance(a, b) - ideal
		sl += d * d
		g.Bonds++
	}
	angle := func(a, b, c Vec3, ideal float64) {
		d := (Angle(a, b, c) - ideal) * 180 / math.Pi
		sa += d * d
		g.Angles++
	}
	n := len(pts) / 3
	for i := range n {
		N, CA, C := pts[3*i], pts[3*i+1], pts[3*i+2]
		bond(N, CA, BondNCA)
		bond(CA, C, BondCAC)
		angle(N, CA, C, AngleNCAC)
		if i+1 < n {
			N1, CA1 := pts[3*i+3], pts[3*i+4]
			bond(C, N1, BondCN)
			angle(CA, C, N1, AngleCACN)
			angle(C, N1, CA1, AngleCNCA)
		}
	}
	if g.Bonds > 0 {
		g.BondLengthRMSD = math.Sqrt(sl / float64(g.Bonds))
	}
	if g.Angles > 0 {
		g.BondAngleRMSD = math.Sqrt(sa / float64(g.Angles))
	}
	return g
}

// ClashDistance is the CA–CA distance below which two residues at least
// three apart in sequence are counted as clashing (real structures keep
// non-adjacent CA atoms about 3.8 Å or more apart).
const ClashDistance = 3.0

// ClashScore returns the fraction of residue pairs (i, j) with j ≥ i+3
// whose CA atoms are closer than ClashDistance.
func ClashScore(ca []Vec3) float64 {
	pairs, clashes := 0, 0
	for i := range ca {
		for j := i + 3; j < len(ca); j++ {
			pairs++
			if Distance(ca[i], ca[j]) < ClashDistance {
				clashes++
			}
		}
	}
	if pairs == 0 {
		return 0
	}
	return float64(clashes) / float64(pairs)
}

// Ramachandran regions, as broad rectangles in (phi, psi) degrees: the
// right-handed helix basin, the β basin (psi wrapping through ±180) and
// the left-handed helix basin. Together they hold about 95% of the
// residues of well-determined structures (glycines included), so the
// fraction of a backbone's (phi, psi) pairs inside them is a coarse
// check of plausibility, not a validation tool.
func ramachandranRegion(phi, psi float64) string {
	switch {
	case phi >= -180 && phi <= -20 && psi >= -120 && psi <= 50:
		return "alpha"
	case phi >= -180 && phi <= -40 && (psi >= 50 || psi <= -150):
		return "beta"
	case phi >= 20 && phi <= 120 && psi >= -60 && psi <= 100:
		return "left_alpha"
	}
	return ""
}

// Ramachandran returns the fractions of the (phi, psi) pairs (radians)
// that fall in the alpha, beta and left_alpha regions, and "allowed", the
// three together.
func Ramachandran(phi, psi []float64) map[string]float64 {
	out := map[string]float64{"alpha": 0, "beta": 0, "left_alpha": 0, "allowed": 0}
	if len(phi) == 0 {
		return out
	}
	for i := range phi {
		if r := ramachandranRegion(phi[i]*180/math.Pi, psi[i]*180/math.Pi); r != "" {
			out[r]++
			out["allowed"]++
		}
	}
	for k := range out {
		out[k] /= float64(len(phi))
	}
	return out
}

// DihedralsOfBackbone returns the phi and psi of the interior residues of
// a backbone given as N, CA, C per residue (phi needs the residue before,
// psi the one after).
func DihedralsOfBackbone(pts []Vec3) (phi, psi []float64) {
	n := len(pts) / 3
	for i := 1; i+1 < n; i++ {
		phi = append(phi, Dihedral(pts[3*i-1], pts[3*i], pts[3*i+1], pts[3*i+2]))
		psi = append(psi, Dihedral(pts[3*i], pts[3*i+1], pts[3*i+2], pts[3*i+3]))
	}
	return phi, psi
}

// RandomWalkBackbone returns a backbone of n residues with ideal bond
// lengths and angles and phi, psi drawn uniformly, omega trans: the
// baseline a generative model has to beat on Ramachandran statistics.
// uniform returns numbers in [0, 1).
func RandomWalkBackbone(n int, uniform func() float64) []Vec3 {
	ang := make([][6]float64, n)
	for i := range ang {
		ang[i] = [6]float64{(2*uniform() - 1) * math.Pi, (2*uniform() - 1) * math.Pi, math.Pi, AngleNCAC, AngleCACN, AngleCNCA}
	}
	return BuildBackbone(ang)
}
