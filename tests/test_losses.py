"""Each loss against hand-computed cases and its limiting cases.

The running example: 2-class logits [0, ln 3] give p = [1/4, 3/4], so
-log p = [ln 4, ln(4/3)] = [1.386294, 0.287682] and H(p) = 0.562335.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nkdlib import losses as L

LN3 = math.log(3.0)
NLL = (math.log(4.0), math.log(4.0 / 3.0))  # -log p for p = [1/4, 3/4]
H_P = 0.5623351446188083  # H([1/4, 3/4])


def z13():
    """(1, 2) logits [0, ln 3] -> p = [0.25, 0.75]."""
    return torch.tensor([[0.0, LN3]])


def z31():
    """(1, 2) logits [ln 3, 0] -> p = [0.75, 0.25]."""
    return torch.tensor([[LN3, 0.0]])


def rand_batch(n=8, c=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, generator=g) * 2, torch.randint(0, c, (n,), generator=g)


def close(a, b, tol=1e-5):
    a, b = (x.detach() if torch.is_tensor(x) else x for x in (a, b))
    return abs(float(a) - float(b)) < tol


# ---------------------------------------------------------------- building blocks

def test_one_hot():
    q = L.one_hot(torch.tensor([2, 0]), 3)
    assert q.dtype == torch.float32
    assert torch.equal(q, torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]))


def test_entropy_by_hand_and_with_zeros():
    probs = torch.tensor([[0.25, 0.75], [1.0, 0.0], [0.5, 0.5]], requires_grad=True)
    h = L.entropy(probs)
    assert h.shape == (3,)
    assert close(h[0], H_P) and h[1] == 0.0 and close(h[2], math.log(2))
    assert close(L.entropy(torch.full((1, 4), 0.25))[0], math.log(4))
    h.sum().backward()
    assert torch.isfinite(probs.grad).all()  # xlogy would give nan at p = 0


def test_soft_cross_entropy_by_hand():
    # t = [1/2, 1/2]: 0.5 ln 4 + 0.5 ln 4/3
    assert close(L.soft_cross_entropy(z13(), torch.tensor([[0.5, 0.5]])), 0.5 * NLL[0] + 0.5 * NLL[1])
    # a non-distribution target (CP's refined label) is used as is, not renormalised
    assert close(L.soft_cross_entropy(z13(), torch.tensor([[1.0, -0.5]])), NLL[0] - 0.5 * NLL[1])


def test_kl_div_by_hand_zero_and_detached():
    # KL([1/2, 1/2] || [1/4, 3/4]) = 0.5 ln 2 + 0.5 ln(2/3)
    assert close(L.kl_div(torch.tensor([[0.5, 0.5]]), z13()), 0.5 * math.log(2) + 0.5 * math.log(2 / 3))
    # an exact zero in p contributes 0: KL([0, 1] || [1/4, 3/4]) = ln 4/3
    p = torch.tensor([[0.0, 1.0]], requires_grad=True)
    z = z13().requires_grad_()
    loss = L.kl_div(p, z)
    assert close(loss, NLL[1])
    loss.backward()
    assert p.grad is None and torch.isfinite(z.grad).all()
    assert close(L.kl_div(F.softmax(z13(), -1), z13()), 0.0)


# ---------------------------------------------------------------- single-model losses

def test_ce_by_hand():
    assert close(L.ce(z13(), torch.tensor([1])), NLL[1])
    assert close(L.ce(z13(), torch.tensor([0])), NLL[0])


def ls(z, y, w):
    """Label smoothing's loss as training computes it (nkdlib.methods.LS): H(ls_target, p)."""
    return L.soft_cross_entropy(z, L.ls_target(y, z.shape[-1], w))


def test_ls_by_hand_and_w0():
    # w = 0.1, C = 2, label 1: target [0.05, 0.95]
    assert torch.allclose(L.ls_target(torch.tensor([1]), 2, 0.1), torch.tensor([[0.05, 0.95]]))
    assert close(ls(z13(), torch.tensor([1]), w=0.1), 0.05 * NLL[0] + 0.95 * NLL[1])
    z, y = rand_batch()
    assert close(ls(z, y, w=0.0), L.ce(z, y))


def test_tf_reg_teacher():
    p_d = L.tf_reg_teacher(torch.tensor([2, 0]), 4, 0.7)
    assert torch.allclose(p_d, torch.tensor([[0.1, 0.1, 0.7, 0.1], [0.7, 0.1, 0.1, 0.1]]))


def test_tf_reg_glue_form_by_hand():
    # T = 1, w = 0.5, a = 0.95, label 1: p_d = [0.05, 0.95] -> target [0.025, 0.975]
    loss = L.tf_reg(z13(), torch.tensor([1]), w=0.5, a=0.95)
    assert close(loss, 0.025 * NLL[0] + 0.975 * NLL[1])


def tf_reg_hand_case():
    """2 samples, 3 classes, a = 0.9, T = 0.85 / ln 2.

    p_d = [0.05, 0.05, 0.9] (label 2) and [0.05, 0.9, 0.05] (label 1); the label
    entry exceeds the others by 0.85, so softmax(p_d / T) puts e^(ln 2) = 2 : 1 : 1
    on them: teacher t = [1/4, 1/4, 1/2] and [1/4, 1/2, 1/4].
    Logits [0, 0, ln 2] and [ln 3, 0, 0]: p = [1/4, 1/4, 1/2] and [3/5, 1/5, 1/5].
    """
    z = torch.tensor([[0.0, 0.0, math.log(2)], [LN3, 0.0, 0.0]])
    return z, torch.tensor([2, 1]), 0.9, 0.85 / math.log(2)


