// Package tensor is the engine of Artifex: float32 tensors, the
// differentiable operations on them, and define-by-run reverse-mode
// automatic differentiation. This comment tours it in the order a reader
// needs it.
//
// # Tensors: layout, ownership, aliasing
//
// A Tensor is a shape and a contiguous row-major []float32 (the last axis
// varies fastest). There are no strides: every tensor is dense, and a
// kernel can treat its data as one flat slice. Scalar makes a tensor of
// shape [] holding one value.
//
// Ops never modify their inputs; each returns a new *Tensor. Most allocate
// fresh storage for the result. A few share the input's storage, because
// the values stay in the same order: Reshape, Flatten, Squeeze, Unsqueeze
// and Detach. A few return the input itself when there is nothing to do:
// Expand and SumTo to the input's own shape, and a Slice that covers the
// whole axis. Otherwise those copy, as do all other ops (Transpose,
// Permute, Narrow, Concat, ...).
//
// Storage belongs to whoever holds the tensor; nothing is reference
// counted. Outside an Arena (below) nothing is pooled except the kernels'
// scratch space. FromSlice wraps the caller's slice without copying it, and Data returns
// the storage itself. Writing through Data is how optimizers update
// parameters. It is safe outside a recorded computation. A write to a
// tensor that a recorded graph still holds changes what the graph's
// backward pass will read. Clone copies the values, without history;
// Detach shares them, without history.
//
// Gradients can alias too. The gradient that reaches both inputs of Add is
// one tensor, so after Backward two leaves can hold Grads that share
// storage. Code that modifies gradients in place must first give each
// gradient its own copy; optim's clipping does.
//
// Every op checks shapes. A mismatch is a programming error, so the op
// panics with its name and the shapes. User input (configurations, data
// files) is validated, with returned errors, by the packages that read it.
//
// # Ops
//
// Elementwise ops broadcast as in NumPy and PyTorch (Add, Mul, Where, ...).
// Reductions take axes and keepDim (SumAxes, MeanAxes, LogSumExp). The
// network ops follow PyTorch's definitions and argument names: MatMul,
// Conv2d, ConvTranspose2d, GroupNorm, Softmax, ScaledDotProductAttention
// and the losses. Each op is one function. It computes its result, then
// passes its backward rule to record. The forward and backward sit side by
// side, and the rule is written with the same ops. Random numbers come from
// named streams (NewRngs), so a seed fixes both a model's initialisation
// and its samples.
//
// # Autodiff
//
// SetRequiresGrad(true) makes a leaf differentiable; parameters are such
// leaves. When recording is on and an input requires a gradient, record
// attaches a node to the result: the op's name, its inputs and the backward
// closure. The tape is nothing more than these pointers from outputs to
// inputs, built as the program runs. So control flow is plain Go, and the
// garbage collector frees a graph when its last tensor is dropped.
//
// The node points to its inputs through handles, tensors with a shape and
// no values, so the graph itself holds no data: what outlives the forward
// pass is what each backward closure captured, and each op captures the
// least its gradient reads. Add and Reshape keep shapes, Mul and MatMul an
// operand only when the other one needs a gradient, Softmax its output,
// ReLU and LeakyReLU (slope ≥ 0) their output, LayerNorm and BatchNorm
// their input, Dropout its mask as bits, and
// ScaledDotProductAttention q, k and v, recomputing the attention weights
// in the backward pass instead of holding scores of size Lq·Lk. Backward
// drops each op's closure as soon as it has run, and sums a gradient with
// several contributions in place. Checkpoint goes further for a whole
// block: it keeps the block's inputs only and runs the block again during
// backward (gradient_checkpointing in the transformer and UNet backbones).
// BENCHMARKS.md's memory section measures what a training step holds.
//
// # Arenas: a training step's buffers, reused
//
// A training step makes hundreds of megabytes of temporaries that are
// garbage by its end. Left to the collector, every step or two it frees
// them, the runtime hands the pages back to the kernel, and the next step
// faults them in and zeroes them again: a quarter to a half of a step on
// the bench workloads. Arena.Step runs one step with the tensors that its
// goroutine makes (those of 4096 values or more) taken from an Arena and
// hands them to the next step, by these rules:
//
//   - At the step's end a buffer is recycled unless the values passed as
//     keep reach it: the walk follows pointers, structs, slices, maps and
//     interfaces (not closures) from the model, optimizers and averages,
//     as nn.Parameters does. A reached buffer stays the arena's, and is
//     checked again at every later step's end: once keep no longer
//     reaches it (a gradient the next step's ZeroGrad dropped, or one
//     replaced by accumulation) it is recycled too, at the start of the
//     next Backward or at the step's end, so each step's gradients take
//     the buffers of the last step's.
//   - A tensor made inside Step and held anywhere else must not be used
//     after it: copy it out (Item, Clone outside, Data copied) first. The
//     same holds for a tensor that keep reached once: hold it through keep
//     or copy it.
//   - During Backward, gradients of intermediate results and the
//     temporaries of backward rules are recycled as soon as nothing in the
//     pass can read them (reference counts of the walk's table; a view from
//     inside a buffer pins it to the step's end).
//   - With RecycleForward, Backward also recycles each op's result once
//     its backward rule has run, except what keep reaches. That is only
//     safe for a step that reads nothing of its forward pass after
//     Backward, as the trainer's loss steps do.
//   - Other goroutines' tensors never come from the arena, and ops that
//     write every element skip the zeroing of a recycled buffer.
//   - A request takes a free buffer of its own size or else the smallest
//     free one of up to twice its size, cut to length, so the arena holds
//     about a step's peak rather than the peak of every size apart.
//
// The trainer, the bench workloads and the diffusion samplers use one.
// ARTIFEX_ARENA=off turns arenas off for a run; ARTIFEX_ARENA=poison fills
// recycled buffers with NaN, so that a tensor used after its step shows up.
// Tests train every zoo preset and draw with every sampler both ways and
// compare the results bit for bit.
//
// t.Backward() on a scalar does three things. It sorts the graph below t
// topologically. It runs the backward rules from t down, with recording
// off. It adds each leaf's gradient to the leaf's Grad. Gradients
// accumulate across calls until ZeroGrad, as in PyTorch.
//
// Grad(outputs, inputs, createGraph) returns gradients without touching
// any Grad field. With createGraph the backward rules are recorded too.
// Because the rules are written with differentiable ops, the gradient can
// itself be differentiated: gradient penalties (WGAN-GP), Hessian-vector
// products, the divergence of a score. Some ops have a fused kernel as
// their fast backward (the activations, GroupNorm). They switch to a rule
// composed of ops when GradEnabled reports that the backward pass is being
// recorded, so second derivatives stay exact. Tests check every op's
// gradient against finite differences (gradcheck_test.go,
// secondorder_test.go) and against PyTorch (golden_ops_test.go).
//
// # Gradient recording scope
//
// NoGrad(fn) runs fn with recording off. Sampling and evaluation use it, so
// they create no nodes and keep no graph alive. The switch belongs to the
// goroutine that calls NoGrad, not to the process. A server can sample in
// one goroutine while another fine-tunes the same parameters, and data
// parallel ranks can run as goroutines. EnableGrad(fn) turns recording back
// on inside NoGrad, for samplers that follow input gradients (Langevin
// dynamics). Neither reaches a goroutine that fn starts: such a goroutine
// records unless it calls NoGrad itself.
//
// Go has no goroutine-local storage. So the package keeps the set of
// goroutines inside NoGrad, keyed by an identity that internal/goroutine
// reads from the runtime. On amd64 and arm64 that identity is the g
// pointer. Elsewhere it is the goroutine number that runtime.Stack prints,
// which costs about a microsecond. While no NoGrad runs anywhere the set is
// nil, and the check costs one atomic load per op. While one does, the
// check costs a few nanoseconds. The obvious alternatives fail. An explicit
// context would change the signature of every op and model call. A mark
// carried by tensors cannot work, because a sampler reads the very tensors
// that the trainer is differentiating.
//
// Reading tensors from several goroutines is safe. Writing is not: an
// optimizer's in-place step races with a forward pass that reads the same
// weights in another goroutine. Order the two, or sample from a copy (EMA
// weights).
//
// # Kernels
//
// The loops that dominate run time live in internal/kernels, apart from the
// API, and write into destinations that the caller owns:
//
//   - Sgemm serves MatMul and the convolutions. A convolution is im2col,
//     GEMM and col2im, with the batch split across cores.
//   - Vector slice kernels serve Exp and the transcendental activations
//     (Tanh, Sigmoid, SiLU, GELU, GELUTanh, Softplus, GroupNormSiLU), the
//     forward passes and, for those whose derivative needs exponentials,
//     the fused backward g·f'(x) in one pass over x.
//   - Vector add, subtract, multiply (by a tensor or a scalar), sum and fill
//     kernels serve the arithmetic ops, SumTo and the convolutions' bias; the
//     ops split large outputs, broadcast or not, over cores.
//   - Scalar float32 Exp, Log and Tanh serve the other elementwise ops and
//     the losses.
//   - A fused LeakyReLU serves that activation.
//   - optim uses the Adam update.
//
// Assembly (AVX-512, AVX2+FMA, AVX) sits beside a portable Go twin, and one
// CPU feature check picks between them at start-up. Building with -tags
// noasm, or for another architecture, compiles only the twins. Some ops'
// loops are the op itself (softmax, pooling, group norm, permutes). Those
// loops stay here beside their backward rules and split their work with
// kernels.Parallel. ARTIFEX_THREADS caps how many goroutines the kernels
// use; the default is GOMAXPROCS.
package tensor
