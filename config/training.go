package config

import "slices"

// TrainingDefaultsKey is the Metadata key holding a configuration's
// training settings (the seed's metadata.training_defaults), which the
// trainer reads.
const TrainingDefaultsKey = "training_defaults"

// trainingSettings are the keys of metadata.training_defaults the trainer
// reads (package train, SettingsFromConfig).
var trainingSettings = []string{
	"dataset", "epochs", "steps", "batch_size", "accumulate", "seed", "optimizer", "learning_rate",
	"adam_beta1", "adam_beta2", "weight_decay", "momentum", "grad_clip", "lr_schedule",
	"warmup_steps", "min_learning_rate", "lr_decay_steps", "lr_gamma", "ema_decay",
	"binarization", "dequantize", "range",
}

// TrainingSettings returns the keys of metadata.training_defaults that
// the trainer reads, in a fixed order.
func TrainingSettings() []string { return slices.Clone(trainingSettings) }

// IsTrainingSetting reports whether key is one of TrainingSettings.
func IsTrainingSetting(key string) bool { return slices.Contains(trainingSettings, key) }
