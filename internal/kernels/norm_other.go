//go:build !amd64 || noasm

package kernels

func sumSquaresVector(v []float32) (int, float64, float64) { return 0, 0, 0 }

func centeredDotVector(x, g []float32, m, r float32) (int, float32, float32) { return 0, 0, 0 }

func affineCombineVector(d, x []float32, a, b, c float32) int { return 0 }

func maxVector(s []float32) (float32, int) { return 0, 0 }
