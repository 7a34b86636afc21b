// Both DIST relations of (N, C, P) logits in two fused passes on the CPU,
// with the backward in one more: the compiled counterpart of
// dist_kd_mm/models/losses/dist_relation.py (same values and gradients).
//
// An instance is one (n, p) pair, element (n, c, p) sits at (n*C + c)*P + p.
// * inter-class relation: Pearson over the C classes of each instance;
// * intra-class relation: Pearson over the instances of each class (of the
//   batch, or of each image with per_image), one group per (class[, image]).
// An optional (N, P) mask (1 valid, 0 ignored) takes instances out of both.
//
// Forward: probabilities with ATen's (vectorised) softmax or sigmoid, then
//   pass 1: row sums (row means) and per-group column sums (column means);
//   pass 2: centred dot products and squared norms of both relations.
// Sums are accumulated in double, centring is exact two-pass centring.
// For one relation with weight w over K groups, D = |a| |b| + eps and
// r = <a, b> / D, d/dy_s = alpha * (y_t - m_t) + beta * (y_s - m_s) with
//   alpha = -(w / K) / D,  beta = (w / K) r |b| / (|a| D)  (0 where |a| = 0),
// so the forward stores (alpha, beta, k = -(alpha m_t + beta m_s)) per row and
// per group, and the backward writes, per element,
//   g = m * ((alpha_r + alpha_c) y_t + (beta_r + beta_c) y_s + k_r + k_c)
// and the softmax (or sigmoid) backward of g in the same sweep.
#include <torch/extension.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Elements per work chunk (as CHUNK_ELEMENTS in dist_relation.py).
constexpr int64_t kChunkElements = 1 << 16;

struct Layout {
  int64_t num, classes, positions;
  bool per_image;
  int64_t instances() const { return num * positions; }
  int64_t groups() const { return per_image ? num * classes : classes; }
  int64_t group(int64_t n, int64_t c) const {
    return per_image ? n * classes + c : c;
  }
};

// Instance ranges [begin, end) of about kChunkElements elements each.
std::vector<std::pair<int64_t, int64_t>> chunks(const Layout& layout) {
  const int64_t step =
      std::max<int64_t>(1, kChunkElements / std::max<int64_t>(1, layout.classes));
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (int64_t begin = 0; begin < layout.instances(); begin += step) {
    ranges.emplace_back(begin, std::min(begin + step, layout.instances()));
  }
  return ranges;
}

// Calls body(n, p_begin, p_end) for the images and positions of a chunk.
template <typename Body>
void for_images(const Layout& layout, int64_t begin, int64_t end,
                const Body& body) {
  const int64_t P = layout.positions;
  for (int64_t n = begin / P; n * P < end; ++n) {
    body(n, std::max<int64_t>(begin - n * P, 0),
         std::min<int64_t>(end - n * P, P));
  }
}

// Per-chunk column accumulators summed after a parallel pass.
struct ColumnSums {
  std::vector<std::vector<double>> parts;
  int64_t width;
  ColumnSums(size_t chunks, int64_t width)
      : parts(chunks, std::vector<double>(width, 0.0)), width(width) {}
  std::vector<double> total() const {
    std::vector<double> sum(width, 0.0);
    for (const auto& part : parts) {
      for (int64_t j = 0; j < width; ++j) sum[j] += part[j];
    }
    return sum;
  }
};

// Statistics of one relation: groups of centred products and coefficients.
struct Relation {
  std::vector<double> mean_s, mean_t, dot, sq_s, sq_t;
  explicit Relation(int64_t groups)
      : mean_s(groups, 0.0), mean_t(groups, 0.0), dot(groups, 0.0),
        sq_s(groups, 0.0), sq_t(groups, 0.0) {}

  // Writes (alpha, beta, k) of every group for an upstream gradient of 1
  // and returns sum of the correlations; `active[j]` marks groups with data.
  double coefficients(double weight, double num_groups, double eps,
                      const std::vector<char>& active, double* alpha,
                      double* beta, double* k) const {
    double corr_sum = 0.0;
    const double scale = num_groups > 0 ? weight / num_groups : 0.0;
    for (size_t j = 0; j < dot.size(); ++j) {
      const double norm_s = std::sqrt(sq_s[j]);
      const double norm_t = std::sqrt(sq_t[j]);
      const double denom = norm_s * norm_t + eps;
      const double corr = dot[j] / denom;
      if (!active[j]) {
        alpha[j] = beta[j] = k[j] = 0.0;
        continue;
      }
      corr_sum += corr;
      alpha[j] = -scale / denom;
      beta[j] = norm_s > 0 ? scale * corr * norm_t / (norm_s * denom) : 0.0;
      k[j] = -(alpha[j] * mean_t[j] + beta[j] * mean_s[j]);
    }
    return corr_sum;
  }
};

