// Bodies of the element-wise passes (see include/CConsistentWienerKernel.h), included once per
// instruction set by cw_kernel.c with CW_TARGET (a target attribute) and CW_NAME (a suffix).
// Sums use LANES independent float lanes per frame (vectorisable without -ffast-math), then double.

CW_TARGET static inline double CW_NAME(lane_sum)(const float *lanes) {
    double total = 0;
    for (int k = 0; k < LANES; k++) total += lanes[k];
    return total;
}

CW_TARGET static void CW_NAME(apply_operator)(int outputs, int bins, size_t stride, int first, int last,
                       const float *x, float *out, const float *inverse_power, float gamma,
                       const float *bin_weight, double *frame_sums) {
    const int n = 2 * bins;
    for (int t = first; t < last; t++) {
        double frame = 0;
        for (int a = 0; a < outputs; a++) {
            const size_t base = (size_t)a * stride + (size_t)n * t;
            const float *restrict xs = x + base, *restrict iv = inverse_power + base;
            float *restrict os = out + base;
            float lanes[LANES] = {0};
            int i = 0;
            for (; i + LANES <= n; i += LANES) {
                for (int k = 0; k < LANES; k++) {
                    const float value = xs[i + k] * iv[i + k] + gamma * os[i + k];
                    os[i + k] = value;
                    lanes[k] += bin_weight[i + k] * xs[i + k] * value;
                }
            }
            for (; i < n; i++) {
                const float value = xs[i] * iv[i] + gamma * os[i];
                os[i] = value;
                lanes[i % LANES] += bin_weight[i] * xs[i] * value;
            }
            frame += CW_NAME(lane_sum)(lanes);
        }
        frame_sums[t] = frame;
    }
}

CW_TARGET static void CW_NAME(step_and_project)(int outputs, int bins, size_t stride, int first, int last,
                         int step, float alpha, float *s, const float *p, float *q, float *r,
                         const float *weight, const float *bin_weight, float *scratch, double *frame_sums) {
    const int n = 2 * bins;
    float *restrict mean = scratch, *restrict weight_sum = scratch + n;
    for (int t = first; t < last; t++) {
        for (int i = 0; i < n; i++) { mean[i] = 0; weight_sum[i] = 0; }
        for (int a = 0; a < outputs; a++) {
            const size_t base = (size_t)a * stride + (size_t)n * t;
            float *restrict rs = r + base;
            const float *restrict w = weight + base;
            if (step) {
                float *restrict ss = s + base;
                const float *restrict ps = p + base, *restrict qs = q + base;
                for (int i = 0; i < n; i++) { ss[i] += alpha * ps[i]; rs[i] -= alpha * qs[i]; }
            }
            for (int i = 0; i < n; i++) { mean[i] += w[i] * rs[i]; weight_sum[i] += w[i]; }
        }
        for (int i = 0; i < n; i++) mean[i] = weight_sum[i] > 0 ? mean[i] / weight_sum[i] : 0;
        double frame = 0;
        for (int a = 0; a < outputs; a++) {
            const size_t base = (size_t)a * stride + (size_t)n * t;
            float *restrict rs = r + base, *restrict zs = q + base;
            const float *restrict w = weight + base;
            float lanes[LANES] = {0};
            int i = 0;
            for (; i + LANES <= n; i += LANES) {
                for (int k = 0; k < LANES; k++) {
                    const float centred = rs[i + k] - mean[i + k];
                    const float z = w[i + k] * centred;
                    rs[i + k] = centred;
                    zs[i + k] = z;
                    lanes[k] += bin_weight[i + k] * centred * z;
                }
            }
            for (; i < n; i++) {
                const float centred = rs[i] - mean[i];
                const float z = w[i] * centred;
                rs[i] = centred;
                zs[i] = z;
                lanes[i % LANES] += bin_weight[i] * centred * z;
            }
            frame += CW_NAME(lane_sum)(lanes);
        }
        frame_sums[t] = frame;
    }
}

CW_TARGET static void CW_NAME(update_direction)(int outputs, int bins, size_t stride, int first, int last,
                         float beta, float *p, const float *z) {
    const int n = 2 * bins;
    for (int a = 0; a < outputs; a++) {
        const size_t base = (size_t)a * stride + (size_t)n * first;
        float *restrict ps = p + base;
        const float *restrict zs = z + base;
        const size_t count = (size_t)n * (last - first);
        for (size_t i = 0; i < count; i++) ps[i] = zs[i] + beta * ps[i];
    }
}

CW_TARGET static void CW_NAME(restore_sum)(int outputs, int bins, size_t stride, int first, int last,
                    float *s, const float *weight, const float *fixed, float *scratch) {
    const int n = 2 * bins;
    float *restrict rest = scratch, *restrict weight_sum = scratch + n;
    for (int t = first; t < last; t++) {
        const float *restrict target = fixed + (size_t)n * t;
        for (int i = 0; i < n; i++) { rest[i] = target[i]; weight_sum[i] = 0; }
        for (int a = 0; a < outputs; a++) {
            const size_t base = (size_t)a * stride + (size_t)n * t;
            const float *restrict ss = s + base, *restrict w = weight + base;
            for (int i = 0; i < n; i++) { rest[i] -= ss[i]; weight_sum[i] += w[i]; }
        }
        for (int i = 0; i < n; i++) rest[i] = weight_sum[i] > 0 ? rest[i] / weight_sum[i] : 0;
        for (int a = 0; a < outputs; a++) {
            const size_t base = (size_t)a * stride + (size_t)n * t;
            float *restrict ss = s + base;
            const float *restrict w = weight + base;
            for (int i = 0; i < n; i++) ss[i] += w[i] * rest[i];
        }
    }
}