def test_tf_reg_temperature_form_by_hand():
    z, y, a, t = tf_reg_hand_case()
    # CE: -log 1/2 and -log 1/5;  KL: sample 0 has p = t, so 0; sample 1:
    # 1/4 ln((1/4)/(3/5)) + 1/2 ln((1/2)/(1/5)) + 1/4 ln((1/4)/(1/5))
    ce = (math.log(2) + math.log(5)) / 2  # 1.151293
    kl = (0.0 + 0.25 * math.log(5 / 12) + 0.5 * math.log(5 / 2) + 0.25 * math.log(5 / 4)) / 2  # 0.147532
    assert close(kl, 0.147532)
    loss = L.tf_reg(z.requires_grad_(), y, w=0.1, a=a, temperature=t)
    assert close(loss, 0.9 * ce + 0.1 * kl) and close(loss, 1.050917)
    # gradient: ((1 - w)(p - q) + w (p - t)) / N per sample; sample 0 has p = t
    loss.backward()
    expected = torch.tensor([
        [0.9 * 0.25, 0.9 * 0.25, 0.9 * -0.5],
        [0.9 * 0.6 + 0.1 * (0.6 - 0.25), 0.9 * -0.8 + 0.1 * (0.2 - 0.5), 0.9 * 0.2 + 0.1 * (0.2 - 0.25)],
    ]) / 2
    assert torch.allclose(z.grad, expected, atol=1e-6)


def yuan_loss_kd_regularization(outputs, labels, alpha, T, multiplier, correct_prob=0.99):
    """Yuan et al.'s my_loss_function.loss_kd_regularization, line for line (minus .cuda())."""
    loss_CE = F.cross_entropy(outputs, labels)
    K = outputs.size(1)
    teacher_soft = torch.ones_like(outputs)
    teacher_soft = teacher_soft * (1 - correct_prob) / (K - 1)  # p^d(k)
    for i in range(outputs.shape[0]):
        teacher_soft[i, labels[i]] = correct_prob
    loss_soft_regu = torch.nn.KLDivLoss()(F.log_softmax(outputs, dim=1),
                                          F.softmax(teacher_soft / T, dim=1)) * multiplier
    return (1.0 - alpha) * loss_CE + alpha * loss_soft_regu


@pytest.mark.filterwarnings("ignore:reduction:UserWarning")  # KLDivLoss's 'mean', as Yuan's code
@pytest.mark.parametrize("seed", range(3))
def test_tf_reg_matches_yuan_code_on_cifar100(seed):
    # CIFAR-100 setting (label-reg Table 13; Yuan's base_resnet18/params.json):
    # alpha 0.1, T 20, multiplier 100 = K, so their batch-and-class mean is our per-sample KL
    z, y = rand_batch(n=16, c=100, seed=seed)
    z = z * 3
    theirs = yuan_loss_kd_regularization(z, y, alpha=0.1, T=20.0, multiplier=100.0)
    assert close(L.tf_reg(z, y, w=0.1, a=0.99, temperature=20.0), theirs)


@pytest.mark.parametrize("temperature", [1.0, 20.0])
def test_tf_reg_w0_is_ce(temperature):
    z, y = rand_batch()
    assert close(L.tf_reg(z, y, w=0.0, temperature=temperature), L.ce(z, y))


def test_tf_reg_temperature_limits():
    z, y = rand_batch()
    for w in (0.1, 0.5):
        # T -> inf: teacher -> u, so label smoothing minus the constant w H(u)
        assert close(L.tf_reg(z, y, w=w, a=0.99, temperature=1e6), ls(z, y, w=w) - w * math.log(5))
        # T -> 0: teacher -> q, so plain CE
        assert close(L.tf_reg(z, y, w=w, a=0.99, temperature=1e-3), L.ce(z, y))


def test_cp_by_hand_and_gradient_through_entropy():
    # H(q, p) - 0.5 H(p) with label 1
    assert close(L.cp(z13(), torch.tensor([1]), beta=0.5), NLL[1] - 0.5 * H_P)
    z, y = rand_batch()
    assert close(L.cp(z, y, beta=0.0), L.ce(z, y))
    z1 = z.clone().requires_grad_()
    L.cp(z1, y, beta=0.5).backward()
    z2 = z.clone().requires_grad_()
    p = F.softmax(z2, -1)
    (F.cross_entropy(z2, y) + 0.5 * (p * p.log()).sum(-1).mean()).backward()
    assert torch.allclose(z1.grad, z2.grad, atol=1e-6)


def test_cp_target_by_hand():
    # beta = 0.3, label 0: 0.7 [1, 0] - 0.3 [1/4, 3/4]; sums to 1 - 2 beta
    target = L.cp_target(z13(), torch.tensor([0]), 0.3)
    assert torch.allclose(target, torch.tensor([[0.625, -0.225]])) and close(target.sum(), 0.4)
    z, y = rand_batch()
    assert torch.allclose(L.cp_target(z, y, 0.0), F.one_hot(y, 5).float())
    assert not L.cp_target(z.requires_grad_(), y, 0.5).requires_grad