template <typename T>
T mask_at(const T* mask, int64_t instance) {
  return mask == nullptr ? T(1) : mask[instance];
}

// Forward of both relations on probabilities y_s, y_t (contiguous N, C, P).
// Returns the loss and fills coef_rows (3, N*P) and coef_groups (3, G).
template <typename T>
double relations_forward(const T* y_s, const T* y_t, const T* mask,
                         const Layout& L, double inter_weight,
                         double intra_weight, double eps, double* coef_rows,
                         double* coef_groups) {
  const int64_t C = L.classes, P = L.positions, M = L.instances();
  const int64_t G = L.groups();
  const auto ranges = chunks(L);
  Relation rows(M), cols(G);
  std::vector<double> count(L.per_image ? L.num : 1, 0.0);

  // Pass 1: row sums and per-chunk column sums of the valid instances.
  ColumnSums col_sums(ranges.size(), 2 * G);
  at::parallel_for(0, ranges.size(), 1, [&](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      double* sum_s = col_sums.parts[r].data();
      double* sum_t = sum_s + G;
      for_images(L, ranges[r].first, ranges[r].second,
                 [&](int64_t n, int64_t p0, int64_t p1) {
        if (P == 1) {  // one instance: its classes are contiguous
          const T* ys = y_s + n * C;
          const T* yt = y_t + n * C;
          const double m = mask_at(mask, n);
          double* gs = sum_s + L.group(n, 0);
          double* gt = sum_t + L.group(n, 0);
          double row_s = 0.0, row_t = 0.0;
#pragma omp simd reduction(+ : row_s, row_t)
          for (int64_t c = 0; c < C; ++c) {
            row_s += ys[c];
            row_t += yt[c];
            gs[c] += m * ys[c];
            gt[c] += m * yt[c];
          }
          rows.mean_s[n] = row_s;
          rows.mean_t[n] = row_t;
          return;
        }
        double* row_s = rows.mean_s.data() + n * P;
        double* row_t = rows.mean_t.data() + n * P;
        for (int64_t c = 0; c < C; ++c) {
          const T* ys = y_s + (n * C + c) * P;
          const T* yt = y_t + (n * C + c) * P;
          double col_s = 0.0, col_t = 0.0;
          for (int64_t p = p0; p < p1; ++p) {
            const double m = mask_at(mask, n * P + p);
            row_s[p] += ys[p];
            row_t[p] += yt[p];
            col_s += m * ys[p];
            col_t += m * yt[p];
          }
          sum_s[L.group(n, c)] += col_s;
          sum_t[L.group(n, c)] += col_t;
        }
      });
    }
  });
  for (int64_t n = 0; n < L.num; ++n) {
    for (int64_t p = 0; p < P; ++p) {
      count[L.per_image ? n : 0] += mask_at(mask, n * P + p);
    }
  }
  for (int64_t i = 0; i < M; ++i) {
    rows.mean_s[i] /= C;
    rows.mean_t[i] /= C;
  }
  const auto sums = col_sums.total();
  for (int64_t n = 0; n < (L.per_image ? L.num : 1); ++n) {
    const double divisor = std::max(count[n], 1.0);
    for (int64_t c = 0; c < C; ++c) {
      cols.mean_s[L.group(n, c)] = sums[L.group(n, c)] / divisor;
      cols.mean_t[L.group(n, c)] = sums[G + L.group(n, c)] / divisor;
    }
  }

  // Pass 2: centred products of both relations.
  ColumnSums col_products(ranges.size(), 3 * G);
  at::parallel_for(0, ranges.size(), 1, [&](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      double* dot = col_products.parts[r].data();
      double* sq_s = dot + G;
      double* sq_t = dot + 2 * G;
      for_images(L, ranges[r].first, ranges[r].second,
                 [&](int64_t n, int64_t p0, int64_t p1) {
        if (P == 1) {
          const T* ys = y_s + n * C;
          const T* yt = y_t + n * C;
          const double m = mask_at(mask, n);
          const int64_t g0 = L.group(n, 0);
          const double* ms = cols.mean_s.data() + g0;
          const double* mt = cols.mean_t.data() + g0;
          double* g_dot = dot + g0;
          double* g_ss = sq_s + g0;
          double* g_tt = sq_t + g0;
          const double rs = rows.mean_s[n], rt = rows.mean_t[n];
          double r_dot = 0.0, r_ss = 0.0, r_tt = 0.0;
#pragma omp simd reduction(+ : r_dot, r_ss, r_tt)
          for (int64_t c = 0; c < C; ++c) {
            const double a = (ys[c] - rs) * m, b = (yt[c] - rt) * m;
            r_dot += a * b;
            r_ss += a * a;
            r_tt += b * b;
            const double ac = (ys[c] - ms[c]) * m, bc = (yt[c] - mt[c]) * m;
            g_dot[c] += ac * bc;
            g_ss[c] += ac * ac;
            g_tt[c] += bc * bc;
          }
          rows.dot[n] = r_dot;
          rows.sq_s[n] = r_ss;
          rows.sq_t[n] = r_tt;
          return;
        }
        const int64_t row0 = n * P;
        for (int64_t c = 0; c < C; ++c) {
          const T* ys = y_s + (n * C + c) * P;
          const T* yt = y_t + (n * C + c) * P;
          const int64_t g = L.group(n, c);
          const double ms = cols.mean_s[g], mt = cols.mean_t[g];
          double g_dot = 0.0, g_ss = 0.0, g_tt = 0.0;
          for (int64_t p = p0; p < p1; ++p) {
            const double m = mask_at(mask, row0 + p);
            const double a = (ys[p] - rows.mean_s[row0 + p]) * m;
            const double b = (yt[p] - rows.mean_t[row0 + p]) * m;
            rows.dot[row0 + p] += a * b;
            rows.sq_s[row0 + p] += a * a;
            rows.sq_t[row0 + p] += b * b;
            const double ac = (ys[p] - ms) * m;
            const double bc = (yt[p] - mt) * m;
            g_dot += ac * bc;
            g_ss += ac * ac;
            g_tt += bc * bc;
          }
          dot[g] += g_dot;
          sq_s[g] += g_ss;
          sq_t[g] += g_tt;
        }
      });
    }
  });
  const auto products = col_products.total();
  std::copy(products.begin(), products.begin() + G, cols.dot.begin());
  std::copy(products.begin() + G, products.begin() + 2 * G,
            cols.sq_s.begin());
  std::copy(products.begin() + 2 * G, products.end(), cols.sq_t.begin());

  // Groups with data: valid rows; classes of images (or a batch) with a
  // valid instance.
  std::vector<char> row_active(M), col_active(G);
  double num_rows = 0.0, num_cols = 0.0;
  for (int64_t i = 0; i < M; ++i) {
    row_active[i] = mask == nullptr || mask[i] != T(0);
    num_rows += mask_at(mask, i);
  }
  for (int64_t n = 0; n < (L.per_image ? L.num : 1); ++n) {
    for (int64_t c = 0; c < C; ++c) {
      col_active[L.group(n, c)] = count[n] > 0;
      num_cols += count[n] > 0 ? 1.0 : 0.0;
    }
  }
  double loss = 0.0;
  const double row_corr = rows.coefficients(
      inter_weight, num_rows, eps, row_active, coef_rows, coef_rows + M,
      coef_rows + 2 * M);
  if (inter_weight != 0.0 && num_rows > 0) {
    loss += inter_weight * (1.0 - row_corr / num_rows);
  }
  const double col_corr = cols.coefficients(
      intra_weight, num_cols, eps, col_active, coef_groups, coef_groups + G,
      coef_groups + 2 * G);
  if (intra_weight != 0.0 && num_cols > 0) {
    loss += intra_weight * (1.0 - col_corr / num_cols);
  }
  return loss;
}

