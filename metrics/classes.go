package metrics

import (
	"fmt"
	"math"
)

// ClassBalance summarises which classes a classifier sees in generated
// images, the plain check for mode collapse: a generator that covers the
// data draws every class about as often as the data has it.
type ClassBalance struct {
	// Counts[k] is how many images have class k as their most likely one.
	Counts []int
	// Present is the number of classes with at least one image.
	Present int
	// Entropy is the entropy of the predicted-label histogram in nats;
	// ln(classes) when every class is equally frequent, 0 when one class
	// takes every image.
	Entropy float64
	// Confident is the fraction of images whose most likely class has
	// probability above 0.9: images the classifier recognises clearly.
	Confident float64
}

// BalanceOfClasses computes the ClassBalance of class probabilities p(y|x),
// one row per image.
func BalanceOfClasses(probs [][]float64) (ClassBalance, error) {
	classes, err := checkRows("measure the class balance of", probs)
	if err != nil {
		return ClassBalance{}, err
	}
	b := ClassBalance{Counts: make([]int, classes)}
	confident := 0
	for _, p := range probs {
		best := 0
		for k, v := range p {
			if v > p[best] {
				best = k
			}
		}
		b.Counts[best]++
		if p[best] > 0.9 {
			confident++
		}
	}
	n := float64(len(probs))
	for _, c := range b.Counts {
		if c > 0 {
			b.Present++
			f := float64(c) / n
			b.Entropy -= f * math.Log(f)
		}
	}
	b.Confident = float64(confident) / n
	return b, nil
}

// String lists the counts, e.g. "10 of 10 classes, entropy 2.29 nats: [98 110 ...]".
func (b ClassBalance) String() string {
	return fmt.Sprintf("%d of %d classes, entropy %.3f nats (max %.3f), %.3f confident: %v",
		b.Present, len(b.Counts), b.Entropy, math.Log(float64(len(b.Counts))), b.Confident, b.Counts)
}
