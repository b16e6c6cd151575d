"""Targets and losses of every method, one small function per formula.

Papers: CMD = Li et al., *Not All Knowledge Is Created Equal*; label-reg =
Kobyzev et al., *Do we need label regularization to fine-tune PLMs?*;
noisy-KD = Bhardwaj et al., *Knowledge Distillation with Noisy Labels for NLU*.

Conventions:
- logits: (N, C) float; labels: (N,) long; probabilities / targets: (N, C).
- q = one_hot(labels), u = uniform, p = softmax(logits), H(t, p) = -sum_k t_k log p_k,
  H(p) = H(p, p), KL(a || b) = sum_k a_k log(a_k / b_k), sg = stop-gradient.
- A mixing weight always multiplies the soft (non-label) term:
  target = (1 - w) * q + w * other.
- Targets built from predictions are detached here, so gradients never flow
  into them; losses return the batch mean (a scalar) unless stated.
- A self-KD method (CMD Table 2) trains on H(q~, p), q~ its refined label: one_hot, or a
  *_target function here (ls, cp, boot_soft, proselflc, mconf); nkdlib.methods picks it.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F


# ---------------------------------------------------------------- building blocks

def one_hot(labels, num_classes):
    """q: labels (N,) long -> (N, C) float one-hot."""
    return F.one_hot(labels, num_classes).float()


def entropy(probs):
    """H(p) = -sum_k p_k log p_k per row, natural log, 0 log 0 = 0.

    probs: (N, C) -> (N,).
    log is taken of p clamped to the dtype's smallest normal number: the value
    is unchanged (0 * finite = 0) and, unlike xlogy, the gradient at p = 0 is
    finite rather than nan.
    """
    log_p = probs.clamp_min(torch.finfo(probs.dtype).tiny).log()
    return -(probs * log_p).sum(dim=-1)


def soft_cross_entropy(logits, target_probs):
    """mean_i sum_k -t_ik log softmax(z_i)_k.

    logits: (N, C); target_probs: (N, C), used as given: it is not detached and
    not renormalised (CP's refined label has negative entries and sums to 1 - 2β).
    """
    return -(target_probs * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()


def kl_div(p_probs, logits):
    """mean_i KL(p_i || softmax(z_i)), p detached.

    p_probs: (N, C) reference distribution (zeros allowed); logits: (N, C).
    """
    p = p_probs.detach()
    return (torch.xlogy(p, p) - p * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()


def _mix(labels, other, w):
    """(1 - w) q + w * other; other: (N, C); w: a float or a per-sample (N, 1) tensor."""
    return (1.0 - w) * one_hot(labels, other.shape[-1]).to(other.dtype) + w * other


# ---------------------------------------------------------------- single-model losses

def ce(logits, labels):
    """H(q, p): cross-entropy with the annotated label (label-reg eq. 1's first term;
    noisy-KD eq. 1's L_CE; CMD Table 2's CE)."""
    return F.cross_entropy(logits, labels)


def ls_target(labels, num_classes, w):
    """(1 - w) q + w u: label smoothing target (label-reg eq. 3; CMD Table 2); LS's loss is
    H(target, p). -> (N, C)."""
    return (1.0 - w) * one_hot(labels, num_classes) + w / num_classes


def tf_reg_teacher(labels, num_classes, a):
    """Virtual teacher p_d(k) = a if k = c else (1 - a) / (K - 1) (label-reg eq. 4). -> (N, C)."""
    off = (1.0 - a) / (num_classes - 1)
    return one_hot(labels, num_classes) * (a - off) + off


def tf_reg(logits, labels, w=0.5, a=0.95, temperature=1.0):
    """Teacher-free regularisation (TF-reg, Yuan et al. 2020) with the virtual teacher p_d (tf_reg_teacher).

    T = temperature == 1: label-reg eq. 5 (its GLUE setting w=0.5, a=0.95, T=1):
        H((1 - w) q + w p_d, p) = (1 - w) H(q, p) + w H(p_d, p).
    T != 1: the form of Yuan et al.'s released code (``loss_kd_regularization``,
    my_loss_function.py), which label-reg follows on CIFAR-100 (Table 13: T=20,
    w=0.1; the code's a = 0.99):
        (1 - w) H(q, p) + w KL(softmax(p_d / T) || p),   p = softmax(z).
    The teacher's *probabilities* p_d are divided by T and re-softmaxed; the
    student is not divided by T and there is no T^2. KL is summed over classes
    and averaged over the batch; the code averages nn.KLDivLoss over batch and
    classes, then multiplies by ``multiplier`` (100 for CIFAR-100): the same
    value when multiplier = K, multiplier / K times this one otherwise.
    The forms do not meet at T = 1: the code's would use softmax(p_d), a far
    flatter teacher than p_d (K = 2, a = 0.95: [0.71, 0.29] against [0.95, 0.05]).
    Limits of the T != 1 form: T -> inf gives teacher u, so the loss is
    H((1 - w) q + w u, p) - w log K (label smoothing up to a constant);
    T -> 0 gives teacher q, so the loss is H(q, p).
    logits: (N, C); labels: (N,).
    """
    p_d = tf_reg_teacher(labels, logits.shape[-1], a).to(logits.dtype)
    if temperature == 1.0:
        return soft_cross_entropy(logits, _mix(labels, p_d, w))
    return (1.0 - w) * ce(logits, labels) + w * kl_div(F.softmax(p_d / temperature, dim=-1), logits)


def cp(logits, labels, beta):
    """H(q, p) - β H(p): confidence penalty (Pereyra et al.; CMD Table 2).

    The gradient flows through H(p) too: the penalty is what pushes p away from
    over-confidence.
    """
    log_p = F.log_softmax(logits, dim=-1)
    h_p = -(log_p.exp() * log_p).sum(dim=-1)  # log_p is finite, so no 0 * -inf
    return ce(logits, labels) - beta * h_p.mean()


def cp_target(logits, labels, beta):
    """(1 - β) q - β sg(p): the confidence penalty's refined label (CMD Table 2), what a mutual
    method's peer learns from. Not a distribution: it sums to 1 - 2β. -> (N, C)."""
    return _mix(labels, -F.softmax(logits.detach(), dim=-1), beta)


def boot_soft_target(logits, labels, eps):
    """(1 - ε) q + ε sg(p): soft bootstrapping target with a fixed ε (Reed et al. 2015; CMD
    Table 2); Boot-soft's loss is H(target, p). -> (N, C)."""
    return _mix(labels, F.softmax(logits.detach(), dim=-1), eps)


def logistic(x, b):
    """h(λ, b) = 1 / (1 + exp(-λ b)) (CMD eq. 5 and 12). Floats in -> float; tensors -> tensor."""
    if torch.is_tensor(x):
        return torch.sigmoid(x * b)
    z = float(x) * float(b)
    # Two branches so that math.exp never overflows for large |z|.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _sample_confidence(probs):
    """l(p) = 1 - H(p) / H(u), H(u) = log C (CMD eq. 5). probs: (N, C) -> (N,), detached."""
    probs = probs.detach()
    return 1.0 - entropy(probs) / math.log(probs.shape[-1])


def proselflc_epsilon(probs, progress, b1):
    """ProSelfLC trust ε = g(t) l(p), g(t) = h(t/Γ - 0.5, b1) (CMD eq. 5; Wang et al. 2021).

    probs: (N, C); progress = t/Γ in [0, 1]. -> (N,), detached.
    g runs from h(-0.5, b1) at t/Γ = 0 through 1/2 at t/Γ = 1/2 to h(0.5, b1)
    at t/Γ = 1 (b1 = 6: 0.0474, 0.5, 0.9526). ProSelfLC's released code counts
    t from 1 (epochs, or iterations over all epochs), so its t/Γ runs 1/Γ .. 1.
    """
    return logistic(progress - 0.5, b1) * _sample_confidence(probs)


def proselflc_target(logits, labels, progress, b1):
    """(1 - ε) q + ε sg(p), ε = proselflc_epsilon(p, progress, b1) per sample: ProSelfLC's
    refined label (Wang et al. 2021; CMD Table 2). -> (N, C), detached."""
    p = F.softmax(logits.detach(), dim=-1)
    return _mix(labels, p, proselflc_epsilon(p, progress, b1).unsqueeze(-1))


def mconf_confidence(entropy_sum, n, num_classes):
    """Model confidence r = 1 - sum_i H(p_i) / (n H(u)), H(u) = log C (CMD eq. 6).

    entropy_sum: sum_i H(p_i) over the model's n predictions of a full pass over the
    training set (a float).
    """
    return 1 - entropy_sum / (n * np.log(num_classes))


def mconf_epsilon(probs, r, b1, rho=0.5):
    """Mconf trust ε = g(r) l(p), g(r) = h(r - ρ, b1) (CMD eq. 6-7).

    probs: (N, C); r from mconf_confidence. -> (N,), detached.
    """
    return logistic(r - rho, b1) * _sample_confidence(probs)


def mconf_target(logits, labels, r, b1, rho):
    """(1 - ε) q + ε sg(p), ε = mconf_epsilon(p, r, b1, rho) per sample: Mconf's refined
    label (CMD eq. 6-7, Table 2). -> (N, C), detached."""
    p = F.softmax(logits.detach(), dim=-1)
    return _mix(labels, p, mconf_epsilon(p, r, b1, rho).unsqueeze(-1))


# ---------------------------------------------------------------- teacher -> student

def kd(student_logits, labels, teacher_logits, w=0.5, tau=1.0):
    """(1 - w) H(q, p_s) + w τ^2 KL(p_t^τ || p_s^τ), p^τ = softmax(z / τ).

    Hinton et al. 2015; label-reg eq. 1 (w=0.5, τ=1). The τ^2 keeps the soft
    term's gradient scale independent of τ. Teacher detached.
    student_logits, teacher_logits: (N, C); labels: (N,).
    """
    p_t = F.softmax(teacher_logits.detach() / tau, dim=-1)
    return (1.0 - w) * ce(student_logits, labels) + w * tau * tau * kl_div(p_t, student_logits / tau)


def sym_kl(logits_a, logits_b):
    """mean_i KL(p_a || p_b) + KL(p_b || p_a) = mean_i sum_k (p_a - p_b)(log p_a - log p_b).

    noisy-KD eq. 1's L_KD, "the forward and reverse KL".
    Symmetric in value; logits_a is the detached reference, so the gradient
    flows only into logits_b. logits_a, logits_b: (N, C).
    """
    log_a = F.log_softmax(logits_a.detach(), dim=-1)
    log_b = F.log_softmax(logits_b, dim=-1)
    return ((log_a.exp() - log_b.exp()) * (log_a - log_b)).sum(dim=-1).mean()


def kd_sym(student_logits, labels, teacher_logits, w):
    """(1 - w) H(q, p_s) + w [KL(p_t || p_s) + KL(p_s || p_t)] (noisy-KD eq. 1).

    Vanilla KD and the co-distillation loss of noisy-KD. The paper writes
    α L_CE + (1 - α) L_KD, with α weighting the CE term: our w = 1 - α.
    Teacher detached.
    """
    return (1.0 - w) * ce(student_logits, labels) + w * sym_kl(teacher_logits, student_logits)


# ---------------------------------------------------------------- mutual / ensemble

def mkd(logits, target, peer_logits, eps):
    """(1 - ε) H(target, p_k) + ε KL(sg(p_j) || p_k) (CMD eq. 1-3).

    Per-model loss of SyncMKD / AsyncMKD (DML). logits: (N, C) of model k;
    target: (N, C) refined label, usually one_hot(labels) (detached here);
    peer_logits: (N, C) of model j (detached).
    """
    p_j = F.softmax(peer_logits.detach(), dim=-1)
    return (1.0 - eps) * soft_cross_entropy(logits, target.detach()) + eps * kl_div(p_j, logits)


def kdcl_target(logits_list):
    """KDCL ensemble teacher softmax(mean_m z_m) (Guo et al. 2020; CMD §2.2), detached.

    logits_list: M tensors of shape (N, C) -> (N, C).
    """
    return F.softmax(torch.stack([z.detach() for z in logits_list]).mean(dim=0), dim=-1)


def kdcl(logits, labels, ensemble_probs, w=0.5):
    """(1 - w) H(q, p) + w KL(ens || p): one KDCL student's loss (Guo et al. 2020; CMD §2.2).

    ensemble_probs: (N, C), from kdcl_target.
    """
    return (1.0 - w) * ce(logits, labels) + w * kl_div(ensemble_probs, logits)


# ---------------------------------------------------------------- CMD

def cmd_threshold(num_classes, eta, progress, b2):
    """χ = H(u)/η · 2 h(t/Γ - 0.5, b2), H(u) = log C (CMD eq. 12). -> float.

    b2 = 0: static (CMD-S), χ = H(u)/η; b2 > 0: χ rises with progress; b2 < 0:
    χ falls (CMD-P default). η in (0, 1] -> χ >= H(u) at progress 0.5 ("All";
    a uniform p, H = H(u), passes only if χ > H(u)); η = inf -> 0.0 and η < 0 ->
    negative ("Zero": no entropy is below it). η = 0 is a ValueError.
    progress = t/Γ, t the epoch and Γ the number of epochs (CMD eq. 12), so
    2 h(t/Γ - 0.5, b2) runs from 2 h(-0.5, b2) to 2 h(0.5, b2): b2 = -6 gives
    1.9051 .. 1 .. 0.0949 at t/Γ = 0, 1/2, 1.
    """
    if eta == 0 or math.isnan(eta):
        raise ValueError(f"eta must be nonzero (use inf for zero knowledge), got {eta}")
    return math.log(num_classes) / eta * 2.0 * logistic(progress - 0.5, b2)


def _cmd_masks(p_a, p_b, threshold):
    """(B's confident samples, A's confident samples): H(p_B) < χ and H(p_A) < χ (CMD eq. 8-9), (N,) bool."""
    return entropy(p_b.detach()) < threshold, entropy(p_a.detach()) < threshold


def cmd_selected(p_a, p_b, threshold):
    """(n_b2a, n_a2b): how many samples B passes to A (H(p_B) < χ) and A to B (H(p_A) < χ), 0-d tensors.

    The conditions of CMD eq. 8-9; the counts of CMD Fig. 2.
    """
    to_a, to_b = _cmd_masks(p_a, p_b, threshold)
    return to_a.sum(), to_b.sum()   # 0-d tensors: no host sync per step


def selected_sum(values, mask, graph_safe=False):
    """sum_{i: mask_i} values_i. values: (N,); mask: (N,) bool. By boolean indexing (a
    data-dependent shape: the published runs' arithmetic) or, graph_safe, as the sum of
    where(mask, values, 0) (fixed shapes, no host sync: a CUDA graph can hold it; the same
    terms summed in another order, so the last bits may differ)."""
    return torch.where(mask, values, 0.0).sum() if graph_safe else values[mask].sum()


def cmd_losses(q_a, q_b, p_a, p_b, threshold, graph_safe=False):
    """(L_B2A, L_A2B) of CMD eq. 8-9 with the semantics of CMD appendix C.

    q_a, q_b: (N, C) refined labels of models A and B (detached here);
    p_a, p_b: (N, C) probabilities of A and B; threshold: χ (a float or a 0-d tensor).
    L_B2A = sum_{i: H(p_B,i) < χ} sum_k q_B,ik (-log p_A,ik) / N, and
    L_A2B = sum_{i: H(p_A,i) < χ} sum_k q_A,ik (-log p_B,ik) / N,
    N the batch size (not the number selected), as appendix C.
    Appendix C uses log(p + 1e-6), which biases every term; here the entropies
    (``entropy``) and -log p clamp p to the dtype's smallest normal number
    instead, so values are exact for p > 0 and an exact zero gives a large
    finite -log p instead of inf. graph_safe: the sums as in ``selected_sum``.
    """
    to_a, to_b = _cmd_masks(p_a, p_b, threshold)
    n = p_a.shape[0]
    tiny = torch.finfo(p_a.dtype).tiny
    nll_a = -torch.log(p_a.clamp_min(tiny))
    nll_b = -torch.log(p_b.clamp_min(tiny))
    loss_b2a = selected_sum((q_b.detach() * nll_a).sum(dim=-1), to_a, graph_safe) / n
    loss_a2b = selected_sum((q_a.detach() * nll_b).sum(dim=-1), to_b, graph_safe) / n
    return loss_b2a, loss_a2b


def cmd_mean_losses(q_a, q_b, p_a, p_b, threshold):
    """(L_A, L_B): CMD eq. 10 in its averaged form, the whole loss of each model.

    Eq. 10 writes L_A = H(q~_A, p_A) + H(q~_B, p_A) = 2 E_{(q~_A + q~_B)/2}(-log p_A); this
    form drops the 2: model A's target is (q~_A + q~_B)/2 on samples B is confident on
    (H(p_B) < χ) and q~_A elsewhere,
        L_A = mean_i H(t_A,i, p_A,i),  t_A,i = (q~_A,i + m_i q~_B,i) / (1 + m_i),  m_i = [H(p_B,i) < χ],
    so passing knowledge changes the target, not the loss scale (ours: tests whether eq.
    10's sum, which doubles the label term where everything passes, acts as a larger lr).
    q_a, q_b: (N, C) refined labels (distributions; detached here); p_a, p_b: (N, C).
    """
    to_a, to_b = _cmd_masks(p_a, p_b, threshold)
    q_a, q_b = q_a.detach(), q_b.detach()
    tiny = torch.finfo(p_a.dtype).tiny
    m_a, m_b = to_a.to(q_a.dtype).unsqueeze(-1), to_b.to(q_b.dtype).unsqueeze(-1)
    t_a, t_b = (q_a + m_a * q_b) / (1 + m_a), (q_b + m_b * q_a) / (1 + m_b)
    loss_a = (t_a * -torch.log(p_a.clamp_min(tiny))).sum(-1).mean()
    loss_b = (t_b * -torch.log(p_b.clamp_min(tiny))).sum(-1).mean()
    return loss_a, loss_b


# ---------------------------------------------------------------- co-teaching

def co_teaching_forget_rate(epoch, rate, ramp_epochs=10):
    """Forget rate of Co-teaching in 0-based training epoch ``epoch`` (Han et al. 2018).

    As Han et al.'s released main.py: ``rate_schedule = ones(n_epoch) * r;
    rate_schedule[:T_k] = linspace(0, r, T_k)``, read at their epoch index,
    which is 1 for the first trained epoch (index 0 is the untrained model).
    Our epoch e is their index e + 1, so with T_k = ramp_epochs:
        forget(e) = linspace(0, r, T_k)[e + 1] = r (e + 1) / (T_k - 1)  if e + 1 < T_k,
                    r                                                     otherwise.
    The first trained epoch already forgets r / (T_k - 1), and r is reached at
    e = T_k - 2 (the 9th trained epoch for T_k = 10). ramp_epochs <= 1: r from
    the start. Their exponent c of r^c (default 1) is not supported.
    """
    i = epoch + 1
    return float(np.linspace(0.0, rate, ramp_epochs)[i]) if i < ramp_epochs else rate


def co_teaching_losses(logits_a, logits_b, labels, forget_rate):
    """(loss_a, loss_b, kept) of Co-teaching (Han et al. 2018, Algorithm 1; CMD Table 4 baseline).

    Each model ranks the batch by its own per-sample CE and keeps its
    kept = max(1, int((1 - forget_rate) N)) smallest-loss samples; its PEER
    trains on them:
        loss_a = mean_{i in D_B} H(q_i, p_A,i),  loss_b = mean_{i in D_A} H(q_i, p_B,i),
    D_M the samples model M keeps. int() truncates, as ``num_remember`` in Han
    et al.'s loss.py; the max(1, .) only replaces their empty selection (nan).
    kept is the number of samples in each loss. Their loss.py also divides the
    mean by num_remember once more; here the loss is the plain mean.
    forget_rate: a float in [0, 1): the kept samples are gathered by index (the
    published runs' arithmetic; kept an int); or a 0-d float64 tensor: graph-safe,
    the same samples as a rank mask (rank < kept, kept a 0-d tensor), summed in
    another order (``selected_sum``), with no host sync and fixed shapes.
    logits_a, logits_b: (N, C); labels: (N,).
    """
    graph_safe = torch.is_tensor(forget_rate)
    if not graph_safe and not 0.0 <= forget_rate < 1.0:
        raise ValueError(f"forget_rate must be in [0, 1), got {forget_rate}")
    ce_a = F.cross_entropy(logits_a, labels, reduction="none")
    ce_b = F.cross_entropy(logits_b, labels, reduction="none")
    n = labels.shape[0]
    # stable sort: ties resolve by index, so the selection is deterministic
    order_a = torch.argsort(ce_a.detach(), stable=True)
    order_b = torch.argsort(ce_b.detach(), stable=True)
    if not graph_safe:
        kept = max(1, int((1.0 - forget_rate) * n))
        return ce_a[order_b[:kept]].mean(), ce_b[order_a[:kept]].mean(), kept
    kept = ((1.0 - forget_rate) * n).floor().clamp_min(1).long()   # in float64, as the float path
    rank = torch.arange(n, device=labels.device)
    by_a = torch.empty_like(rank).scatter_(0, order_a, rank) < kept   # sample i's rank among A's losses < kept
    by_b = torch.empty_like(rank).scatter_(0, order_b, rank) < kept
    return selected_sum(ce_a, by_b, True) / kept, selected_sum(ce_b, by_a, True) / kept, kept