// Gradient of one instance whose C classes are contiguous (P = 1).
template <typename T>
void row_backward(const T* ys, const T* yt, double m, double alpha_r,
                  double beta_r, double k_r, const double* alpha_c,
                  const double* beta_c, const double* k_c, int64_t C,
                  double scale, bool softmax, T* out) {
  if (!softmax) {
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      const double value = m * ((alpha_r + alpha_c[c]) * yt[c] +
                                (beta_r + beta_c[c]) * ys[c] + k_r + k_c[c]);
      out[c] = static_cast<T>(scale * value * ys[c] * (1 - ys[c]));
    }
    return;
  }
  double inner = 0.0;
#pragma omp simd reduction(+ : inner)
  for (int64_t c = 0; c < C; ++c) {
    const double value = m * ((alpha_r + alpha_c[c]) * yt[c] +
                              (beta_r + beta_c[c]) * ys[c] + k_r + k_c[c]);
    inner += value * ys[c];
    out[c] = static_cast<T>(value);
  }
#pragma omp simd
  for (int64_t c = 0; c < C; ++c) {
    out[c] = static_cast<T>(scale * (out[c] - inner) * ys[c]);
  }
}

// Gradient w.r.t. the student logits, written into grad (N, C, P).
template <typename T>
void relations_backward(const T* y_s, const T* y_t, const T* mask,
                        const Layout& L, const double* coef_rows,
                        const double* coef_groups, double scale, bool softmax,
                        T* grad) {
  const int64_t C = L.classes, P = L.positions, M = L.instances();
  const int64_t G = L.groups();
  const auto ranges = chunks(L);
  const double *alpha_r = coef_rows, *beta_r = coef_rows + M,
               *k_r = coef_rows + 2 * M;
  const double *alpha_c = coef_groups, *beta_c = coef_groups + G,
               *k_c = coef_groups + 2 * G;
  at::parallel_for(0, ranges.size(), 1, [&](int64_t first, int64_t last) {
    std::vector<double> inner;
    for (int64_t r = first; r < last; ++r) {
      for_images(L, ranges[r].first, ranges[r].second,
                 [&](int64_t n, int64_t p0, int64_t p1) {
        if (P == 1) {
          row_backward(y_s + n * C, y_t + n * C, mask_at(mask, n),
                       alpha_r[n], beta_r[n], k_r[n], alpha_c + L.group(n, 0),
                       beta_c + L.group(n, 0), k_c + L.group(n, 0), C, scale,
                       softmax, grad + n * C);
          return;
        }
        const int64_t row0 = n * P;
        inner.assign(p1, 0.0);  // sum over classes of g * y_s, per position
        for (int64_t c = 0; c < C; ++c) {
          const int64_t offset = (n * C + c) * P;
          const int64_t g = L.group(n, c);
          const T* ys = y_s + offset;
          const T* yt = y_t + offset;
          T* out = grad + offset;
          for (int64_t p = p0; p < p1; ++p) {
            const int64_t i = row0 + p;
            const double value =
                mask_at(mask, i) *
                ((alpha_r[i] + alpha_c[g]) * yt[p] +
                 (beta_r[i] + beta_c[g]) * ys[p] + k_r[i] + k_c[g]);
            if (softmax) {
              inner[p] += value * ys[p];
              out[p] = static_cast<T>(value);
            } else {
              out[p] = static_cast<T>(scale * value * ys[p] * (1 - ys[p]));
            }
          }
        }
        if (!softmax) return;
        for (int64_t c = 0; c < C; ++c) {
          const int64_t offset = (n * C + c) * P;
          const T* ys = y_s + offset;
          T* out = grad + offset;
          for (int64_t p = p0; p < p1; ++p) {
            out[p] = static_cast<T>(scale * (out[p] - inner[p]) * ys[p]);
          }
        }
      });
    }
  });
}

