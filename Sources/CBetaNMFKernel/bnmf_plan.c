// Plan, workspace, instruction-set dispatch and the group driver of the β-divergence NMF kernel.
#define _DEFAULT_SOURCE  // posix_memalign under strict C modes
#include "bnmf_internal.h"

#include "CInstructionSet.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

/// Carves 64-byte-aligned pieces out of one allocation.
typedef struct { char *base; size_t used; } carver;
static void *carve(carver *c, size_t bytes) {
    void *p = c->base ? c->base + c->used : NULL;
    c->used += round_up(bytes, 64);
    return p;
}

#if defined(__x86_64__)
#define EUCLID_AVX512 &bnmf_euclid_avx512_kernels
#define EUCLID_AVX2 &bnmf_euclid_avx2_kernels
#else
#define EUCLID_AVX512 &bnmf_euclid_portable_kernels
#define EUCLID_AVX2 &bnmf_euclid_portable_kernels
#endif

static const bnmf_kernels *kernels_for(bnmf_isa *isa) {
    // The automatic choice honours CNMF_INSTRUCTION_SET (see CInstructionSet.h).
    if (*isa == BNMF_ISA_AUTOMATIC) {
        const cnmf_level level = cnmf_level_resolve(CNMF_LEVEL_AUTOMATIC);
        if (level == CNMF_LEVEL_PORTABLE) *isa = BNMF_ISA_PORTABLE;
        if (level == CNMF_LEVEL_AVX2) *isa = BNMF_ISA_AVX2;
    }
#if defined(__x86_64__)
    const cnmf_level cpu = cnmf_level_supported();  // (the CPU's, whatever CNMF_INSTRUCTION_SET says)
    if (*isa != BNMF_ISA_PORTABLE && *isa != BNMF_ISA_AVX2 && cpu == CNMF_LEVEL_AVX512) {
        *isa = BNMF_ISA_AVX512;
        return &bnmf_avx512_kernels;
    }
    // Without AVX-512: the portable loops built for AVX2 + FMA.
    if ((*isa == BNMF_ISA_AUTOMATIC || *isa == BNMF_ISA_AVX2) && cpu >= CNMF_LEVEL_AVX2) {
        *isa = BNMF_ISA_AVX2;
        return &bnmf_avx2_kernels;
    }
#endif
    *isa = BNMF_ISA_PORTABLE;
    return &bnmf_portable_kernels;
}

