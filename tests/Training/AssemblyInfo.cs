// libtorch's default generator is process-global: an algorithm seeds it (manual_seed) and then draws its
// initial weights from it, so two test classes building networks at the same time would interleave their
// draws and "same seed, same result" would fail by chance. Training tests therefore run one at a time
// (each already keeps both cores busy inside libtorch).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
