package backbone

import (
	"fmt"
	"slices"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// UNetConfig describes a UNet. Channels gives the width of each resolution
// level, from the input resolution down (the configuration's hidden_dims);
// every level but the last halves the resolution.
type UNetConfig struct {
	InChannels, OutChannels int
	Height, Width           int
	Channels                []int
	// NumResBlocks is the number of residual blocks per level on the way
	// down (one more on the way up, which also takes the skip of each
	// down-sampling); zero means 2.
	NumResBlocks int
	// AttentionResolutions lists the feature-map heights at which the
	// blocks are followed by self-attention; empty means the lowest
	// resolution only. The middle of the UNet always attends.
	AttentionResolutions []int
	// TimeEmbeddingDim is the width of the time (and label) embedding;
	// zero means 4·Channels[0].
	TimeEmbeddingDim int
	// Heads is the number of attention heads; zero means one per 64
	// channels (at least one).
	Heads int
	// Groups is the number of GroupNorm groups; zero picks the largest
	// divisor of each width that is at most 32 and leaves ≥ 4 channels
	// per group where possible.
	Groups  int
	Dropout float32
	// NumClasses > 0 makes the UNet class-conditional.
	NumClasses int
	// Activation is used in the time-embedding MLP ("silu" when empty);
	// the residual blocks use SiLU.
	Activation string
	// GradientCheckpointing keeps only the inputs of each residual block
	// (with the attention after it) for the backward pass and recomputes
	// the block there (nn.Checkpoint).
	GradientCheckpointing bool
}

// UNet is the denoising UNet of Ho et al. (2020): residual blocks with
// GroupNorm and a time-embedding input, self-attention at low resolution,
// strided-convolution down-sampling, nearest-neighbour up-sampling, and
// skip connections concatenated on the way up.
type UNet struct {
	Time   *TimeEmbedding
	In     *nn.Conv2d
	Down   []*UNetLevel
	Mid    [2]*nn.ResBlock
	MidAtt *AttentionBlock
	Up     []*UNetLevel
	Norm   *nn.GroupNorm
	Out    *nn.Conv2d
	cfg    UNetConfig
}

// UNetLevel is one resolution of a UNet: its residual blocks, the
// attention after each (nil where the level does not attend), and the
// change of resolution that ends it (nil at the bottom, or the top on the
// way up).
type UNetLevel struct {
	Blocks    []*nn.ResBlock
	Attention []*AttentionBlock
	Resample  *nn.Conv2d
}

// AttentionBlock is multi-head self-attention over the pixels of a
// feature map, with a GroupNorm before it and a residual connection.
type AttentionBlock struct {
	Norm *nn.GroupNorm
	Attn *nn.MultiHeadAttention
}

// Forward attends x [B, C, H, W] over its H·W positions.
func (a *AttentionBlock) Forward(x *tensor.Tensor) *tensor.Tensor {
	b, c, h, w := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	n := a.Norm.Forward(x)
	seq := tensor.Permute(tensor.Reshape(n, b, c, h*w), 0, 2, 1)
	tensor.Release(n)
	y := a.Attn.Forward(seq, seq, nil, false)
	tensor.Release(seq)
	back := tensor.Permute(y, 0, 2, 1)
	tensor.Release(y)
	out := tensor.Add(x, tensor.Reshape(back, b, c, h, w))
	tensor.Release(back)
	return out
}

// groupsFor picks the GroupNorm groups for c channels.
func groupsFor(c, want int) int {
	if want > 0 {
		return want
	}
	g := min(32, max(c/4, 1))
	for c%g != 0 {
		g--
	}
	return g
}

// check validates the configuration and fills in its defaults.
func (c *UNetConfig) check() error {
	switch {
	case c.InChannels <= 0 || c.OutChannels <= 0:
		return fmt.Errorf("backbone: UNet channels in %d, out %d must be > 0", c.InChannels, c.OutChannels)
	case len(c.Channels) == 0:
		return fmt.Errorf("backbone: UNet needs at least one level width (hidden_dims)")
	case c.NumResBlocks < 0:
		return fmt.Errorf("backbone: UNet num_res_blocks must be ≥ 0, got %d", c.NumResBlocks)
	case c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("backbone: UNet dropout must be in [0, 1), got %g", c.Dropout)
	case c.NumClasses < 0:
		return fmt.Errorf("backbone: UNet num_classes must be ≥ 0, got %d", c.NumClasses)
	}
	for i, ch := range c.Channels {
		if ch <= 0 {
			return fmt.Errorf("backbone: UNet hidden_dims[%d] must be > 0, got %d", i, ch)
		}
		if c.Groups > 0 && ch%c.Groups != 0 {
			return fmt.Errorf("backbone: UNet hidden_dims[%d] = %d is not divisible into %d groups", i, ch, c.Groups)
		}
	}
	scale := 1 << (len(c.Channels) - 1)
	if c.Height <= 0 || c.Width <= 0 || c.Height%scale != 0 || c.Width%scale != 0 {
		return fmt.Errorf("backbone: UNet with %d levels halves the image %d times, so %d×%d must be positive multiples of %d",
			len(c.Channels), len(c.Channels)-1, c.Height, c.Width, scale)
	}
	if c.NumResBlocks == 0 {
		c.NumResBlocks = 2
	}
	if c.TimeEmbeddingDim == 0 {
		c.TimeEmbeddingDim = 4 * c.Channels[0]
	}
	if c.TimeEmbeddingDim < 0 {
		return fmt.Errorf("backbone: UNet time_embedding_dim must be > 0, got %d", c.TimeEmbeddingDim)
	}
	if len(c.AttentionResolutions) == 0 {
		c.AttentionResolutions = []int{c.Height / scale}
	}
	for _, ch := range c.Channels {
		heads := c.Heads
		if heads == 0 {
			heads = max(ch/64, 1)
		}
		if ch%heads != 0 {
			return fmt.Errorf("backbone: UNet width %d is not divisible into %d attention heads", ch, heads)
		}
	}
	return nil
}

func (c *UNetConfig) heads(ch int) int {
	if c.Heads > 0 {
		return c.Heads
	}
	return max(ch/64, 1)
}

// NewUNet builds a UNet; it returns an error for an impossible
// configuration (an image size the levels cannot halve, widths the groups
// or heads do not divide, ...).
func NewUNet(rngs *nn.Rngs, cfg UNetConfig) (*UNet, error) {
	cfg.Channels = slices.Clone(cfg.Channels)
	cfg.AttentionResolutions = slices.Clone(cfg.AttentionResolutions)
	if err := cfg.check(); err != nil {
		return nil, err
	}
	act, err := activation(cfg.Activation)
	if err != nil {
		return nil, fmt.Errorf("backbone: UNet: %w", err)
	}
	tdim := cfg.TimeEmbeddingDim
	// nn.ResBlock normalises its input and its output with one group
	// count, so it must divide both widths.
	res := func(in, out int) *nn.ResBlock {
		g := groupsFor(min(in, out), cfg.Groups)
		for in%g != 0 || out%g != 0 {
			g--
		}
		return nn.NewResBlock(rngs, in, out, tdim, g, cfg.Dropout)
	}
	attn := func(ch, height int) *AttentionBlock {
		if !slices.Contains(cfg.AttentionResolutions, height) {
			return nil
		}
		return &AttentionBlock{Norm: nn.NewGroupNorm(groupsFor(ch, cfg.Groups), ch), Attn: nn.NewMultiHeadAttention(rngs, ch, ch, cfg.heads(ch))}
	}
	c0 := cfg.Channels[0]
	u := &UNet{
		Time: NewTimeEmbedding(rngs, c0, tdim, cfg.NumClasses, act),
		In:   nn.NewConv2d(rngs, cfg.InChannels, c0, 3, 1, 1),
		cfg:  cfg,
	}
	skips := []int{c0}
	prev, height := c0, cfg.Height
	last := len(cfg.Channels) - 1
	for i, ch := range cfg.Channels {
		lv := &UNetLevel{}
		for range cfg.NumResBlocks {
			lv.Blocks = append(lv.Blocks, res(prev, ch))
			lv.Attention = append(lv.Attention, attn(ch, height))
			prev = ch
			skips = append(skips, ch)
		}
		if i < last {
			lv.Resample = nn.NewConv2d(rngs, ch, ch, 3, 2, 1)
			skips = append(skips, ch)
			height /= 2
		}
		u.Down = append(u.Down, lv)
	}
	u.Mid = [2]*nn.ResBlock{res(prev, prev), res(prev, prev)}
	u.MidAtt = &AttentionBlock{Norm: nn.NewGroupNorm(groupsFor(prev, cfg.Groups), prev), Attn: nn.NewMultiHeadAttention(rngs, prev, prev, cfg.heads(prev))}
	for i := last; i >= 0; i-- {
		ch := cfg.Channels[i]
		lv := &UNetLevel{}
		for range cfg.NumResBlocks + 1 {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			lv.Blocks = append(lv.Blocks, res(prev+skip, ch))
			lv.Attention = append(lv.Attention, attn(ch, height))
			prev = ch
		}
		if i > 0 {
			lv.Resample = nn.NewConv2d(rngs, ch, ch, 3, 1, 1)
			height *= 2
		}
		u.Up = append(u.Up, lv)
	}
	u.Norm = nn.NewGroupNorm(groupsFor(prev, cfg.Groups), prev)
	u.Out = nn.NewConv2d(rngs, prev, cfg.OutChannels, 3, 1, 1)
	// A zero output layer starts the UNet at predicting 0, the mean of
	// its targets (Ho et al. do the same).
	clear(u.Out.Weight.Data())
	clear(u.Out.Bias.Data())
	return u, nil
}

// Config returns the configuration the UNet was built with, defaults
// filled in.
func (u *UNet) Config() UNetConfig { return u.cfg }

// Forward predicts from x [B, InChannels, Height, Width] at timesteps t
// [B] a tensor [B, OutChannels, Height, Width]; unconditionally when the
// UNet is class-conditional.
func (u *UNet) Forward(x, t *tensor.Tensor) *tensor.Tensor { return u.ForwardLabels(x, t, nil) }

// ForwardLabels is Forward conditioned on class labels (one per example;
// negative for none). Labels are ignored by an unconditional UNet.
func (u *UNet) ForwardLabels(x, t *tensor.Tensor, labels []int) *tensor.Tensor {
	c := u.cfg
	if x.NDim() != 4 || x.Dim(1) != c.InChannels || x.Dim(2) != c.Height || x.Dim(3) != c.Width {
		panic(fmt.Sprintf("backbone: UNet input shape %v, want [B, %d, %d, %d]", x.Shape(), c.InChannels, c.Height, c.Width))
	}
	temb := u.Time.Forward(t, labels)
	h := u.In.Forward(x)
	skips := []*tensor.Tensor{h}
	for _, lv := range u.Down {
		for j, b := range lv.Blocks {
			h = u.block(b, lv.Attention[j], temb, h)
			skips = append(skips, h)
		}
		if lv.Resample != nil {
			h = lv.Resample.Forward(h)
			skips = append(skips, h)
		}
	}
	// From here on each h and skip is read once, by the next layer, and
	// released after it (tensor.Release keeps what a recorded op saved).
	next := func(h, y *tensor.Tensor) *tensor.Tensor {
		if !slices.Contains(skips, h) { // the bottom's output is also the first skip up
			tensor.Release(h)
		}
		return y
	}
	h = next(h, u.Mid[0].Forward(h, temb))
	h = next(h, u.MidAtt.Forward(h))
	h = next(h, u.Mid[1].Forward(h, temb))
	for _, lv := range u.Up {
		for j, b := range lv.Blocks {
			s := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			h = next(h, u.block(b, lv.Attention[j], temb, h, s))
			tensor.Release(s)
		}
		if lv.Resample != nil {
			up := tensor.UpsampleNearest2d(h, 2, 2)
			h = next(h, lv.Resample.Forward(up))
			tensor.Release(up)
		}
	}
	n := u.Norm.ForwardSiLU(h)
	out := u.Out.Forward(n)
	tensor.Release(n)
	tensor.Release(h)
	return out
}

// block applies the residual block b, and the attention a after it when
// a is not nil, to xs (concatenated along channels: the way up joins the
// skip) at time embedding temb; with gradient checkpointing the backward
// pass recomputes it from xs and temb.
func (u *UNet) block(b *nn.ResBlock, a *AttentionBlock, temb *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor {
	fn := func(in []*tensor.Tensor) *tensor.Tensor {
		x := in[1]
		if len(in) > 2 {
			x = tensor.Concat(1, in[1:]...)
		}
		h := b.Forward(x, in[0])
		if x != in[1] {
			tensor.Release(x)
		}
		if a != nil {
			hb := h
			h = a.Forward(hb)
			tensor.Release(hb)
		}
		return h
	}
	in := append([]*tensor.Tensor{temb}, xs...)
	if !u.cfg.GradientCheckpointing {
		return fn(in)
	}
	return nn.Checkpoint([]any{b, a}, fn, in...)
}