def boot_soft(z, y, eps):
    """Boot-soft's loss as training computes it (nkdlib.methods.BootSoft): H(boot_soft_target, p)."""
    return L.soft_cross_entropy(z, L.boot_soft_target(z, y, eps))


def test_boot_soft_by_hand_eps0_and_detached():
    # eps = 0.5, label 0: target 0.5 [1, 0] + 0.5 [1/4, 3/4] = [0.625, 0.375]
    assert close(boot_soft(z13(), torch.tensor([0]), eps=0.5), 0.625 * NLL[0] + 0.375 * NLL[1])
    z, y = rand_batch()
    assert close(boot_soft(z, y, eps=0.0), L.ce(z, y))
    zg = z.clone().requires_grad_()
    assert not L.boot_soft_target(zg, y, 0.5).requires_grad
    # the gradient is that of CE against a constant target
    boot_soft(zg, y, 0.5).backward()
    target = 0.5 * F.one_hot(y, 5) + 0.5 * F.softmax(z, -1)
    expected = (F.softmax(z, -1) - target) / z.shape[0]
    assert torch.allclose(zg.grad, expected, atol=1e-6)


def test_logistic():
    assert L.logistic(0.0, 7.0) == 0.5
    assert close(L.logistic(1.0, LN3), 0.75)  # 1 / (1 + 1/3)
    assert isinstance(L.logistic(0.3, 2.0), float)
    assert L.logistic(-1000.0, 10.0) == 0.0 and L.logistic(1000.0, 10.0) == 1.0  # no overflow
    t = L.logistic(torch.tensor([0.0, 1.0]), LN3)
    assert torch.is_tensor(t) and torch.allclose(t, torch.tensor([0.5, 0.75]))


def test_proselflc_epsilon():
    # l(p) = 1 - H(p)/ln 2 = 0.188722; g = h(0, b1) = 0.5 at progress 0.5
    probs = torch.tensor([[0.25, 0.75], [0.5, 0.5], [1.0, 0.0]])
    eps = L.proselflc_epsilon(probs, 0.5, b1=6.0)
    assert torch.allclose(eps, 0.5 * torch.tensor([1 - H_P / math.log(2), 0.0, 1.0]), atol=1e-6)
    assert eps.shape == (3,)
    # g(t) rises with progress for b1 > 0
    assert (L.proselflc_epsilon(probs, 1.0, 6.0) >= L.proselflc_epsilon(probs, 0.0, 6.0)).all()


def confidence(probs):
    """Mconf's r of predictions `probs` (n, C) over one pass, as training sums it: a float of H's sum."""
    return L.mconf_confidence(float(L.entropy(probs).sum()), *probs.shape)


def test_mconf_confidence_and_epsilon():
    assert close(confidence(torch.full((6, 4), 0.25)), 0.0)
    assert close(confidence(F.one_hot(torch.tensor([0, 3, 1]), 4).float()), 1.0)
    assert isinstance(confidence(torch.full((2, 2), 0.5)), float)
    # r = 1 - (H_P + ln 2) / (2 ln 2)
    r = confidence(torch.tensor([[0.25, 0.75], [0.5, 0.5]]))
    assert close(r, 1 - (H_P + math.log(2)) / (2 * math.log(2)))
    probs = torch.tensor([[0.25, 0.75]])
    assert close(L.mconf_epsilon(probs, r=0.5, b1=6.0)[0], 0.5 * (1 - H_P / math.log(2)))
    assert close(L.mconf_epsilon(probs, r=0.8, b1=6.0, rho=0.8)[0], 0.5 * (1 - H_P / math.log(2)))


def test_proselflc_and_mconf_targets_by_hand_and_detached():
    z, y = z13(), torch.tensor([0])
    p, q = torch.tensor([[0.25, 0.75]]), torch.tensor([[1.0, 0.0]])
    eps_pro = L.logistic(0.3, 6.0) * (1 - H_P / math.log(2))
    eps_mconf = L.logistic(0.9 - 0.5, 6.0) * (1 - H_P / math.log(2))
    assert torch.allclose(L.proselflc_target(z, y, 0.8, 6.0), (1 - eps_pro) * q + eps_pro * p, atol=1e-6)
    assert torch.allclose(L.mconf_target(z, y, 0.9, 6.0, 0.5), (1 - eps_mconf) * q + eps_mconf * p, atol=1e-6)
    zg, yg = rand_batch()
    zg.requires_grad_()
    assert not L.proselflc_target(zg, yg, 0.5, 6.0).requires_grad and not L.mconf_target(zg, yg, 0.5, 6.0, 0.5).requires_grad


def test_proselflc_and_mconf_targets_with_epsilon_zero_are_ce():
    z, y = rand_batch()
    q = F.one_hot(y, 5).float()
    # g(t) = h(-0.5, 1000) ~ 0 at progress 0; g(r) = h(-0.5, 1000) ~ 0 at r = 0
    for target in (L.proselflc_target(z, y, 0.0, 1000.0), L.mconf_target(z, y, 0.0, 1000.0, 0.5)):
        assert torch.allclose(target, q, atol=1e-6)
        assert close(L.soft_cross_entropy(z, target), L.ce(z, y))


# ---------------------------------------------------------------- teacher -> student

def test_kd_limits():
    z, y = rand_batch()
    teacher = torch.randn(8, 5)
    assert close(L.kd(z, y, teacher, w=0.0, tau=4.0), L.ce(z, y))
    # a one-hot-ish teacher at tau = 1 is the label: KD = CE for any w
    onehot_teacher = 1e4 * F.one_hot(y, 5).float()
    for w in (0.3, 1.0):
        assert close(L.kd(z, y, onehot_teacher, w=w, tau=1.0), L.ce(z, y), tol=1e-4)


