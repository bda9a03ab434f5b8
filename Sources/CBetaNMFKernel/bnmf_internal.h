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
#ifndef BNMF_INTERNAL_H
#define BNMF_INTERNAL_H

#include "CBetaNMFKernel.h"

#define BNMF_LANES 16
#define BNMF_SLOT_BLOCK 8
/// Largest group (frames per group) a plan accepts.
#define BNMF_MAX_GROUP 64

/// Which divergence (β).
typedef enum { BNMF_KL = 1, BNMF_HALF = 2, BNMF_IS = 3 } bnmf_kind;

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

struct bnmf_plan {
    int bins, components, tiles, kpad, group;
    size_t fpad;                 // tiles · 16
    bnmf_kind kind;
    float epsf;                  // ε as float (added to Λ)
    double eps;                  // ε as double (added to the update denominators)
    float *htile;                // [tiles][K][16]
    float *hrow;                 // [bins][kpad]
    double *column_sums;         // [kpad] Σ_f H[f,k] in double, f in order (KL denominator)
    bnmf_isa isa;
    const bnmf_kernels *kernels;
    void *allocation;
};

struct bnmf_workspace {
    const float **v;             // [group] each slot's magnitudes (bins floats; `zeros` when empty)
    float *zeros;                // [fpad] zeros
    double *u;                   // [group][kpad] activations
    float *uf;                   // [group][kpad] activations as float (0 below FLT_MIN)
    float *num, *den;            // [group][kpad] Σ_f H wa, Σ_f H wb
    float *wa, *wb, *root;       // [group][fpad] weights, √v
    double *constant;            // [group] Λ-independent part of the cost
    double *cost;                // [group] cost of the current iterate
    void *allocation;
};

extern const bnmf_kernels bnmf_portable_kernels;
#if defined(__x86_64__)
extern const bnmf_kernels bnmf_avx512_kernels;
#endif

#endif
