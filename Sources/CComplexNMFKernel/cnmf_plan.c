// Plan, workspace, instruction-set dispatch and the per-frame driver of the Complex NMF kernel.
#define _DEFAULT_SOURCE  // posix_memalign, madvise and MADV_HUGEPAGE under strict C modes
#include "cnmf_internal.h"

#include "CInstructionSet.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

static size_t round_up(size_t n, size_t multiple) { return (n + multiple - 1) / multiple * multiple; }

/// Carves 64-byte-aligned pieces out of one allocation.
typedef struct { char *base; size_t used; } carver;
static void *carve(carver *c, size_t bytes) {
    void *p = c->base ? c->base + c->used : NULL;
    c->used += round_up(bytes, 64);
    return p;
}

static const cnmf_kernels *kernels_for(cnmf_isa *isa, int components) {
    // The automatic choice honours CNMF_INSTRUCTION_SET (see CInstructionSet.h).
    if (*isa == CNMF_ISA_AUTOMATIC) {
        const cnmf_level level = cnmf_level_resolve(CNMF_LEVEL_AUTOMATIC);
        if (level == CNMF_LEVEL_PORTABLE) *isa = CNMF_ISA_PORTABLE;
        if (level == CNMF_LEVEL_AVX2) *isa = CNMF_ISA_AVX2;
    }
#if defined(__x86_64__)
    const cnmf_level cpu = cnmf_level_supported();  // (the CPU's, whatever CNMF_INSTRUCTION_SET says)
    // The loops use AVX-512 F, DQ, VL and BW (every AVX-512 CPU since Skylake-SP).
    if (*isa != CNMF_ISA_PORTABLE && *isa != CNMF_ISA_AVX2 && cpu == CNMF_LEVEL_AVX512) {
        const int componentMajor = *isa == CNMF_ISA_AVX512_COMPONENT_MAJOR ||
                                   (*isa != CNMF_ISA_AVX512_TILES && components >= CNMF_COMPONENT_MAJOR_FROM);
        *isa = componentMajor ? CNMF_ISA_AVX512_COMPONENT_MAJOR : CNMF_ISA_AVX512_TILES;
        return componentMajor ? &cnmf_avx512_component_major_kernels : &cnmf_avx512_kernels;
    }
    // Without AVX-512 (most AMD CPUs before Zen 4, Intel client CPUs since Alder Lake): the
    // portable loops built for AVX2 + FMA.
    if ((*isa == CNMF_ISA_AUTOMATIC || *isa == CNMF_ISA_AVX2) && cpu >= CNMF_LEVEL_AVX2) {
        *isa = CNMF_ISA_AVX2;
        return &cnmf_avx2_kernels;
    }
#else
    (void)components;
#endif
    *isa = CNMF_ISA_PORTABLE;
    return &cnmf_portable_kernels;
}

cnmf_plan *cnmf_plan_create(int bins, int components, const float *basis,
                            double lambda, double sparsity, float floor, cnmf_isa isa) {
    if (bins < 0 || components < 0) return NULL;
    const int tiles = (bins + CNMF_LANES - 1) / CNMF_LANES;
    const int stride = (int)round_up((size_t)components, 8);
    const cnmf_kernels *kernels = kernels_for(&isa, components);
    const size_t majorBytes = isa == CNMF_ISA_AVX512_COMPONENT_MAJOR ? sizeof(float) * (size_t)bins * round_up((size_t)components, CNMF_LANES) : 0;
    carver c = {0};
    carve(&c, sizeof(cnmf_plan));
    carve(&c, sizeof(float) * (size_t)tiles * components * CNMF_LANES);
    carve(&c, sizeof(double) * (size_t)components * stride);
    carve(&c, majorBytes);
    void *memory = NULL;
    if (posix_memalign(&memory, 64, c.used) != 0) return NULL;
    memset(memory, 0, c.used);
    c = (carver){ memory, 0 };
    cnmf_plan *plan = carve(&c, sizeof(cnmf_plan));
    plan->allocation = memory;
    plan->bins = bins;
    plan->components = components;
    plan->tiles = tiles;
    plan->gram_stride = stride;
    plan->htile = carve(&c, sizeof(float) * (size_t)tiles * components * CNMF_LANES);
    plan->gram = carve(&c, sizeof(double) * (size_t)components * stride);
    plan->hmajor = majorBytes > 0 ? carve(&c, majorBytes) : NULL;
    plan->lambda = lambda;
    plan->sparsity = sparsity;
    plan->floor = floor;
    plan->kernels = kernels;
    plan->isa = isa;
    for (int k = 0; k < components; k++) {
        for (int f = 0; f < bins; f++) {
            const int tile = f / CNMF_LANES, lane = f % CNMF_LANES;
            plan->htile[((size_t)tile * components + k) * CNMF_LANES + lane] = basis[(size_t)k * bins + f];
        }
    }
    if (plan->hmajor) {
        const size_t padded = round_up((size_t)components, CNMF_LANES);
        for (int f = 0; f < bins; f++) {
            for (int k = 0; k < components; k++) plan->hmajor[(size_t)f * padded + k] = basis[(size_t)k * bins + f];
        }
    }
    if (!plan->kernels->gram(basis, bins, components, stride, plan->gram)) { free(memory); return NULL; }
    return plan;
}