bnmf_plan *bnmf_plan_create(int bins, int components, const float *basis, double beta, double epsilon,
                            int group, bnmf_isa isa) {
    if (bins < 0 || components < 0) return NULL;
    bnmf_kind kind;
    if (beta == 1) kind = BNMF_KL;
    else if (beta == 0.5) kind = BNMF_HALF;
    else if (beta == 0) kind = BNMF_IS;
    else if (beta == 2) kind = BNMF_EUCLID;
    else return NULL;
    const int tiles = (bins + BNMF_LANES - 1) / BNMF_LANES;
    const int kpad = (int)round_up((size_t)(components > 0 ? components : 1), BNMF_LANES);
    const int euclid = kind == BNMF_EUCLID;
    // β: htile, hrow, column sums. Euclidean: G, H rows in double, H rows.
    const size_t sizes[3] = {
        euclid ? sizeof(float) * (size_t)components * kpad : sizeof(float) * (size_t)tiles * components * BNMF_LANES,
        euclid ? sizeof(double) * (size_t)bins * kpad : sizeof(float) * (size_t)bins * kpad,
        euclid ? sizeof(float) * (size_t)bins * kpad : sizeof(double) * (size_t)kpad,
    };
    carver c = {0};
    carve(&c, sizeof(bnmf_plan));
    for (int i = 0; i < 3; i++) carve(&c, sizes[i]);
    void *memory = NULL;
    if (posix_memalign(&memory, 64, c.used) != 0) return NULL;
    memset(memory, 0, c.used);
    c = (carver){ memory, 0 };
    bnmf_plan *plan = carve(&c, sizeof(bnmf_plan));
    plan->allocation = memory;
    plan->bins = bins;
    plan->components = components;
    plan->tiles = tiles;
    plan->fpad = (size_t)tiles * BNMF_LANES;
    plan->kpad = kpad;
    plan->group = group <= 0 ? BNMF_SLOT_BLOCK : group >= BNMF_MAX_GROUP ? BNMF_MAX_GROUP : (int)round_up((size_t)group, BNMF_SLOT_BLOCK);
    plan->kind = kind;
    plan->epsf = (float)epsilon;
    plan->eps = epsilon;
    plan->kernels = kernels_for(&isa);
    plan->euclid = isa == BNMF_ISA_AVX512 ? EUCLID_AVX512 : isa == BNMF_ISA_AVX2 ? EUCLID_AVX2 : &bnmf_euclid_portable_kernels;
    plan->isa = isa;
    if (euclid) {
        plan->gram = carve(&c, sizes[0]);
        plan->hrow_d = carve(&c, sizes[1]);
        plan->hrow = carve(&c, sizes[2]);
        for (int f = 0; f < bins; f++) {
            for (int k = 0; k < components; k++) {
                plan->hrow[(size_t)f * kpad + k] = basis[(size_t)k * bins + f];
                plan->hrow_d[(size_t)f * kpad + k] = basis[(size_t)k * bins + f];
            }
        }
        // Row a of G = HᵀH is Hᵀ (column a of H): the Hᵀv pass with the columns as frames (double,
        // f in order; G[a][b] and G[b][a] are the same products in the same order, so G is
        // symmetric). Scratch: G in double [slots][kpad] and norms [slots], the columns, a zero one.
        const int slots = (int)round_up((size_t)components, BNMF_EUCLID_BLOCK);
        carver t = {0};
        carve(&t, sizeof(double) * (size_t)slots * (kpad + 1));
        carve(&t, sizeof(float *) * (size_t)slots);
        carve(&t, sizeof(float) * (size_t)bins);
        void *scratch = NULL;
        if (posix_memalign(&scratch, 64, t.used) != 0) { free(memory); return NULL; }
        memset(scratch, 0, t.used);
        t = (carver){ scratch, 0 };
        double *gram = carve(&t, sizeof(double) * (size_t)slots * (kpad + 1));
        const float **columns = carve(&t, sizeof(float *) * (size_t)slots);
        const float *zeros = carve(&t, sizeof(float) * (size_t)bins);
        for (int a = 0; a < slots; a++) columns[a] = a < components ? basis + (size_t)a * bins : zeros;
        plan->euclid->project_double(plan, columns, slots, gram, gram + (size_t)slots * kpad);
        for (int a = 0; a < components; a++) {
            for (int b = 0; b < components; b++) plan->gram[(size_t)a * kpad + b] = (float)gram[(size_t)a * kpad + b];
        }
        free(scratch);
        return plan;
    }
    plan->htile = carve(&c, sizes[0]);
    plan->hrow = carve(&c, sizes[1]);
    plan->column_sums = carve(&c, sizes[2]);
    for (int f = 0; f < bins; f++) {
        const int tile = f / BNMF_LANES, lane = f % BNMF_LANES;
        for (int k = 0; k < components; k++) {
            const float h = basis[(size_t)k * bins + f];
            plan->htile[((size_t)tile * components + k) * BNMF_LANES + lane] = h;
            plan->hrow[(size_t)f * kpad + k] = h;
            plan->column_sums[k] += h;
        }
    }
    return plan;
}

void bnmf_plan_destroy(bnmf_plan *plan) { if (plan) free(plan->allocation); }

bnmf_isa bnmf_plan_isa(const bnmf_plan *plan) { return plan->isa; }

int bnmf_plan_group(const bnmf_plan *plan) { return plan->group; }

bnmf_workspace *bnmf_workspace_create(const bnmf_plan *plan) {
    const int euclid = plan->kind == BNMF_EUCLID;
    // Euclidean groups are padded to whole blocks of frames.
    const size_t G = euclid ? round_up((size_t)plan->group, BNMF_EUCLID_BLOCK) : (size_t)plan->group;
    const size_t Kp = (size_t)plan->kpad, Fp = plan->fpad;
    // β: num, den [G][Kp] float, wa, wb, root [G][Fp] float. Euclidean: gu [G][Kp] float,
    // proj [G][Kp] double, norm [G] double, bt [G][Kp] double.
    const size_t sizes[5] = {
        sizeof(float) * G * Kp,
        euclid ? sizeof(double) * G * Kp : sizeof(float) * G * Kp,
        euclid ? sizeof(double) * G : sizeof(float) * G * Fp,
        euclid ? sizeof(float) * G * Kp : sizeof(float) * G * Fp,
        euclid ? 0 : sizeof(float) * G * Fp,
    };
    carver c = {0};
    carve(&c, sizeof(bnmf_workspace));
    carve(&c, sizeof(float *) * G);
    carve(&c, sizeof(float) * Fp);
    carve(&c, sizeof(double) * G * Kp);  // u (β) or bd (Euclidean)
    carve(&c, sizeof(float) * G * Kp);
    for (int i = 0; i < 5; i++) carve(&c, sizes[i]);
    for (int i = 0; i < 2; i++) carve(&c, sizeof(double) * G);
    void *memory = NULL;
    if (posix_memalign(&memory, 64, c.used) != 0) return NULL;
    memset(memory, 0, c.used);
    c = (carver){ memory, 0 };
    bnmf_workspace *ws = carve(&c, sizeof(bnmf_workspace));
    ws->allocation = memory;
    ws->v = carve(&c, sizeof(float *) * G);
    ws->zeros = carve(&c, sizeof(float) * Fp);
    // The β kernels' double activations; the Euclidean iterate is uf alone, and the same
    // space holds its double Hᵀv.
    double *doubles = carve(&c, sizeof(double) * G * Kp);
    if (euclid) ws->bd = doubles; else ws->u = doubles;
    ws->uf = carve(&c, sizeof(float) * G * Kp);
    if (euclid) {
        ws->gu = carve(&c, sizes[0]);
        ws->proj = carve(&c, sizes[1]);
        ws->norm = carve(&c, sizes[2]);
        ws->bt = carve(&c, sizes[3]);
    } else {
        ws->num = carve(&c, sizes[0]);
        ws->den = carve(&c, sizes[1]);
        ws->wa = carve(&c, sizes[2]);
        ws->wb = carve(&c, sizes[3]);
        ws->root = carve(&c, sizes[4]);
    }
    ws->constant = carve(&c, sizeof(double) * G);
    ws->cost = carve(&c, sizeof(double) * G);
    return ws;
}

