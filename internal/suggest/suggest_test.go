package suggest

import (
	"reflect"
	"testing"
)

func TestClosestFindsTyposAndPrefixesBestFirst(t *testing.T) {
	names := []string{"gan_cifar10", "gan_mnist", "vae_mnist", "vae_protein", "ebm_cifar"}
	if got, want := Closest("vae_mnst", names), []string{"vae_mnist"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Closest(vae_mnst) = %v, want %v", got, want)
	}
	if got, want := Closest("gan", names), []string{"gan_mnist", "gan_cifar10"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Closest(gan) = %v, want %v", got, want)
	}
	if got := Closest("transformer_wikitext", names); len(got) != 0 {
		t.Errorf("Closest(unrelated) = %v, want none", got)
	}
}

func TestDistanceCountsEditsAndSwaps(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "abc", 3}, {"kitten", "sitting", 3}, {"beta", "beta", 0}, {"flaw", "lawn", 2}, {"BetaVEA", "BetaVAE", 1}} {
		if got := distance(c.a, c.b); got != c.d {
			t.Errorf("distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