void cnmf_plan_destroy(cnmf_plan *plan) { if (plan) free(plan->allocation); }

cnmf_isa cnmf_plan_isa(const cnmf_plan *plan) { return plan->isa; }

void cnmf_plan_copy_gram(const cnmf_plan *plan, double *gram) {
    const size_t K = (size_t)plan->components;
    for (size_t a = 0; a < K; a++) memcpy(gram + a * K, plan->gram + a * (size_t)plan->gram_stride, sizeof(double) * K);
}

cnmf_workspace *cnmf_workspace_create(const cnmf_plan *plan) {
    const size_t K = (size_t)plan->components, tiles = (size_t)plan->tiles;
    const size_t Kp = round_up(K, CNMF_LANES);
    const size_t tileFloats = tiles * K * 2 * CNMF_LANES, majorFloats = (size_t)plan->bins * Kp * 2;
    const size_t phaseFloats = plan->hmajor && majorFloats > tileFloats ? majorFloats : tileFloats;
    carver c = {0};
    carve(&c, sizeof(cnmf_workspace));
    carve(&c, sizeof(float) * phaseFloats);
    carve(&c, sizeof(float) * tiles * 2 * CNMF_LANES);
    carve(&c, sizeof(float) * tiles * 2 * CNMF_LANES);
    carve(&c, sizeof(float) * K * CNMF_LANES);
    carve(&c, sizeof(float) * K * 2 * CNMF_LANES);
    carve(&c, sizeof(float) * 2 * Kp);
    carve(&c, sizeof(float) * Kp);
    for (int i = 0; i < 4; i++) carve(&c, sizeof(double) * Kp);
    carve(&c, sizeof(double) * K * CNMF_LANES);
    carve(&c, sizeof(float) * CNMF_SHARED_FRAMES * Kp);
    carve(&c, sizeof(double) * 4 * CNMF_SHARED_FRAMES * Kp);
    carve(&c, sizeof(double) * tiles * CNMF_LANES);
    void *memory = NULL;
    if (posix_memalign(&memory, 64, c.used) != 0) return NULL;
    memset(memory, 0, c.used);
    c = (carver){ memory, 0 };
    cnmf_workspace *ws = carve(&c, sizeof(cnmf_workspace));
    ws->allocation = memory;
    ws->ptile = carve(&c, sizeof(float) * phaseFloats);
    ws->ytile = carve(&c, sizeof(float) * tiles * 2 * CNMF_LANES);
    ws->mtile = carve(&c, sizeof(float) * tiles * 2 * CNMF_LANES);
    ws->numerator_lanes = carve(&c, sizeof(float) * K * CNMF_LANES);
    ws->staging = carve(&c, sizeof(float) * K * 2 * CNMF_LANES);
    ws->block_sums = carve(&c, sizeof(float) * 2 * Kp);
    ws->u = carve(&c, sizeof(float) * Kp);
    ws->numerator = carve(&c, sizeof(double) * Kp);
    ws->activation = carve(&c, sizeof(double) * Kp);
    ws->denominator = carve(&c, sizeof(double) * Kp);
    ws->power = carve(&c, sizeof(double) * Kp);
    ws->lanes = carve(&c, sizeof(double) * K * CNMF_LANES);
    ws->shared_u = carve(&c, sizeof(float) * CNMF_SHARED_FRAMES * Kp);
    ws->shared = carve(&c, sizeof(double) * 4 * CNMF_SHARED_FRAMES * Kp);
    ws->bins = carve(&c, sizeof(double) * tiles * CNMF_LANES);
    return ws;
}

