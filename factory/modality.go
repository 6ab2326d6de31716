package factory

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Modality adapts a built model to a data modality (image, text, audio,
// tabular, protein, multi_modal): what the model sees, what it optimises
// and how its output is read. Modality packages implement it without
// importing factory (Model is models.Model).
type Modality interface {
	// Name is the name WithModality selects the modality by.
	Name() string
	// Adapt returns m adapted to the modality; family is m's model type
	// ("vae", "gan", ...). A modality that cannot serve a family returns
	// an error saying so.
	Adapt(m Model, family string) (Model, error)
}

// DataModality is a Modality that reads its data set to adapt a model
// (the tabular modality fits its column encoder on the table):
// CreateModel calls AdaptData in place of Adapt, with the WithDataDir
// directory ("" when none was given).
type DataModality interface {
	Modality
	AdaptData(m Model, family, dataDir string) (Model, error)
}

// ErrUnknownModality is the cause of a ModalityError for a modality name
// that is not registered.
var ErrUnknownModality = errors.New("unknown modality")

// ModalityError is returned when a modality cannot be applied: it is not
// registered, or its adapter failed.
type ModalityError struct {
	Name string
	Err  error
}

// Error gives the seed's text: "Failed to apply modality 'name': cause".
func (e *ModalityError) Error() string {
	return fmt.Sprintf("Failed to apply modality '%s': %v", e.Name, e.Err)
}

// Unwrap returns the cause.
func (e *ModalityError) Unwrap() error { return e.Err }

// RegisterModality adds a modality adapter under its Name. Registering a
// name twice, an empty name or a nil modality is an error.
func (r *Registry) RegisterModality(m Modality) error {
	if m == nil {
		return errors.New("factory: register modality: nil modality")
	}
	name := m.Name()
	if name == "" {
		return errors.New("factory: register modality: empty name")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.modalities[name]; dup {
		return fmt.Errorf("factory: register modality %q: already registered", name)
	}
	r.modalities[name] = m
	return nil
}

// Modality returns the adapter registered under name.
func (r *Registry) Modality(name string) (Modality, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	m, ok := r.modalities[name]
	return m, ok
}

// Modalities returns the registered modality names, sorted.
func (r *Registry) Modalities() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.modalities))
	for n := range r.modalities {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (r *Registry) lookupModality(name string) (Modality, error) {
	if m, ok := r.Modality(name); ok {
		return m, nil
	}
	list := "none registered"
	if names := r.Modalities(); len(names) > 0 {
		list = strings.Join(names, ", ")
	}
	return nil, &ModalityError{Name: name, Err: fmt.Errorf("%w; available: %s", ErrUnknownModality, list)}
}
