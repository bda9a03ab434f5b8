// The plain-C loops of the Euclidean NMF kernel (see bnmf_euclid_portable.c), included by
// bnmf_euclid_portable.c (the baseline target: any CPU) and by bnmf_avx2.c (AVX2 + FMA).
// Before including: bnmf_internal.h, <string.h>, and BNMF_EUCLID_PORTABLE_TABLE, the name of
// the kernels table to define. Not part of the module's interface.

/// proj = Hᵀv = Σ_f H[f,:] v_f (f in order, lane-wise over k) and norm = Σ_f v_f² in double.
static void project(const bnmf_plan *plan, const float *const *vectors, int slots, double *projections, double *norms) {
    const int F = plan->bins;
    const size_t Kp = (size_t)plan->kpad;
    for (int j = 0; j < slots; j++) {
        const float *v = vectors[j];
        double *proj = projections + j * Kp;
        memset(proj, 0, sizeof(double) * Kp);
        double norm = 0;
        for (int f = 0; f < F; f++) {
            const double x = v[f];
            const double *h = plan->hrow_d + (size_t)f * Kp;
            for (size_t k = 0; k < Kp; k++) proj[k] += h[k] * x;
            norm += x * x;
        }
        norms[j] = norm;
    }
}

static void load(const bnmf_plan *plan, bnmf_workspace *ws, int count, int slots, const double *activations,
                 const double *projections, size_t stride) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    for (int j = 0; j < slots; j++) {
        for (int k = 0; k < K; k++) {
            const size_t at = euclid_index(Kp, j, k);
            ws->uf[at] = j < count ? activation_float(activations[(size_t)j * K + k]) : 0;
            ws->bd[at] = j < count ? projections[(size_t)j * stride + k] : 0;
            ws->bt[at] = (float)ws->bd[at];
        }
    }
}

static void store(const bnmf_plan *plan, const bnmf_workspace *ws, int count, double *activations) {
    const int K = plan->components;
    for (int j = 0; j < count; j++) {
        for (int k = 0; k < K; k++) activations[(size_t)j * K + k] = ws->uf[euclid_index((size_t)plan->kpad, j, k)];
    }
}

/// Rows of G per register block of gram_rows: 4 × 16 frames are 8 AVX2 or 16 NEON registers of
/// accumulators. The including file may set fewer (baseline x86-64: 16 registers of 4 floats).
#ifndef GRAM_ROWS
#define GRAM_ROWS 4
#endif

/// gu[a][j] = Σ_b G[b, a] u[b][j] (b in order) for `rows` rows from a0 and the BNMF_LANES frames
/// from j (one vector, bnmf_lanes), summed in registers.
static inline __attribute__((always_inline)) void gram_rows(const bnmf_plan *plan, const float *u, float *gu, int a0, int j,
                                                            const int rows) {
    enum { B = BNMF_EUCLID_BLOCK };
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    bnmf_lanes acc[GRAM_ROWS];
    for (int r = 0; r < rows; r++) acc[r] = (bnmf_lanes){ 0 };
    for (int b = 0; b < K; b++) {
        const float *g = plan->gram + (size_t)b * Kp + a0;
        bnmf_lanes ub;
        memcpy(&ub, u + (size_t)b * B + j, sizeof ub);
        for (int r = 0; r < rows; r++) acc[r] += g[r] * ub;
    }
    for (int r = 0; r < rows; r++) memcpy(gu + (size_t)(a0 + r) * B + j, &acc[r], sizeof acc[r]);
}

/// gu = G uf (float, b in order) for the block of slots from j0 (block layout, euclid_index:
/// frames contiguous), in register blocks of GRAM_ROWS rows × 16 frames; each row's sums are
/// those of one row at a time (the sums of gu[a][j] kept in memory, b by b, were bound by the
/// stores).
static void gram(const bnmf_plan *plan, bnmf_workspace *ws, int j0) {
    enum { B = BNMF_EUCLID_BLOCK };
    _Static_assert(B % BNMF_LANES == 0, "a block is whole vectors of frames");
    _Static_assert(GRAM_ROWS >= 1 && GRAM_ROWS <= 4, "the switch below covers up to 3 rows left");
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad, at = euclid_index(Kp, j0, 0);
    const float *u = ws->uf + at;
    float *gu = ws->gu + at;
    for (int j = 0; j < B; j += BNMF_LANES) {
        int a0 = 0;
        for (; a0 + GRAM_ROWS <= K; a0 += GRAM_ROWS) gram_rows(plan, u, gu, a0, j, GRAM_ROWS);
        switch (K - a0) {  // (at most GRAM_ROWS − 1 rows left)
        case 1: gram_rows(plan, u, gu, a0, j, 1); break;
        case 2: gram_rows(plan, u, gu, a0, j, 2); break;
        case 3: gram_rows(plan, u, gu, a0, j, 3); break;
        default: break;
        }
    }
}

/// cost = ½ max(0, ‖v‖² + Σ_k u_k (G u − 2 Hᵀv)_k) (each term in float, the sum over k in
/// double, k in order) and, with `update`, u ← u ⊙ Hᵀv / (G u + ε) (float), for the block of
/// slots from j0 (innermost loop over its frames).
static void step(const bnmf_plan *plan, bnmf_workspace *ws, int j0, int update) {
    enum { B = BNMF_EUCLID_BLOCK };
    const int K = plan->components;
    const size_t at = euclid_index((size_t)plan->kpad, j0, 0);
    float *u = ws->uf + at;
    const float *bt = ws->bt + at;
    const double *bd = ws->bd + at;
    const float *gu = ws->gu + at;
    double sum[B] = {0};
    for (int k = 0; k < K; k++) {
        for (int j = 0; j < B; j++) {
            const size_t i = (size_t)k * B + j;
            const float x = u[i], b = bt[i], g = gu[i];
            sum[j] += (double)x * ((double)g - 2 * bd[i]);
            if (update) u[i] = activation_float((double)(x * b / (g + plan->epsf)));
        }
    }
    for (int j = 0; j < B; j++) {
        const double cost = ws->norm[j0 + j] + sum[j];
        ws->cost[j0 + j] = cost < 0 ? 0 : 0.5 * cost;  // (NaN stays NaN)
    }
}

const bnmf_euclid_kernels BNMF_EUCLID_PORTABLE_TABLE = { project, project, load, store, gram, step };