void cnmf_workspace_destroy(cnmf_workspace *workspace) { if (workspace) free(workspace->allocation); }

/// U_k ← max(floor, U_k · numerator_k / (denominator_k + λ p U_k^(p−1))), floor where the
/// denominator is 0; ws->denominator must hold (HᵀH U)_k and ws->activation, ws->power the
/// iterate before the update.
void cnmf_update_activations(const cnmf_plan *plan, cnmf_workspace *ws) {
    const int K = plan->components;
    const double lp = plan->lambda * plan->sparsity;
    for (int k = 0; k < K; k++) {
        const double old = ws->activation[k];
        const double denominator = ws->denominator[k] + lp * ws->power[k];
        const double updated = denominator > 0 ? old * ws->numerator[k] / denominator : 0;
        const float value = (float)updated;
        ws->u[k] = value > plan->floor ? value : plan->floor;
    }
}

void cnmf_update_activations_of(const cnmf_plan *plan, cnmf_workspace *ws, const double *activation, const double *power,
                                const double *numerator, const double *denominator, float *u) {
    const size_t K = (size_t)plan->components;
#if defined(__x86_64__)
    const unsigned int mxcsr = _mm_getcsr();
    _mm_setcsr(mxcsr | 0x8040);  // FTZ | DAZ, as in cnmf_frame_run
#endif
    memcpy(ws->activation, activation, sizeof(double) * K);
    memcpy(ws->power, power, sizeof(double) * K);
    memcpy(ws->numerator, numerator, sizeof(double) * K);
    memcpy(ws->denominator, denominator, sizeof(double) * K);
    plan->kernels->update(plan, ws);
    memcpy(u, ws->u, sizeof(float) * K);
#if defined(__x86_64__)
    _mm_setcsr(mxcsr);
#endif
}

double cnmf_powers_of(const cnmf_plan *plan, cnmf_workspace *ws, const float *u, double *power) {
    const size_t K = (size_t)plan->components;
    memcpy(ws->u, u, sizeof(float) * K);
    const double penalty = plan->kernels->powers(plan, ws);
    memcpy(power, ws->power, sizeof(double) * K);
    return penalty;
}

// The mixture phase is computed exactly as the Swift PhaseTensor(mixturePhasesOf:) does: in
// double, a·a + b·b not fused, before the kernel's flush-to-zero mode is set.
#pragma STDC FP_CONTRACT OFF
void cnmf_mixture_phase(float re, float im, float *c, float *s) {
    const double x = re, y = im;
    const double magnitude = sqrt(x * x + y * y);
    *c = magnitude > 0 ? (float)(x / magnitude) : 1.0f;
    *s = magnitude > 0 ? (float)(y / magnitude) : 0.0f;
}

void cnmf_mixture_phases(int bins, int components, const float *spectrum, float *phases) {
    for (int f = 0; f < bins; f++) {
        float c, s;
        cnmf_mixture_phase(spectrum[2 * f], spectrum[2 * f + 1], &c, &s);
        for (int k = 0; k < components; k++) {
            phases[(size_t)2 * (k + (size_t)components * f)] = c;
            phases[(size_t)2 * (k + (size_t)components * f) + 1] = s;
        }
    }
}

void cnmf_spectrum_in(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum) {
    memset(ws->ytile, 0, sizeof(float) * (size_t)plan->tiles * 2 * CNMF_LANES);
    for (int f = 0; f < plan->bins; f++) {
        float *y = ws->ytile + (size_t)(f / CNMF_LANES) * 2 * CNMF_LANES + f % CNMF_LANES;
        y[0] = spectrum[2 * f];
        y[CNMF_LANES] = spectrum[2 * f + 1];
    }
}