def test_kd_tau_squared_by_hand():
    # w = 1, tau = 2: p_t^2 = [sqrt3, 1]/(1+sqrt3) = [0.633975, 0.366025], p_s^2 the reverse
    # KL = (0.633975 - 0.366025) ln sqrt3 = 0.147187;  times tau^2 = 4 -> 0.588748
    kl = (math.sqrt(3) - 1) / (math.sqrt(3) + 1) * 0.5 * LN3
    assert close(L.kd(z13(), torch.tensor([1]), z31(), w=1.0, tau=2.0), 4 * kl)
    # w = 0.5 mixes with CE
    assert close(L.kd(z13(), torch.tensor([1]), z31(), w=0.5, tau=2.0), 0.5 * NLL[1] + 0.5 * 4 * kl)


def test_kd_teacher_gets_no_gradient():
    z, y = rand_batch()
    s, t = z.clone().requires_grad_(), torch.randn(8, 5, requires_grad=True)
    L.kd(s, y, t, w=0.5, tau=3.0).backward()
    assert t.grad is None and s.grad is not None


def test_sym_kl():
    # [1/4, 3/4] vs [3/4, 1/4]: 2 * (-1/2)(ln 1/4 - ln 3/4) = ln 3
    assert close(L.sym_kl(z13(), z31()), LN3)
    a, b = torch.randn(6, 4), torch.randn(6, 4)
    assert close(L.sym_kl(a, b), L.sym_kl(b, a))
    assert L.sym_kl(a, b) > 0
    assert close(L.sym_kl(a, a.clone()), 0.0, tol=1e-7)
    # softmax is shift invariant: equal distributions, zero divergence
    assert close(L.sym_kl(a, a + 3.0), 0.0, tol=1e-6)
    ag, bg = a.clone().requires_grad_(), b.clone().requires_grad_()
    L.sym_kl(ag, bg).backward()
    assert ag.grad is None and bg.grad.abs().sum() > 0


def test_kd_sym():
    assert close(L.kd_sym(z13(), torch.tensor([1]), z31(), w=0.5), 0.5 * NLL[1] + 0.5 * LN3)
    z, y = rand_batch()
    teacher = torch.randn(8, 5, requires_grad=True)
    assert close(L.kd_sym(z, y, teacher, w=0.0), L.ce(z, y))
    # noisy-KD eq. 1 with alpha weighting CE: alpha = 0.7 <-> w = 0.3
    alpha = 0.7
    sym = L.kl_div(F.softmax(teacher, -1), z) + L.kl_div(F.softmax(z, -1), teacher)
    paper = alpha * L.ce(z, y) + (1 - alpha) * sym
    assert close(L.kd_sym(z, y, teacher, w=1 - alpha), paper)
    s = z.clone().requires_grad_()
    L.kd_sym(s, y, teacher, w=0.5).backward()
    assert teacher.grad is None and s.grad is not None


# ---------------------------------------------------------------- mutual / ensemble

def test_mkd():
    # eps = 0.5: 0.5 H([0, 1], [1/4, 3/4]) + 0.5 KL([3/4, 1/4] || [1/4, 3/4]) = 0.5 ln 4/3 + 0.5 * 0.5 ln 3
    target = torch.tensor([[0.0, 1.0]])
    assert close(L.mkd(z13(), target, z31(), eps=0.5), 0.5 * NLL[1] + 0.25 * LN3)
    z, y = rand_batch()
    peer = torch.randn(8, 5, requires_grad=True)
    assert close(L.mkd(z, F.one_hot(y, 5).float(), peer, eps=0.0), L.ce(z, y))
    s = z.clone().requires_grad_()
    L.mkd(s, F.one_hot(y, 5).float(), peer, eps=0.5).backward()
    assert peer.grad is None and s.grad is not None


def test_kdcl():
    # mean of [0, ln3] and [ln3, 0] is [ln3/2, ln3/2]: uniform
    a, b = z13().requires_grad_(), z31().requires_grad_()
    ens = L.kdcl_target([a, b])
    assert torch.allclose(ens, torch.tensor([[0.5, 0.5]])) and not ens.requires_grad
    # 0.5 ln 4/3 + 0.5 KL([1/2, 1/2] || [1/4, 3/4])
    kl = 0.5 * math.log(2) + 0.5 * math.log(2 / 3)
    assert close(L.kdcl(z13(), torch.tensor([1]), ens, w=0.5), 0.5 * NLL[1] + 0.5 * kl)
    z, y = rand_batch()
    assert close(L.kdcl(z, y, L.kdcl_target([z, torch.randn(8, 5)]), w=0.0), L.ce(z, y))
    # the mean is of logits, not of probabilities
    m = [torch.randn(8, 5) for _ in range(3)]
    assert torch.allclose(L.kdcl_target(m), F.softmax((m[0] + m[1] + m[2]) / 3, -1))


# ---------------------------------------------------------------- CMD threshold

def test_cmd_threshold_by_hand():
    # C = 10, eta = 2, progress 1, b2 = -4: ln10 / 2 * 2 * sigmoid(-2) = 0.274475
    assert close(L.cmd_threshold(10, 2.0, 1.0, -4.0), 0.2744748712894595)
    assert close(L.cmd_threshold(10, 1.0, 0.5, -4.0), math.log(10))
    assert isinstance(L.cmd_threshold(10, 2.0, 0.3, 1.0), float)


