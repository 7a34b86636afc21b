"""Independent float64 implementations of the DIST formula for tests."""
import numpy as np


def reference_dist(logits_s, logits_t, tau=1.0, beta=1.0, gamma=1.0,
                   loss_weight=1.0, activation='softmax', eps=1e-8):
    """The paper's formula in float64 numpy, one row / column at a time."""

    def to_rows(logits):
        x = np.asarray(logits, dtype=np.float64)
        if x.ndim > 2:  # (N, C, *spatial) -> (N * prod(spatial), C)
            x = np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])
        return x

    def probabilities(x):
        x = x / tau
        if activation == 'sigmoid':
            return 1.0 / (1.0 + np.exp(-x))
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def relation(rows_s, rows_t):
        corrs = []
        for u, v in zip(rows_s, rows_t):
            u, v = u - u.mean(), v - v.mean()
            corrs.append(u @ v / (np.sqrt(u @ u) * np.sqrt(v @ v) + eps))
        return 1.0 - np.mean(corrs)

    ys = probabilities(to_rows(logits_s))
    yt = probabilities(to_rows(logits_t))
    inter = relation(ys, yt)
    intra = relation(ys.T, yt.T)
    return loss_weight * tau**2 * (beta * inter + gamma * intra)


def probabilities(x, tau=1.0, activation='softmax'):
    """Row-wise softmax (or element-wise sigmoid) of ``x / tau``."""
    x = np.asarray(x, dtype=np.float64) / tau
    if activation == 'sigmoid':
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def pearson_relation(rows_s, rows_t, eps=1e-8):
    """1 - mean over rows of the Pearson correlation (eps in the denom)."""
    corrs = []
    for u, v in zip(rows_s, rows_t):
        u, v = u - u.mean(), v - v.mean()
        corrs.append(u @ v / (np.sqrt(u @ u) * np.sqrt(v @ v) + eps))
    return 1.0 - np.mean(corrs)


def reference_dense(logits_s, logits_t, labels=None, ignore_index=255,
                    per_image=False, tau=1.0, beta=1.0, gamma=1.0,
                    loss_weight=1.0):
    """DIST on (N, C, H, W) maps with ignored pixels removed outright.

    ``labels`` (N, H, W) at the logits' size; the rows of ignored pixels are
    deleted before the relations are computed, image by image for
    ``per_image``.
    """
    logits_s = np.asarray(logits_s, dtype=np.float64)
    logits_t = np.asarray(logits_t, dtype=np.float64)
    num_images, num_classes = logits_s.shape[:2]
    rows_s = [probabilities(np.moveaxis(x, 0, -1).reshape(-1, num_classes),
                            tau) for x in logits_s]
    rows_t = [probabilities(np.moveaxis(x, 0, -1).reshape(-1, num_classes),
                            tau) for x in logits_t]
    if labels is not None:
        keep = [np.asarray(label).reshape(-1) != ignore_index
                for label in labels]
        rows_s = [r[k] for r, k in zip(rows_s, keep)]
        rows_t = [r[k] for r, k in zip(rows_t, keep)]
    all_s, all_t = np.concatenate(rows_s), np.concatenate(rows_t)
    if len(all_s) == 0:
        return 0.0
    inter = pearson_relation(all_s, all_t)
    if per_image:
        intra = np.mean([
            pearson_relation(s.T, t.T) for s, t in zip(rows_s, rows_t)
            if len(s)
        ])
    else:
        intra = pearson_relation(all_s.T, all_t.T)
    return loss_weight * tau**2 * (beta * inter + gamma * intra)
