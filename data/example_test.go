package data_test

import (
	"fmt"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/tensor"
)

// A VAE on dynamically binarised MNIST: flat batches of 0/1 pixels, a new
// binarisation and a new order every epoch, all from one seed.
func Example() {
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if err != nil {
		fmt.Println(err) // says where it looked and how to get the files
		return
	}
	rngs := tensor.NewRngs(42)
	it, err := data.NewIterator(train, data.BatchOptions{
		Size:      64,
		Shuffle:   rngs.Stream("data"),
		DropLast:  true,
		Transform: data.Compose(data.DynamicBinarize(rngs.Stream("binarize")), data.Flatten()),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for it.Epoch() < 1 {
		for b, ok := it.Next(); ok; b, ok = it.Next() {
			_ = b.Images // [64, 784], a training step goes here
		}
	}
	state := it.State() // saved with a checkpoint; it.SetState(state) resumes
	fmt.Println(state.Epoch, state.Position)
}
