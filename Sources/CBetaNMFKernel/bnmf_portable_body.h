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

/// Frames run side by side in both passes: each load of a piece of H feeds all of them, and
/// their sums are independent chains (one frame at a time, a tile's Λ was one chain per lane,
/// bound by the latency of its adds). Every sum keeps its order (k ascending in the model, f
/// ascending in the sums), so each frame's results are those of one frame at a time.
/// Frames per block of the model pass (4 × 16 lanes of Λ: 8 AVX2 registers).
#define MODEL_FRAMES 4
/// Frames and components per block of the sums (2 frames × 16 components × num and den: 8 AVX2
/// registers).
#define SUMS_FRAMES 2
#define SUMS_COMPONENTS 16
_Static_assert(BNMF_SLOT_BLOCK % MODEL_FRAMES == 0 && BNMF_SLOT_BLOCK % SUMS_FRAMES == 0, "slots come in whole blocks");
_Static_assert(SUMS_COMPONENTS == L, "kpad is a multiple of SUMS_COMPONENTS");

/// One double per frame of a model block.
typedef double frame_costs __attribute__((vector_size(sizeof(double) * MODEL_FRAMES)));

/// Per slot and tile: Λ = ε + Σ_k u_k H[:, k] (k in order), then per bin the weights and
///     kl:    d = (Λ − ε) − v log Λ                      (+ constant: v log(v+ε) − v)
///     β = ½: d = 2 ((Λ − v) / (√Λ + √v))² / √Λ           (= 2√Λ + 2v/√Λ − 4√v, no cancellation)
///     is:    d = (v + ε)/Λ + log Λ                       (+ constant: −log(v+ε) − 1)
static void model(const bnmf_plan *plan, bnmf_workspace *ws, int slots, int update) {
    const int F = plan->bins, K = plan->components;
    const size_t Kp = (size_t)plan->kpad, Fp = plan->fpad;
    const float eps = plan->epsf;
    for (int j0 = 0; j0 < slots; j0 += MODEL_FRAMES) {
        // Lane j: frame j0 + j's cost, its terms added in bin order.
        frame_costs cost = { 0 };
        for (int tile = 0; tile < plan->tiles; tile++) {
            bnmf_lanes lambda[MODEL_FRAMES];
            for (int j = 0; j < MODEL_FRAMES; j++) lambda[j] = (bnmf_lanes){ 0 } + eps;
            const float *h = plan->htile + (size_t)tile * K * L;
            const float *u = ws->uf + (size_t)j0 * Kp;
            for (int k = 0; k < K; k++) {
                bnmf_lanes hk;
                memcpy(&hk, h + (size_t)k * L, sizeof hk);
                for (int j = 0; j < MODEL_FRAMES; j++) lambda[j] += u[(size_t)j * Kp + (size_t)k] * hk;
            }
            const int f0 = tile * L, n = F - f0 < L ? F - f0 : L;
            double terms[L][MODEL_FRAMES];
            for (int j = 0; j < MODEL_FRAMES; j++) {
                // v of the tile (zero beyond F: v holds F floats).
                bnmf_lanes y = { 0 };
                if (n == L) memcpy(&y, ws->v[j0 + j] + f0, sizeof y);
                else memcpy(&y, ws->v[j0 + j] + f0, sizeof(float) * (size_t)n);
                const bnmf_lanes x = lambda[j];
                float *wa = ws->wa + (size_t)(j0 + j) * Fp + f0, *wb = ws->wb + (size_t)(j0 + j) * Fp + f0;
                float xs[L], ys[L];
                memcpy(xs, &x, sizeof xs);
                memcpy(ys, &y, sizeof ys);
                switch (plan->kind) {
                case BNMF_KL: {
                    if (update) {
                        const bnmf_lanes w = y / x;
                        memcpy(wa, &w, sizeof w);
                    }
                    for (int l = 0; l < n; l++) terms[l][j] = (double)(xs[l] - eps) - (double)ys[l] * log((double)xs[l]);
                    break;
                }
                case BNMF_HALF: {
                    // Exact square root and division, lane-wise (the vector forms set no errno).
                    bnmf_lanes root;
                    memcpy(&root, ws->root + (size_t)(j0 + j) * Fp + f0, sizeof root);
                    const bnmf_lanes r = 1 / __builtin_elementwise_sqrt(x);
                    if (update) {
                        const bnmf_lanes w = y * r * r * r;
                        memcpy(wb, &r, sizeof r);
                        memcpy(wa, &w, sizeof w);
                    }
                    const bnmf_lanes z = (x - y) / (x * r + root);
                    const bnmf_lanes t = 2 * z * z * r;
                    float ts[L];
                    memcpy(ts, &t, sizeof ts);
                    for (int l = 0; l < n; l++) terms[l][j] = (double)ts[l];
                    break;
                }
                case BNMF_IS: {
                    if (update) {
                        const bnmf_lanes r = 1 / x, w = y * r * r;
                        memcpy(wb, &r, sizeof r);
                        memcpy(wa, &w, sizeof w);
                    }
                    for (int l = 0; l < n; l++) terms[l][j] = (double)(ys[l] + eps) / (double)xs[l] + log((double)xs[l]);
                    break;
                }
                case BNMF_EUCLID:  // (bnmf_euclid_portable.c)
                    for (int l = 0; l < n; l++) terms[l][j] = 0;
                    break;
                }
            }
            for (int l = 0; l < n; l++) {
                frame_costs add;
                memcpy(&add, terms[l], sizeof add);
                cost += add;
            }
        }
        double costs[MODEL_FRAMES];
        memcpy(costs, &cost, sizeof costs);
        for (int j = 0; j < MODEL_FRAMES; j++) ws->cost[j0 + j] = ws->constant[j0 + j] + costs[j];
    }
}

