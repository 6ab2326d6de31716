package tensor

// EnableGrad runs fn with operations recorded even when it is called
// inside NoGrad, like PyTorch's torch.enable_grad. Samplers that follow
// the gradient of a model with respect to its input (Langevin dynamics on
// an energy) need it, because callers run sampling under NoGrad. Like
// NoGrad it acts process-wide: other goroutines must not rely on NoGrad
// while fn runs.
func EnableGrad(fn func()) {
	saved := noGradDepth.Swap(0)
	defer noGradDepth.Add(saved)
	fn()
}