@pytest.mark.parametrize("eta", [0.25, 0.5, 1.0])
def test_cmd_threshold_eta_le_1_is_at_least_log_c(eta):
    assert L.cmd_threshold(7, eta, 0.5, 3.0) >= math.log(7) - 1e-12


def test_cmd_threshold_all_selects_every_sample():
    # eta = 1, b2 = 0 gives chi = log C exactly; with the strict H(p) < chi of eq. 8 an
    # exactly uniform p (H = log C) is NOT selected. Any eta < 1 (here 0.99) selects
    # every distribution, the uniform one included ("All").
    probs = torch.cat([F.softmax(torch.randn(20, 4), -1), torch.full((1, 4), 0.25)])
    chi = L.cmd_threshold(4, 0.99, 0.3, 0.0)
    assert L.cmd_selected(probs, probs, chi) == (21, 21)
    chi1 = L.cmd_threshold(4, 1.0, 0.3, 0.0)
    assert L.cmd_selected(probs[:20], probs[:20], chi1) == (20, 20)
    assert L.cmd_selected(probs[20:], probs[20:], chi1) == (0, 0)


@pytest.mark.parametrize("eta", [float("inf"), -2.0])
def test_cmd_threshold_zero_selects_none(eta):
    chi = L.cmd_threshold(4, eta, 0.7, -3.0)
    assert chi <= 0.0
    if math.isinf(eta):
        assert chi == 0.0
    probs = torch.cat([F.softmax(torch.randn(20, 4), -1), F.one_hot(torch.tensor([1]), 4).float()])
    assert L.cmd_selected(probs, probs, chi) == (0, 0)  # even a one-hot p, H = 0, is not < 0


def test_cmd_threshold_eta_zero():
    with pytest.raises(ValueError, match="eta must be nonzero"):
        L.cmd_threshold(4, 0.0, 0.5, 1.0)


def test_cmd_threshold_over_progress():
    progress = [0.0, 0.25, 0.5, 0.75, 1.0]
    static = [L.cmd_threshold(10, 2.0, t, 0.0) for t in progress]
    assert all(close(x, math.log(10) / 2) for x in static)
    falling = [L.cmd_threshold(10, 2.0, t, -5.0) for t in progress]
    assert all(a > b for a, b in zip(falling, falling[1:]))
    rising = [L.cmd_threshold(10, 2.0, t, 5.0) for t in progress]
    assert all(a < b for a, b in zip(rising, rising[1:]))


E3 = math.exp(3.0)  # b = ±6 at t/Γ - 0.5 = ±0.5


def test_proselflc_global_trust_at_both_ends():
    # g(t) = h(t/Γ - 0.5, 6) = 1 / (1 + e^(-6 (t/Γ - 0.5))); a one-hot p has l(p) = 1, so ε = g
    one_hot = F.one_hot(torch.tensor([0, 2]), 3).float()
    for progress, g in [(0.0, 1 / (1 + E3)), (0.5, 0.5), (1.0, 1 / (1 + 1 / E3))]:
        assert close(L.logistic(progress - 0.5, 6.0), g, 1e-12)
        assert torch.allclose(L.proselflc_epsilon(one_hot, progress, 6.0), torch.tensor([g, g]))
    assert close(1 / (1 + E3), 0.0474259) and close(1 / (1 + 1 / E3), 0.9525741)
    # a uniform p has l(p) = 0: no trust at any time
    assert torch.allclose(L.proselflc_epsilon(torch.full((1, 3), 1 / 3), 1.0, 6.0), torch.zeros(1), atol=1e-6)


@pytest.mark.parametrize(
    "b2, factors",
    # 2 h(t/Γ - 0.5, b2) at t/Γ = 0, 1/2, 1
    [(-6.0, (2 / (1 + 1 / E3), 1.0, 2 / (1 + E3))), (0.0, (1.0, 1.0, 1.0))],
)
def test_cmd_threshold_at_both_ends(b2, factors):
    # χ = H(u)/η · 2 h(t/Γ - 0.5, b2), C = 10, η = 2: H(u)/η = ln(10)/2 = 1.151293
    for progress, factor in zip((0.0, 0.5, 1.0), factors):
        assert close(L.cmd_threshold(10, 2.0, progress, b2), math.log(10) / 2 * factor, 1e-12)
    if b2 == -6.0:
        assert close(factors[0], 1.9051483) and close(factors[2], 0.0948517)


# ---------------------------------------------------------------- CMD losses

def cmd_hand_case():
    p_a = torch.tensor([[0.25, 0.75], [0.5, 0.5]])  # H = [0.562335, 0.693147]
    p_b = torch.tensor([[0.1, 0.9], [0.5, 0.5]])  # H = [0.325083, 0.693147]
    q_a = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    q_b = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    return q_a, q_b, p_a, p_b