/// num_k = Σ_f H[f,k] wa_f and (with `withDen`) den_k = Σ_f H[f,k] wb_f, f in order, for the
/// SUMS_FRAMES frames from j0 and the SUMS_COMPONENTS components from k0, in registers.
static inline void sums_block(const bnmf_plan *plan, bnmf_workspace *ws, int j0, size_t k0, const int withDen) {
    const int F = plan->bins;
    const size_t Kp = (size_t)plan->kpad, Fp = plan->fpad;
    bnmf_lanes num[SUMS_FRAMES], den[SUMS_FRAMES];
    for (int j = 0; j < SUMS_FRAMES; j++) num[j] = den[j] = (bnmf_lanes){ 0 };
    const float *wa = ws->wa + (size_t)j0 * Fp, *wb = ws->wb + (size_t)j0 * Fp;
    for (int f = 0; f < F; f++) {
        bnmf_lanes h;
        memcpy(&h, plan->hrow + (size_t)f * Kp + k0, sizeof h);
        for (int j = 0; j < SUMS_FRAMES; j++) {
            num[j] += h * wa[(size_t)j * Fp + (size_t)f];
            if (withDen) den[j] += h * wb[(size_t)j * Fp + (size_t)f];
        }
    }
    for (int j = 0; j < SUMS_FRAMES; j++) {
        memcpy(ws->num + (size_t)(j0 + j) * Kp + k0, &num[j], sizeof num[j]);
        memcpy(ws->den + (size_t)(j0 + j) * Kp + k0, &den[j], sizeof den[j]);
    }
}

/// num_k = Σ_f H[f,k] wa_f and den_k = Σ_f H[f,k] wb_f (den zero for KL), f in order, lane-wise over k.
static void sums(const bnmf_plan *plan, bnmf_workspace *ws, int slots) {
    const size_t Kp = (size_t)plan->kpad;
    const int withDen = plan->kind != BNMF_KL;
    for (int j0 = 0; j0 < slots; j0 += SUMS_FRAMES) {
        for (size_t k0 = 0; k0 < Kp; k0 += SUMS_COMPONENTS) {
            if (withDen) sums_block(plan, ws, j0, k0, 1);
            else sums_block(plan, ws, j0, k0, 0);
        }
    }
}

const bnmf_kernels BNMF_PORTABLE_TABLE = { prepare, model, sums };