Layout layout_of(const Tensor& y, bool per_image) {
  return Layout{y.size(0), y.size(1), y.size(2), per_image};
}

class DISTRelationsCPU : public torch::autograd::Function<DISTRelationsCPU> {
 public:
  static Tensor forward(AutogradContext* ctx, const Tensor& logits_s,
                        const Tensor& logits_t,
                        const c10::optional<Tensor>& mask, double tau,
                        double inter_weight, double intra_weight, double eps,
                        bool softmax, bool per_image) {
    const auto activate = [&](const Tensor& logits) {
      // (N, C) rather than (N, C, 1): ATen's softmax over the last dim is
      // several times faster than over a middle one.
      const Tensor view =
          logits.size(2) == 1 ? logits.select(2, 0) : logits;
      const Tensor scaled = tau != 1.0 ? view / tau : view;
      const Tensor y = softmax ? scaled.softmax(1) : scaled.sigmoid();
      return y.contiguous().view(logits.sizes());
    };
    const Tensor y_s = activate(logits_s);
    const Tensor y_t = activate(logits_t.detach());
    const Layout L = layout_of(y_s, per_image);
    const Tensor valid =
        mask.has_value() ? mask->reshape({L.num, L.positions}).to(y_s.dtype())
                               .contiguous()
                         : Tensor();
    const auto options = y_s.options().dtype(torch::kFloat64);
    Tensor coef_rows = torch::empty({3, L.instances()}, options);
    Tensor coef_groups = torch::empty({3, L.groups()}, options);
    double loss = 0.0;
    AT_DISPATCH_FLOATING_TYPES(y_s.scalar_type(), "dist_relations_forward",
                               [&] {
      loss = relations_forward<scalar_t>(
          y_s.data_ptr<scalar_t>(), y_t.data_ptr<scalar_t>(),
          valid.defined() ? valid.data_ptr<scalar_t>() : nullptr, L,
          inter_weight, intra_weight, eps, coef_rows.data_ptr<double>(),
          coef_groups.data_ptr<double>());
    });
    ctx->save_for_backward({y_s, y_t, valid, coef_rows, coef_groups});
    ctx->saved_data["tau"] = tau;
    ctx->saved_data["softmax"] = softmax;
    ctx->saved_data["per_image"] = per_image;
    return torch::full({}, loss, y_s.options());
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &y_s = saved[0], &y_t = saved[1], &valid = saved[2];
    const double tau = ctx->saved_data["tau"].toDouble();
    const bool softmax = ctx->saved_data["softmax"].toBool();
    const Layout L = layout_of(y_s, ctx->saved_data["per_image"].toBool());
    const double scale = grads[0].item<double>() / tau;
    Tensor grad = torch::empty_like(y_s);
    AT_DISPATCH_FLOATING_TYPES(y_s.scalar_type(), "dist_relations_backward",
                               [&] {
      relations_backward<scalar_t>(
          y_s.data_ptr<scalar_t>(), y_t.data_ptr<scalar_t>(),
          valid.defined() ? valid.data_ptr<scalar_t>() : nullptr, L,
          saved[3].data_ptr<double>(), saved[4].data_ptr<double>(), scale,
          softmax, grad.data_ptr<scalar_t>());
    });
    return {grad, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(),
            Tensor(), Tensor(), Tensor()};
  }
};

