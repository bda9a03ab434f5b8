// The plain-C loops of the β-divergence NMF kernel (see bnmf_portable.c), included by
// bnmf_portable.c (the baseline target: any CPU) and by bnmf_avx2.c (AVX2 + FMA). Before
// including: bnmf_internal.h, <math.h>, <string.h>, and BNMF_PORTABLE_TABLE, the name of the
// kernels table to define. Not part of the module's interface.

#define L BNMF_LANES

static void prepare(const bnmf_plan *plan, bnmf_workspace *ws, int slots) {
    const int F = plan->bins;
    const float eps = plan->epsf;
    for (int j = 0; j < slots; j++) {
        const float *v = ws->v[j];
        float *root = ws->root + j * plan->fpad;
        double constant = 0;
        for (int f = 0; f < F; f++) {
            switch (plan->kind) {
            case BNMF_KL:   // Σ_{v>0} v log(v + ε) − v
                if (v[f] > 0) constant += (double)v[f] * log((double)(v[f] + eps)) - (double)v[f];
                break;
            case BNMF_IS:   // −Σ log(v + ε) + 1
                constant -= log((double)(v[f] + eps)) + 1;
                break;
            case BNMF_HALF:
                root[f] = sqrtf(v[f]);
                break;
            case BNMF_EUCLID:  // (bnmf_euclid_portable.c)
                break;
            }
        }
        ws->constant[j] = constant;
    }
}

/// Per slot and tile: Λ = ε + Σ_k u_k H[:, k] (k in order), then per bin the weights and
///     kl:    d = (Λ − ε) − v log Λ                      (+ constant: v log(v+ε) − v)
///     β = ½: d = 2 ((Λ − v) / (√Λ + √v))² / √Λ           (= 2√Λ + 2v/√Λ − 4√v, no cancellation)
///     is:    d = (v + ε)/Λ + log Λ                       (+ constant: −log(v+ε) − 1)
static void model(const bnmf_plan *plan, bnmf_workspace *ws, int slots, int update) {
    const int F = plan->bins, K = plan->components;
    const size_t Kp = (size_t)plan->kpad, Fp = plan->fpad;
    const float eps = plan->epsf;
    for (int j = 0; j < slots; j++) {
        const float *u = ws->uf + j * Kp, *v = ws->v[j], *root = ws->root + j * Fp;
        float *wa = ws->wa + j * Fp, *wb = ws->wb + j * Fp;
        double cost = 0;
        for (int tile = 0; tile < plan->tiles; tile++) {
            float lambda[L];
            for (int l = 0; l < L; l++) lambda[l] = eps;
            const float *h = plan->htile + (size_t)tile * K * L;
            for (int k = 0; k < K; k++) {
                const float uk = u[k];
                for (int l = 0; l < L; l++) lambda[l] += uk * h[(size_t)k * L + l];
            }
            const int f0 = tile * L, n = F - f0 < L ? F - f0 : L;
            for (int l = 0; l < n; l++) {
                const int f = f0 + l;
                const float x = lambda[l], y = v[f];
                switch (plan->kind) {
                case BNMF_KL:
                    if (update) wa[f] = y / x;
                    cost += (double)(x - eps) - (double)y * log((double)x);
                    break;
                case BNMF_HALF: {
                    const float r = 1 / sqrtf(x);
                    if (update) { wb[f] = r; wa[f] = y * r * r * r; }
                    const float z = (x - y) / (x * r + root[f]);
                    cost += (double)(2 * z * z * r);
                    break;
                }
                case BNMF_IS: {
                    const float r = 1 / x;
                    if (update) { wb[f] = r; wa[f] = y * r * r; }
                    cost += (double)(y + eps) / (double)x + log((double)x);
                    break;
                }
                case BNMF_EUCLID:  // (bnmf_euclid_portable.c)
                    break;
                }
            }
        }
        ws->cost[j] = ws->constant[j] + cost;
    }
}

/// num_k = Σ_f H[f,k] wa_f and den_k = Σ_f H[f,k] wb_f, f in order, lane-wise over k.
static void sums(const bnmf_plan *plan, bnmf_workspace *ws, int slots) {
    const int F = plan->bins;
    const size_t Kp = (size_t)plan->kpad, Fp = plan->fpad;
    const int withDen = plan->kind != BNMF_KL;
    for (int j = 0; j < slots; j++) {
        float *num = ws->num + j * Kp, *den = ws->den + j * Kp;
        const float *wa = ws->wa + j * Fp, *wb = ws->wb + j * Fp;
        memset(num, 0, sizeof(float) * Kp);
        memset(den, 0, sizeof(float) * Kp);
        for (int f = 0; f < F; f++) {
            const float *h = plan->hrow + (size_t)f * Kp;
            const float a = wa[f];
            for (size_t k = 0; k < Kp; k++) num[k] += h[k] * a;
            if (withDen) {
                const float b = wb[f];
                for (size_t k = 0; k < Kp; k++) den[k] += h[k] * b;
            }
        }
    }
}

const bnmf_kernels BNMF_PORTABLE_TABLE = { prepare, model, sums };
