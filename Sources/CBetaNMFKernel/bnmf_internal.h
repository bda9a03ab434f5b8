// Shared definitions of the β-divergence NMF kernel files (not part of the module's interface).
//
// Loop layouts. The model Λ = ε + H u is summed over k lane-wise with lanes over 16 consecutive
// bins (a tile; the last tile padded with zero basis rows):
//     htile[tile][k][lane]   H[16·tile + lane, k]
// The sums Σ_f H[f,k] w_f are summed over f in order with lanes over 16 consecutive components
// (K padded with zero columns to `kpad`, a multiple of 16):
//     hrow[f][k]             H[f, k]
// so neither pass shuffles or reduces across lanes. Frames of a group occupy `slots` (a multiple
// of 8); slots beyond the frames of the call hold a zero frame (v = 0, u = 0).
// Euclidean plans (bnmf_euclid*.c) instead hold G = HᵀH, H and H in double, all lane-wise over
// components (G symmetric, so row b is column b):
//     gram[b][a]   G[b, a] as float     hrow[f][k]   H[f, k]     hrow_d[f][k]   H[f, k] as double
// and their slots come in blocks of BNMF_EUCLID_BLOCK (padding slots: v = 0, Hᵀv = 0, u = 0).
#ifndef BNMF_INTERNAL_H
#define BNMF_INTERNAL_H

#include "CBetaNMFKernel.h"

#include <float.h>
#include <stddef.h>

#define BNMF_LANES 16

/// BNMF_LANES floats, one per lane, in whatever vectors the target has (2 with AVX2, 4 with SSE2
/// or NEON), for the plain-C loops (bnmf_portable_body.h, bnmf_euclid_portable_body.h): written
/// as a vector type because the compiler scalarised the same loops over plain C arrays of
/// frames × lanes. Each lane's arithmetic is that of the scalar code (a·b + c fused where the
/// target has FMA, as the compiler fuses the scalar expression).
typedef float bnmf_lanes __attribute__((vector_size(sizeof(float) * BNMF_LANES)));
#define BNMF_SLOT_BLOCK 8
/// Largest group (frames per group) a plan accepts.
#define BNMF_MAX_GROUP 64

/// Which divergence (β).
typedef enum { BNMF_KL = 1, BNMF_HALF = 2, BNMF_IS = 3, BNMF_EUCLID = 4 } bnmf_kind;

/// Frames of the Euclidean block (all iterations of these frames run back to back): the lanes
/// of G u and of the update run over its frames (two vectors of floats).
#define BNMF_EUCLID_BLOCK 32

/// The per-instruction-set loops. Each is a fixed function of one slot's data (no dependence on
/// threads, slots or group size).
typedef struct {
    /// Per-slot constants of the frames in ws->v: ws->root (√v, β = ½), ws->constant (the part
    /// of the cost that does not depend on Λ).
    void (*prepare)(const bnmf_plan *plan, bnmf_workspace *ws, int slots);
    /// Λ of every slot from ws->uf; ws->cost[j] = the cost of slot j; with `update`, also the
    /// weights ws->wa = v Λ^(β−2) and ws->wb = Λ^(β−1) (not for KL).
    void (*model)(const bnmf_plan *plan, bnmf_workspace *ws, int slots, int update);
    /// ws->num = Σ_f H[f,:] wa_f, ws->den = Σ_f H[f,:] wb_f (not for KL), per slot.
    void (*sums)(const bnmf_plan *plan, bnmf_workspace *ws, int slots);
} bnmf_kernels;

/// The per-instruction-set loops of the Euclidean kernel (bnmf_euclid_*.c), each again a fixed
/// function of one slot's data.
typedef struct {
    /// proj[j · kpad …] = Hᵀv (double sums, f in order) and norm[j] = ‖v‖² (double) of the
    /// `slots` vectors v[j] of `bins` floats (slots a multiple of BNMF_EUCLID_BLOCK), in the
    /// layout [slot][kpad]. AVX-512:
    /// products summed in float over blocks of 16 bins, the blocks' sums added in double.
    void (*project)(const bnmf_plan *plan, const float *const *v, int slots, double *proj, double *norm);
    /// The same with every product in double (needs only plan->hrow_d): G at plan time, with the
    /// columns of H as v.
    void (*project_double)(const bnmf_plan *plan, const float *const *v, int slots, double *proj, double *norm);
    /// ws->uf (activation_float) from `activations` `[count][K]` and ws->bd (and its float
    /// copy ws->bt) from `projections` (slot j's K values at j · stride), into the block layout (euclid_index);
    /// slots count … slots − 1 get u = 0 and Hᵀv = 0 (their rows are not read). The rows k ≥ K
    /// of a block are never read.
    void (*load)(const bnmf_plan *plan, bnmf_workspace *ws, int count, int slots, const double *activations,
                 const double *projections, size_t stride);
    /// `activations` `[count][K]` from ws->uf.
    void (*store)(const bnmf_plan *plan, const bnmf_workspace *ws, int count, double *activations);
    /// ws->gu = G · ws->uf (float, b in order) for the BNMF_EUCLID_BLOCK slots from j0 (block
    /// layout, see euclid_index).
    void (*gram)(const bnmf_plan *plan, bnmf_workspace *ws, int j0);
    /// ws->cost of the BNMF_EUCLID_BLOCK slots from j0 from ws->uf, ws->gu, ws->bd, ws->norm
    /// (double sums of double terms); with `update`, u ← u ⊙ Hᵀv / (G u + ε) in float (ws->bt)
    /// into ws->uf (block layout).
    void (*step)(const bnmf_plan *plan, bnmf_workspace *ws, int j0, int update);
} bnmf_euclid_kernels;

