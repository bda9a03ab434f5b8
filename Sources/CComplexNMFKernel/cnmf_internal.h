// Shared definitions of the Complex NMF kernel files (not part of the module's interface).
//
// Loop layout. Bins are taken in tiles of CNMF_LANES = 16 consecutive bins (the last tile padded
// with zero basis rows and zero spectrum, which contribute exactly nothing). Within a tile, every
// quantity of one component is a 16-lane vector over the tile's bins:
//     htile[tile][k][lane]                 H[16·tile + lane, k]
//     ptile[tile][k][0..15 | 16..31]       Re P, Im P of (k, 16·tile + lane)
//     ytile[tile][0..15 | 16..31]          Re Y, Im Y
// so the sums over k (S, F) are lane-wise, the sums over f (Σ_f H|z|) are lane-wise until one
// reduction per sweep, and nothing inside the loops shuffles. A frame's phases are converted to
// this layout once per cnmf_frame_run and back at the end (a transpose, cheap against the
// iterations it serves).
#ifndef CNMF_INTERNAL_H
#define CNMF_INTERNAL_H

#include "CComplexNMFKernel.h"

#define CNMF_LANES 16
/// Frames the shared-phase shortcut iterates side by side (one pass over HᵀH per iteration for
/// all of them); see cnmf_shared_phase_run_frames.
#define CNMF_SHARED_FRAMES 8

/// The per-instruction-set loops. Each is a fixed function of its inputs (no dependence on threads).
typedef struct {
    /// Converts the frame's spectrum and phases into ws->ytile / ws->ptile.
    void (*tile_in)(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, const float *phases);
    /// Converts the frame's spectrum into ws->ytile and sets ws->ptile to the mixture phase
    /// Y_f/|Y_f| of every component (the default start, straight from the spectrum).
    void (*mixture_in)(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum);
    /// Writes ws->ptile back into the frame's interleaved phases.
    void (*tile_out)(const cnmf_plan *plan, const cnmf_workspace *ws, float *phases);
    /// One sweep over the bins for the activations ws->u: returns Σ_f |R_f|². With `update`, also
    /// replaces the phases by z/|z| and sets ws->numerator[k] = Σ_f H[f,k] |z_kf| (and, in the
    /// component-major loops, ws->denominator[k] = Σ_f H[f,k] S_f = (HᵀH U)_k). With `model`,
    /// stores F (the model) in ws->mtile. The residual arithmetic is the same in both modes, so
    /// the cost of an iterate does not depend on which sweep computed it. Tiles run from the
    /// first to the last, or from the last to the first with `reverse`; the sums over tiles
    /// follow that order.
    double (*sweep)(const cnmf_plan *plan, cnmf_workspace *ws, int update, int model, int reverse);
    /// gram = HᵀH `[components × stride]` (row-major, double) of `basis` `[components][bins]`:
    /// every entry summed over the bins in order, from zero. Each product of two floats is exact
    /// in double, so the entries do not depend on how the loops are blocked or fused. Returns 0
    /// when scratch memory is short, else 1.
    int (*gram)(const float *basis, int bins, int components, int stride, double *gram);
    /// out = HᵀH · in (double, K), each entry summed over the components in order.
    void (*gram_times)(const cnmf_plan *plan, const double *in, double *out);
    /// gram_times of `count` vectors at once, vector j at in + j·stride (out likewise), bit for
    /// bit what `count` calls of gram_times give; HᵀH is read once for several vectors.
    void (*gram_times_frames)(const cnmf_plan *plan, int count, const double *in, size_t stride, double *out);
    /// out = HᵀH · in for the general sweep's activation update: gram_times in the tile loops, a
    /// no-op in the component-major loops, whose sweep has already summed it from S.
    void (*denominator)(const cnmf_plan *plan, const double *in, double *out);
    /// From ws->u: ws->activation = U (double), ws->power = U^(p−1) (0 when λ = 0); returns the
    /// penalty Σ_k U_k^p.
    double (*powers)(const cnmf_plan *plan, cnmf_workspace *ws);
    /// cnmf_update_activations (the portable definition), the same bits.
    void (*update)(const cnmf_plan *plan, cnmf_workspace *ws);
    /// cnmf_shared_phase_statistics and cnmf_shared_phase_finish (cnmf_shared_phase.c has the
    /// portable definitions), the same bits.
    double (*shared_statistics)(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, double *numerator);
    void (*shared_finish)(const cnmf_plan *plan, const float *spectrum, float *activations, float *model, float *phases);
} cnmf_kernels;