def test_cmd_losses_by_hand():
    q_a, q_b, p_a, p_b = cmd_hand_case()
    # chi = 0.6: only sample 0 passes both ways; divided by the batch size 2
    b2a, a2b = L.cmd_losses(q_a, q_b, p_a, p_b, 0.6)
    assert close(b2a, -math.log(0.75) / 2) and close(a2b, -math.log(0.9) / 2)
    assert L.cmd_selected(p_a, p_b, 0.6) == (1, 1)
    # chi = 0.4: B passes sample 0 to A, A passes nothing to B
    b2a, a2b = L.cmd_losses(q_a, q_b, p_a, p_b, 0.4)
    assert close(b2a, -math.log(0.75) / 2) and a2b == 0.0
    assert L.cmd_selected(p_a, p_b, 0.4) == (1, 0)
    # chi = 0.7: both samples both ways
    b2a, a2b = L.cmd_losses(q_a, q_b, p_a, p_b, 0.7)
    assert close(b2a, (-math.log(0.75) - math.log(0.5)) / 2)
    assert close(a2b, (-math.log(0.9) - math.log(0.5)) / 2)
    assert L.cmd_selected(p_a, p_b, 0.7) == (2, 2)
    assert len(L.cmd_losses(q_a, q_b, p_a, p_b, 0.7)) == 2
    for chi in (0.4, 0.6, 0.7):   # graph-safe: masks, a 0-d χ; the same values
        safe = L.cmd_losses(q_a, q_b, p_a, p_b, torch.tensor(chi), graph_safe=True)
        assert all(close(a, b) for a, b in zip(safe, L.cmd_losses(q_a, q_b, p_a, p_b, chi)))


def test_selected_sum_with_a_mask_adds_the_same_terms_and_passes_no_gradient_to_the_rest():
    values = torch.tensor([1.0, float("inf"), 2.5, -4.0], requires_grad=True)
    mask = torch.tensor([True, False, True, False])
    for graph_safe in (False, True):
        total = L.selected_sum(values, mask, graph_safe)
        (grad,) = torch.autograd.grad(total, values)
        assert total.item() == 3.5 and grad.tolist() == [1.0, 0.0, 1.0, 0.0]   # an unselected inf stays out


def test_cmd_mean_losses_by_hand():
    """Averaged eq. 10: target (q~_A + q~_B)/2 where the peer is confident, q~_A elsewhere."""
    q_a, q_b, p_a, p_b = cmd_hand_case()
    q_b = torch.tensor([[0.5, 0.5], [1.0, 0.0]])   # a soft peer label on sample 0
    # chi = 0.4: B passes sample 0 to A (H(p_B,0) = 0.325); A passes nothing (H(p_A) >= 0.56)
    loss_a, loss_b = L.cmd_mean_losses(q_a, q_b, p_a, p_b, 0.4)
    own_a = (-math.log(0.75) - math.log(0.5)) / 2
    avg_0 = 0.25 * -math.log(0.25) + 0.75 * -math.log(0.75)   # target (0.25, 0.75) on sample 0
    assert close(loss_a, (avg_0 - math.log(0.5)) / 2)
    assert close(loss_b, (0.5 * -math.log(0.1) + 0.5 * -math.log(0.9) - math.log(0.5)) / 2)
    # limits: nothing passes -> each model's own H(q~, p); everything passes -> half of eq. 10's sum
    loss_a, _ = L.cmd_mean_losses(q_a, q_b, p_a, p_b, 0.0)
    assert close(loss_a, own_a)
    loss_a, loss_b = L.cmd_mean_losses(q_a, q_b, p_a, p_b, 10.0)
    b2a, a2b = L.cmd_losses(q_a, q_b, p_a, p_b, 10.0)
    assert close(loss_a, (own_a + b2a) / 2)
    own_b = (0.5 * -math.log(0.1) + 0.5 * -math.log(0.9) - math.log(0.5)) / 2
    assert close(loss_b, (own_b + a2b) / 2)


def appendix_c(qA, qB, pA, pB, threshold):
    """CMD appendix C's CMDWithLoss.forward, line for line (minus .cuda())."""
    hpA = torch.sum(-pA * torch.log(pA + 1e-6), 1)
    hpB = torch.sum(-pB * torch.log(pB + 1e-6), 1)
    threshold_1 = threshold * torch.ones(len(hpA))
    indexA = (hpB < threshold_1).nonzero()
    indexB = (hpA < threshold_1).nonzero()
    lossB2A = torch.sum(qB[indexA].squeeze(1) * (-torch.log(pA[indexA].squeeze(1) + 1e-6)), 1)
    lossA2B = torch.sum(qA[indexB].squeeze(1) * (-torch.log(pB[indexB].squeeze(1) + 1e-6)), 1)
    lossB2A = sum(lossB2A) / len(hpA)
    lossA2B = sum(lossA2B) / len(hpB)
    return lossB2A, lossA2B


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", ["ce", "proselflc"])
def test_cmd_losses_match_appendix_c(seed, kind):
    g = torch.Generator().manual_seed(seed)
    n, c = 64, 10
    # moderate logits (every p > ~1e-3) keep appendix C's log(p + 1e-6) within 1e-3 of log p
    logits_a, logits_b = torch.randn(n, c, generator=g), torch.randn(n, c, generator=g)
    labels = torch.randint(0, c, (n,), generator=g)
    p_a, p_b = F.softmax(logits_a, -1), F.softmax(logits_b, -1)
    target = {"ce": lambda z: F.one_hot(labels, c).float(), "proselflc": lambda z: L.proselflc_target(z, labels, 0.7, 6.0)}[kind]
    q_a, q_b = target(logits_a), target(logits_b)
    # thresholds between the entropies, at the widest gap of each fifth of them: the
    # +1e-6 of appendix C moves an entropy by at most C * 1e-6, so both agree on the selection
    h = torch.cat([L.entropy(p_a), L.entropy(p_b)]).sort().values
    gaps = h[1:] - h[:-1]
    chis = [0.0, math.log(c) + 1.0]
    for part in torch.arange(len(gaps)).chunk(5):
        i = part[gaps[part].argmax()]
        assert gaps[i] > 1e-4
        chis.append(float(h[i] + h[i + 1]) / 2)
    for chi in chis:
        ours = L.cmd_losses(q_a, q_b, p_a, p_b, chi)
        theirs = appendix_c(q_a, q_b, p_a, p_b, chi)
        for a, b in zip(ours, theirs):
            assert close(a, b, tol=1e-3 * max(1.0, float(b)))


