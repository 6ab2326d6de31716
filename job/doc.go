// Package job is a training job from a configuration, and the way back
// from its outputs: Run builds the model with the factory, reads the data
// set's training and held-out splits (the data sets the families use are
// registered beside their builders, factory.RegisterDataSets), hands them
// to a train.Trainer, the loop, and gives it Outputs, which draw the loss
// curves and the samples. LoadCheckpoint rebuilds a trained model from a
// run's directory or an exported one, for sampling, Evaluate and Export.
//
// The loop (package train) knows nothing of the factory, of data set
// names or of pictures; this package is where they meet.
package job