/// The tile layout of the mixture-phase start, straight from the spectrum.
void cnmf_tile_in_mixture(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum) {
    const int F = plan->bins, K = plan->components;
    for (int tile = 0; tile < plan->tiles; tile++) {
        float c[CNMF_LANES], s[CNMF_LANES], *y = ws->ytile + (size_t)tile * 2 * CNMF_LANES;
        for (int j = 0; j < CNMF_LANES; j++) {
            const int f = tile * CNMF_LANES + j;
            y[j] = f < F ? spectrum[2 * f] : 0;
            y[CNMF_LANES + j] = f < F ? spectrum[2 * f + 1] : 0;
            if (f < F) cnmf_mixture_phase(spectrum[2 * f], spectrum[2 * f + 1], &c[j], &s[j]);
            else { c[j] = 0; s[j] = 0; }
        }
        float *p = ws->ptile + (size_t)tile * K * 2 * CNMF_LANES;
        for (int k = 0; k < K; k++) {
            memcpy(p + (size_t)k * 2 * CNMF_LANES, c, sizeof c);
            memcpy(p + (size_t)k * 2 * CNMF_LANES + CNMF_LANES, s, sizeof s);
        }
    }
}
#pragma STDC FP_CONTRACT ON

void cnmf_advise_huge_pages(void *start, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    const uintptr_t first = ((uintptr_t)start + huge - 1) & ~(huge - 1), end = ((uintptr_t)start + bytes) & ~(huge - 1);
    if (end > first) madvise((void *)first, end - first, MADV_HUGEPAGE);
#else
    (void)start;
    (void)bytes;
#endif
}

void cnmf_frame_run(const cnmf_plan *plan, cnmf_workspace *ws,
                    const float *spectrum, float *activations, float *phases, int mixture_start,
                    int first_iteration, int iterations, double *costs, float *model) {
    const int K = plan->components;
    const cnmf_kernels *kernels = plan->kernels;
    if (mixture_start) kernels->mixture_in(plan, ws, spectrum);
    else kernels->tile_in(plan, ws, spectrum, phases);
#if defined(__x86_64__)
    // Subnormal results (activations at the floor times small basis values) are flushed to zero:
    // they take a slow microcode path and change nothing that can be heard.
    const unsigned int mxcsr = _mm_getcsr();
    _mm_setcsr(mxcsr | 0x8040);  // FTZ | DAZ
#endif
    for (int k = 0; k < K; k++) ws->u[k] = activations[k];
    for (int i = 0; i <= iterations; i++) {
        const int update = i < iterations;
        const double penalty = kernels->powers(plan, ws);
        // The sweep of iterate n runs over the tiles backwards when n is odd, so that it starts
        // on the tiles the previous sweep ended on: when a frame's phases and basis (12·K·F
        // bytes) outgrow L2, those are the ones still there.
        const int reverse = (first_iteration + i) & 1;
        const double residual = kernels->sweep(plan, ws, update, !update && model != NULL, reverse);
        costs[i] = residual + 2 * plan->lambda * penalty;
        if (update) {
            kernels->denominator(plan, ws->activation, ws->denominator);
            kernels->update(plan, ws);
        }
    }
    if (model) {
        // Activations at the floor are reported as 0; the model is recomputed from exactly those.
        int zeroed = 0;
        for (int k = 0; k < K; k++) {
            if (ws->u[k] <= plan->floor) { ws->u[k] = 0; zeroed = 1; }
        }
        if (zeroed) kernels->sweep(plan, ws, 0, 1, 0);  // (the model does not depend on the order)
        for (int f = 0; f < plan->bins; f++) {
            const float *m = ws->mtile + (size_t)(f / CNMF_LANES) * 2 * CNMF_LANES + f % CNMF_LANES;
            model[2 * f] = m[0];
            model[2 * f + 1] = m[CNMF_LANES];
        }
    }
    if (iterations > 0 || mixture_start) kernels->tile_out(plan, ws, phases);
    for (int k = 0; k < K; k++) activations[k] = ws->u[k];
#if defined(__x86_64__)
    _mm_setcsr(mxcsr);
#endif
}
