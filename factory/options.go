package factory

// Option changes how CreateModel builds a model. Builders read the options
// they understand with ApplyOptions and ignore the rest.
type Option func(*Options)

// Options is the set of build options; new options add fields here.
type Options struct {
	// Modality names the modality adapter to apply ("image", "protein",
	// ...); empty applies none.
	Modality string
	// Backbone is the denoising network of a diffusion model; nil lets the
	// builder make the one its configuration names.
	Backbone Backbone
	// BackboneFn is a denoising function with the seed's backbone_fn
	// signature; the builder wraps it into a Backbone (see WithBackboneFn).
	BackboneFn BackboneFn
	// DataDir is the directory the user named for data sets (--data-dir),
	// handed to modalities that read their data set to build (see
	// DataModality); empty searches only the default places.
	DataDir string
}

// ApplyOptions returns the options that opts set, in order; nil options
// are skipped.
func ApplyOptions(opts ...Option) Options {
	var o Options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithModality adapts the built model to a modality registered in the
// registry (see Registry.RegisterModality).
func WithModality(name string) Option {
	return func(o *Options) { o.Modality = name }
}

// WithDataDir names the directory searched first for the data set a
// modality reads while it adapts the model (see DataModality).
func WithDataDir(dir string) Option {
	return func(o *Options) { o.DataDir = dir }
}

// WithBackbone gives a diffusion model the network that predicts noise
// (or the score) from a noisy batch x and its timesteps t, in place of the
// one its configuration names. Its parameters are trained and saved with
// the model's when it is a struct of layers. The effective configuration
// records it as "user:<Go type>" unless parameters.backbone names a
// backbone registered with RegisterBackbone (the caller then says this is
// one of those); rebuilding from a recorded "user:" configuration needs
// the same option again.
func WithBackbone(b Backbone) Option {
	return func(o *Options) { o.Backbone = b }
}

// WithBackboneFn gives a diffusion model a denoising function written as
// the seed's backbone_fn(x, time_emb, rngs). The builder passes it the
// sinusoidal embedding of the timesteps (time_embedding_dim values, 128 by
// default) and the rngs given to CreateModel. Parameters the function
// closes over are not found by nn.Parameters, so such a model cannot be
// trained (the trainer says so); a network with its own weights should be
// given to WithBackbone as a struct of layers instead.
func WithBackboneFn(fn BackboneFn) Option {
	return func(o *Options) { o.BackboneFn = fn }
}