struct cnmf_plan {
    int bins, components, tiles;
    int gram_stride;             // row stride of gram (K rounded up to 8)
    float *htile;                // [tiles][K][16]
    float *hmajor;               // [bins][K rounded up to 16], zero-padded: the component-major loops only
    double *gram;                // [K][gram_stride], HᵀH summed over bins in order, double
    double lambda, sparsity;
    float floor;
    cnmf_isa isa;
    const cnmf_kernels *kernels;
    void *allocation;
};

struct cnmf_workspace {
    float *ptile;                // [tiles][K][32], or [bins][K/16 rounded up][32] component-major
    float *ytile;                // [tiles][32]
    float *mtile;                // [tiles][32] model F of the last model sweep
    float *numerator_lanes;      // [K][16] lane-wise partial Σ_f H|z|
    float *staging;              // [16][2K] one tile of phases in the caller's layout
    float *block_sums;           // [2][K rounded up to 16] Σ H|z| and Σ H S over ≤ 16 bins (component-major)
    float *u;                    // [K] activations of the current iterate (zero up to K rounded up to 16)
    double *numerator;           // [K] Σ_f H[f,k] |z_kf|
    double *activation;          // [K] U as double
    double *denominator;         // [K] (HᵀH U)_k
    double *power;               // [K] U_k^(p−1)
    double *lanes;               // [K][16] lane-wise partial sums of the shared-phase shortcut
    double *bins;                // [tiles][16] per-bin scratch: |Y| in the shortcut's statistics
    float *shared_u;             // [CNMF_SHARED_FRAMES][K rounded up to 16] u of the shortcut's frames side by side
    double *shared;              // [4][CNMF_SHARED_FRAMES][K rounded up to 16] their activation, power,
                                 // denominator and numerator (see cnmf_shared_phase.c)
    void *allocation;
};

/// U_k ← max(floor, U_k · numerator_k / (denominator_k + λ p U_k^(p−1))) into ws->u (floor where
/// the denominator is 0), from ws->activation, ws->power, ws->numerator and ws->denominator = HᵀH U.
void cnmf_update_activations(const cnmf_plan *plan, cnmf_workspace *ws);
/// The portable shared-phase statistics and finish (what cnmf_shared_phase_statistics and
/// cnmf_shared_phase_finish compute; cnmf_shared_phase.c).
double cnmf_portable_shared_statistics(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum, double *numerator);
void cnmf_portable_shared_finish(const cnmf_plan *plan, const float *spectrum, float *activations, float *model, float *phases);
/// The mixture phase Y/|Y| of one bin, in double (1 where |Y| = 0).
void cnmf_mixture_phase(float re, float im, float *c, float *s);

/// The frame's spectrum into ws->ytile ([tiles][Re 16 | Im 16], zero past the last bin), the
/// layout every loop reads Y from.
void cnmf_spectrum_in(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum);
/// Bin f's phases from the tile layout (ws->ptile) into the frame's interleaved phases.
static inline void cnmf_tile_out_bin(const cnmf_plan *plan, const cnmf_workspace *ws, int f, float *phases) {
    const int K = plan->components, tile = f / CNMF_LANES, lane = f % CNMF_LANES;
    const float *p = ws->ptile + (size_t)tile * K * 2 * CNMF_LANES + lane;
    float *q = phases + (size_t)2 * K * f;
    for (int k = 0; k < K; k++) {
        q[2 * k] = p[(size_t)k * 2 * CNMF_LANES];
        q[2 * k + 1] = p[(size_t)k * 2 * CNMF_LANES + CNMF_LANES];
    }
}

/// The tile layout of the mixture-phase start (mixture_in of the tile loops).
void cnmf_tile_in_mixture(const cnmf_plan *plan, cnmf_workspace *ws, const float *spectrum);

/// From this many components on, CNMF_ISA_AVX512 takes the component-major loops: one frame's
/// two tiles of all components (448·K bytes) no longer fit L1 from K ≈ 100 on, HᵀH (4·K² bytes
/// as float) no longer fits L2's share left over by the frame, and per bin the 16-component
/// vectors need only 12·K bytes. Below it the tile loops are faster (their horizontal sums per
/// bin are fewer). Measured on the development machine: the same speed at K ≈ 176, 15–50 %
/// faster at K = 256–512.
#define CNMF_COMPONENT_MAJOR_FROM 192

extern const cnmf_kernels cnmf_portable_kernels;
#if defined(__x86_64__)
extern const cnmf_kernels cnmf_avx2_kernels;
extern const cnmf_kernels cnmf_avx512_kernels;
extern const cnmf_kernels cnmf_avx512_component_major_kernels;
#endif

#endif
