"""nkdlib: knowledge distillation under label noise, one small library for three papers.

The data path, module by module:
    data      tasks (GLUE, SST-5, FewRel, CIFAR, digits), train/valid/test splits
    noise     symmetric / pairflip label corruption
    models    text classifiers (hub or offline MiniLM) and CIFAR ResNets / ShuffleNetV2
    inputs    tokenised text and device-resident images, batched
    losses    every target and loss of the papers, one function each
    methods   paper method name -> per-model losses on a batch
    train     the one training loop, configs and recipes
    runs      run store: resumable runs keyed by config hash, gathered into a DataFrame
    report    tables (mean ± std, Wilcoxon) and figures
"""