def test_cmd_losses_gradients_and_zeros():
    logits_a = torch.tensor([[50.0, -50.0, 0.0], [1.0, 2.0, 3.0]], requires_grad=True)
    logits_b = torch.tensor([[-50.0, 50.0, 0.0], [3.0, 2.0, 1.0]], requires_grad=True)
    labels = torch.tensor([0, 2])
    # exact zeros in p must not give nan, even where the target q_b puts mass (sample 0, class 1)
    p_a = torch.tensor([[1.0, 0.0, 0.0], [0.2, 0.3, 0.5]], requires_grad=True)
    p_b = F.softmax(logits_b, -1)
    q_a = L.boot_soft_target(logits_a, labels, 0.5)
    q_b = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    b2a, a2b = L.cmd_losses(q_a, q_b, p_a, p_b, 5.0)
    assert torch.isfinite(b2a) and torch.isfinite(a2b)
    b2a.backward()
    assert torch.isfinite(p_a.grad).all()
    # B's prediction and the refined labels are targets: nothing flows into logits_b
    assert logits_b.grad is None and logits_a.grad is None
    a2b.backward()
    assert logits_a.grad is None and torch.isfinite(logits_b.grad).all()


# ---------------------------------------------------------------- co-teaching

def test_co_teaching_selection_and_peer_exchange():
    labels = torch.zeros(6, dtype=torch.long)
    # logits [m, 0] with label 0: CE = log(1 + e^-m), smaller for larger m
    margin_a = torch.tensor([5.0, 4.0, 3.0, -3.0, -4.0, -5.0])  # A: samples 0,1,2 smallest loss
    margin_b = torch.tensor([-5.0, -4.0, -3.0, 3.0, 4.0, 5.0])  # B: samples 5,4,3 smallest loss
    logits_a = torch.stack([margin_a, torch.zeros(6)], 1).requires_grad_()
    logits_b = torch.stack([margin_b, torch.zeros(6)], 1).requires_grad_()
    loss_a, loss_b, kept = L.co_teaching_losses(logits_a, logits_b, labels, forget_rate=0.5)
    assert kept == 3
    ce_a = F.cross_entropy(logits_a, labels, reduction="none")
    ce_b = F.cross_entropy(logits_b, labels, reduction="none")
    assert close(loss_a, ce_a[3:].mean()) and close(loss_b, ce_b[:3].mean())
    (loss_a + loss_b).backward()
    # each model gets gradient exactly on the int(0.5 * 6) = 3 samples its peer chose
    assert logits_a.grad.abs().sum(1).nonzero().flatten().tolist() == [3, 4, 5]
    assert logits_b.grad.abs().sum(1).nonzero().flatten().tolist() == [0, 1, 2]


def samples_in_loss(loss, logits):
    """How many rows of logits get a gradient from loss."""
    (grad,) = torch.autograd.grad(loss, logits, retain_graph=True)
    return int((grad.abs().sum(1) > 0).sum())


@pytest.mark.parametrize(
    "forget, n, keep",
    # int() truncates, as Han et al.'s num_remember: 7.5 -> 7, 6.5 -> 6; in floating point
    # (1 - 0.7) * 10 = 3.0000000000000004 -> 3 but (1 - 0.9) * 10 = 0.9999999999999998 -> 0,
    # which max(1, .) turns into 1
    [(0.0, 10, 10), (0.2, 10, 8), (0.25, 10, 7), (0.35, 10, 6), (0.7, 10, 3), (0.9, 10, 1), (0.9, 3, 1)],
)
def test_co_teaching_keep_count(forget, n, keep):
    z_a = torch.randn(n, 4, requires_grad=True)
    z_b = torch.randn(n, 4, requires_grad=True)
    loss_a, loss_b, kept = L.co_teaching_losses(z_a, z_b, torch.randint(0, 4, (n,)), forget)
    assert kept == keep
    assert samples_in_loss(loss_a, z_a) == samples_in_loss(loss_b, z_b) == keep


def han_loss_coteaching(y_1, y_2, t, forget_rate):
    """Han et al.'s loss.py loss_coteaching, line for line, minus .cuda() and the pure ratios."""
    loss_1 = F.cross_entropy(y_1, t, reduction="none")
    ind_1_sorted = torch.argsort(loss_1.data)
    loss_2 = F.cross_entropy(y_2, t, reduction="none")
    ind_2_sorted = torch.argsort(loss_2.data)
    remember_rate = 1 - forget_rate
    num_remember = int(remember_rate * len(loss_1[ind_1_sorted]))
    ind_1_update = ind_1_sorted[:num_remember]
    ind_2_update = ind_2_sorted[:num_remember]
    loss_1_update = F.cross_entropy(y_1[ind_2_update], t[ind_2_update])
    loss_2_update = F.cross_entropy(y_2[ind_1_update], t[ind_1_update])
    return torch.sum(loss_1_update) / num_remember, torch.sum(loss_2_update) / num_remember, num_remember