struct bnmf_plan {
    int bins, components, tiles, kpad, group;
    size_t fpad;                 // tiles · 16
    bnmf_kind kind;
    float epsf;                  // ε as float (added to Λ)
    double eps;                  // ε as double (added to the update denominators)
    float *htile;                // [tiles][K][16]
    float *hrow;                 // [bins][kpad]
    double *column_sums;         // [kpad] Σ_f H[f,k] in double, f in order (KL denominator)
    // Euclidean plans have hrow (for Hᵀv), no htile, and:
    float *gram;                 // [K][kpad] G = HᵀH (computed in double, rounded once)
    double *hrow_d;              // [bins][kpad] H[f, k] in double (for G; the portable Hᵀv)
    bnmf_isa isa;
    const bnmf_kernels *kernels;
    const bnmf_euclid_kernels *euclid;
    void *allocation;
};

struct bnmf_workspace {
    const float **v;             // [group] each slot's magnitudes (bins floats; `zeros` when empty)
    float *zeros;                // [fpad] zeros
    double *u;                   // [group][kpad] activations (β-divergences; NULL for Euclidean)
    float *uf;                   // [group][kpad] activations as float (0 below FLT_MIN); the
                                 // Euclidean iterate itself
    float *num, *den;            // [group][kpad] Σ_f H wa, Σ_f H wb
    float *wa, *wb, *root;       // [group][fpad] weights, √v
    double *constant;            // [group] Λ-independent part of the cost
    double *cost;                // [group] cost of the current iterate
    // Euclidean only (slots: group rounded up to BNMF_EUCLID_BLOCK). uf, gu, bt and bd are in
    // the block layout of euclid_index, not [slot][kpad]:
    float *gu;                   // [slots · kpad] G u
    double *proj;                // [slots][kpad] Hᵀv as `project` gives it
    float *bt;                   // [slots · kpad] Hᵀv rounded to float (for the update)
    double *bd;                  // [slots · kpad] Hᵀv (for the cost; the space of u)
    double *norm;                // [group] ‖v‖²
    void *allocation;
};

static inline size_t round_up(size_t n, size_t multiple) { return (n + multiple - 1) / multiple * multiple; }

/// Where component k of slot j is in the Euclidean arrays u, uf, gu and bt: each block of
/// BNMF_EUCLID_BLOCK slots holds kpad rows of BNMF_EUCLID_BLOCK values (its frames side by side).
static inline size_t euclid_index(size_t kpad, int j, int k) {
    return ((size_t)(j / BNMF_EUCLID_BLOCK) * kpad + (size_t)k) * BNMF_EUCLID_BLOCK + (size_t)(j % BNMF_EUCLID_BLOCK);
}

/// The float copy of an activation that Λ (or G u) is summed from; values below the smallest
/// normal float (whose share of Λ ≥ ε is far below its rounding) are 0, so no subnormal enters
/// the loops.
static inline float activation_float(double u) {
    const float x = (float)u;
    return x >= FLT_MIN ? x : 0.0f;
}

/// `bnmf_run` for a Euclidean plan: per group, Hᵀv and ‖v‖² of the magnitudes, then the iterations.
void bnmf_euclid_run_magnitudes(const bnmf_plan *plan, bnmf_workspace *ws, int frames, const float *magnitudes,
                                const double *activations_in, double *activations_out, int iterations, int final_cost,
                                double *costs, size_t cost_stride);

extern const bnmf_kernels bnmf_portable_kernels;
extern const bnmf_euclid_kernels bnmf_euclid_portable_kernels;
#if defined(__x86_64__)
extern const bnmf_kernels bnmf_avx2_kernels;
extern const bnmf_euclid_kernels bnmf_euclid_avx2_kernels;
extern const bnmf_kernels bnmf_avx512_kernels;
extern const bnmf_euclid_kernels bnmf_euclid_avx512_kernels;
#endif

#endif
