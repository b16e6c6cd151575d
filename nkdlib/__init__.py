"""nkdlib: knowledge distillation under label noise, one small library for three papers.

The data path, module by module:
    datasets  readers, one per data family (GLUE, SST-5, FewRel, CIFAR, digits) -> Raw
    tasks     the pipeline: classes, subsets, noisy valid split, label noise -> Task
    noise     symmetric / uniform / pairflip label corruption
    models    text classifiers (hub or offline MiniLM) and CIFAR ResNets / ShuffleNetV2
    inputs    tokenised text and device-resident images, batched
    losses    every target and loss of the papers, one function each
    methods   paper method name -> per-model losses on a batch; the RunView methods see
    config    run configs: defaults, recipes, checks
    train     the one training loop (Trainer) and `run`: data -> trainer -> run store
    runs      run store: locked, resumable runs keyed by config hash, gathered into a DataFrame
    grid      many runs at once on Ray (or one after another)
    report    tables (mean ± std, Wilcoxon) and figures
    session   what every notebook sets up; notebooks: runs them with papermill
    files     the cache folder and atomic writes
"""
