// Package metrics measures generative models: sample quality on learned
// features (FID, KID, an Inception-style score, precision, recall, density
// and coverage) computed with a classifier trained in this project
// (FeatureNet, whose weights ship in metrics/weights), kernel MMD, and the
// likelihood conversions (bits/dim, the IWAE bound) the families report
// in. Everything is computed in float64.
package metrics