def test_co_teaching_kept_count_brute_force():
    # every batch size 1..48 against forget rates from Han et al.'s schedules (their
    # linspace values, where truncation bites) and a few round ones
    rates = {float(f) for r in (0.2, 0.4, 0.45, 0.5, 0.8) for f in np.linspace(0, r, 10)} | {0.25, 0.7, 0.9}
    g = torch.Generator().manual_seed(0)
    for n in range(1, 49):
        z_a = torch.randn(n, 5, generator=g).requires_grad_()
        z_b = torch.randn(n, 5, generator=g).requires_grad_()
        y = torch.randint(0, 5, (n,), generator=g)
        for rate in sorted(rates):
            loss_a, loss_b, kept = L.co_teaching_losses(z_a, z_b, y, rate)
            assert samples_in_loss(loss_a, z_a) == samples_in_loss(loss_b, z_b) == kept, (n, rate)
            # graph-safe (a 0-d forget rate): the same samples by a rank mask, the same kept
            safe_a, safe_b, safe_kept = L.co_teaching_losses(z_a, z_b, y, torch.tensor(rate, dtype=torch.float64))
            assert int(safe_kept) == kept and samples_in_loss(safe_a, z_a) == samples_in_loss(safe_b, z_b) == kept
            assert close(safe_a, loss_a, 1e-6) and close(safe_b, loss_b, 1e-6), (n, rate)
            their_a, their_b, num_remember = han_loss_coteaching(z_a, z_b, y, rate)
            if num_remember > 0:  # theirs is nan on an empty selection; ours keeps one
                assert kept == num_remember, (n, rate)
                # same selection; theirs divides the mean by num_remember once more
                assert close(loss_a, their_a * kept) and close(loss_b, their_b * kept)


def test_co_teaching_forget_zero_is_ce_and_bad_rate():
    z_a, y = rand_batch()
    z_b = torch.randn(8, 5)
    loss_a, loss_b, kept = L.co_teaching_losses(z_a, z_b, y, 0.0)
    assert close(loss_a, L.ce(z_a, y)) and close(loss_b, L.ce(z_b, y)) and kept == 8
    with pytest.raises(ValueError, match="forget_rate must be in"):
        L.co_teaching_losses(z_a, z_b, y, 1.0)


def test_co_teaching_forget_rate_by_hand():
    # r = 0.45, T_k = 10: epoch e forgets 0.45 (e + 1) / 9 = 0.05 (e + 1) until e = 8
    got = [L.co_teaching_forget_rate(e, 0.45) for e in range(12)]
    assert all(close(a, b, 1e-12) for a, b in zip(got, [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4] + [0.45] * 4))
    # T_k = 4: r / 3 per epoch, r from e = 2
    assert [round(L.co_teaching_forget_rate(e, 0.3, ramp_epochs=4), 12) for e in range(4)] == [0.1, 0.2, 0.3, 0.3]
    # T_k <= 1: no ramp (Han et al.'s linspace(0, r, 1) covers only their untrained epoch 0)
    assert L.co_teaching_forget_rate(0, 0.4, ramp_epochs=1) == L.co_teaching_forget_rate(0, 0.4, ramp_epochs=0) == 0.4


@pytest.mark.parametrize("rate, ramp", [(0.2, 10), (0.45, 10), (0.8, 10), (0.4, 5), (0.4, 15)])
def test_co_teaching_forget_rate_is_han_schedule(rate, ramp):
    # main.py: trains epochs 1 .. n_epoch - 1 with rate_schedule[epoch]; ours counts them from 0
    n_epoch = 30
    rate_schedule = np.ones(n_epoch) * rate
    rate_schedule[:ramp] = np.linspace(0, rate ** 1, ramp)
    ours = [L.co_teaching_forget_rate(e, rate, ramp) for e in range(n_epoch - 1)]
    assert ours == rate_schedule[1:].tolist()


# ---------------------------------------------------------------- no nan with exact zeros

def test_no_nan_with_saturated_logits():
    y = torch.tensor([0, 1])
    z = torch.tensor([[1e4, -1e4], [-1e4, 1e4]], requires_grad=True)
    peer = torch.tensor([[-1e4, 1e4], [1e4, -1e4]])
    probs = F.softmax(peer, -1)  # exact zeros
    for loss in (
        L.ce(z, y), ls(z, y, 0.1), L.tf_reg(z, y), L.tf_reg(z, y, temperature=20.0), L.cp(z, y, 0.5),
        boot_soft(z, y, 0.5), L.kd(z, y, peer, tau=2.0), L.sym_kl(peer, z), L.kd_sym(z, y, peer, 0.5),
        L.mkd(z, F.one_hot(y, 2).float(), peer, 0.5), L.kdcl(z, y, probs), L.kl_div(probs, z),
        L.soft_cross_entropy(z, L.mconf_target(z, y, 0.9, 6.0, 0.5)),
    ):
        assert torch.isfinite(loss)
        z.grad = None
        loss.backward()
        assert torch.isfinite(z.grad).all()
    assert torch.isfinite(L.proselflc_epsilon(probs, 0.5, 6.0)).all()
    assert torch.isfinite(L.entropy(probs)).all()