Tensor dist_relations_cpu(const Tensor& logits_s, const Tensor& logits_t,
                          const c10::optional<Tensor>& mask, double tau,
                          double inter_weight, double intra_weight, double eps,
                          bool softmax, bool per_image) {
  TORCH_CHECK(logits_s.dim() == 3 && logits_s.sizes() == logits_t.sizes(),
              "dist_relations_cpu: logits must be (N, C, P) of one shape, got ",
              logits_s.sizes(), " and ", logits_t.sizes());
  TORCH_CHECK(logits_s.device().is_cpu() && logits_t.device().is_cpu(),
              "dist_relations_cpu: CPU tensors only");
  TORCH_CHECK(logits_s.scalar_type() == logits_t.scalar_type() &&
                  (logits_s.scalar_type() == torch::kFloat32 ||
                   logits_s.scalar_type() == torch::kFloat64),
              "dist_relations_cpu: float32 or float64 logits of one dtype, "
              "got ", logits_s.scalar_type(), " and ", logits_t.scalar_type());
  if (mask.has_value()) {
    TORCH_CHECK(mask->numel() == logits_s.size(0) * logits_s.size(2),
                "dist_relations_cpu: mask must hold N*P = ",
                logits_s.size(0) * logits_s.size(2), " values, got ",
                mask->sizes());
  }
  return DISTRelationsCPU::apply(logits_s, logits_t, mask, tau, inter_weight,
                                 intra_weight, eps, softmax, per_image);
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("dist_relations_cpu", &dist_relations_cpu,
        "Weighted DIST relations of (N, C, P) logits on the CPU (a scalar "
        "with autograd; no gradient for the teacher logits)",
        py::arg("logits_s"), py::arg("logits_t"), py::arg("mask"),
        py::arg("tau"), py::arg("inter_weight"), py::arg("intra_weight"),
        py::arg("eps"), py::arg("softmax"), py::arg("per_image"));
}
