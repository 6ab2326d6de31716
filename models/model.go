// Package models defines what every generative model has in common. The
// families live in its subpackages (models/vae, models/gan, ...); the
// factory builds them and modality adapters wrap them, both through the
// Model interface declared here, below all of them, so that neither a
// family nor a modality needs to import the factory.
package models

import "github.com/artifex-go/artifex/config"

// Model is the interface every built model satisfies. Config returns the
// effective configuration the model was built from: the user's
// configuration with every default the builder applied filled in, so the
// defaults in use can be read back.
//
// A model's parameters are found by walking it (nn.Parameters), so models
// are plain structs of layers and need no method for that; family
// interfaces (a VAE's Encode/Decode, a GAN's Generate, ...) add the rest.
type Model interface {
	Config() config.ModelConfiguration
}