void bnmf_workspace_destroy(bnmf_workspace *workspace) { if (workspace) free(workspace->allocation); }

/// u_k ← u_k · num_k / (den_k + ε) in double for every slot (den = Σ_f H[f,k] for KL).
static void update_activations(const bnmf_plan *plan, bnmf_workspace *ws, int slots) {
    const int K = plan->components;
    const size_t Kp = (size_t)plan->kpad;
    for (int j = 0; j < slots; j++) {
        double *u = ws->u + j * Kp;
        float *uf = ws->uf + j * Kp;
        const float *num = ws->num + j * Kp, *den = ws->den + j * Kp;
        for (int k = 0; k < K; k++) {
            const double denominator = plan->kind == BNMF_KL ? plan->column_sums[k] : (double)den[k];
            u[k] = u[k] * (double)num[k] / (denominator + plan->eps);
            uf[k] = activation_float(u[k]);
        }
    }
}

void bnmf_run(const bnmf_plan *plan, bnmf_workspace *ws, int frames, const float *magnitudes,
              const double *activations_in, double *activations_out, int iterations, int final_cost,
              double *costs, size_t cost_stride) {
    const int F = plan->bins, K = plan->components, G = plan->group;
    const size_t Kp = (size_t)plan->kpad;
    const bnmf_kernels *kernels = plan->kernels;
    if (plan->kind == BNMF_EUCLID) {
        bnmf_euclid_run_magnitudes(plan, ws, frames, magnitudes, activations_in, activations_out, iterations, final_cost,
                                   costs, cost_stride);
        return;
    }
#if defined(__x86_64__)
    // Subnormals take a slow microcode path and change nothing that can be heard.
    const unsigned int mxcsr = _mm_getcsr();
    _mm_setcsr(mxcsr | 0x8040);  // FTZ | DAZ
#endif
    for (int first = 0; first < frames; first += G) {
        const int count = frames - first < G ? frames - first : G;
        const int slots = (int)round_up((size_t)count, BNMF_SLOT_BLOCK);
        for (int j = 0; j < slots; j++) {
            double *u = ws->u + j * Kp;
            float *uf = ws->uf + j * Kp;
            memset(u, 0, sizeof(double) * Kp);
            memset(uf, 0, sizeof(float) * Kp);
            ws->v[j] = ws->zeros;
            if (j < count) {
                ws->v[j] = magnitudes + (size_t)(first + j) * F;
                for (int k = 0; k < K; k++) {
                    u[k] = activations_in[(size_t)(first + j) * K + k];
                    uf[k] = activation_float(u[k]);
                }
            }
        }
        kernels->prepare(plan, ws, slots);
        for (int i = 0; i < iterations + (final_cost != 0); i++) {
            const int update = i < iterations;
            kernels->model(plan, ws, slots, update);
            for (int j = 0; j < count; j++) costs[(size_t)i * cost_stride + first + j] = ws->cost[j];
            if (update) {
                kernels->sums(plan, ws, slots);
                update_activations(plan, ws, slots);
            }
        }
        for (int j = 0; j < count; j++) {
            for (int k = 0; k < K; k++) activations_out[(size_t)(first + j) * K + k] = ws->u[j * Kp + k];
        }
    }
#if defined(__x86_64__)
    _mm_setcsr(mxcsr);
#endif
}
