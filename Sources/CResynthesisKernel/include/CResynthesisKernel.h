#ifndef C_RESYNTHESIS_KERNEL_H
#define C_RESYNTHESIS_KERNEL_H

#include "CInstructionSet.h"

/// Element-wise passes of resynthesis (`ComponentResynthesizer`, one frame of one output; the
/// models Σ_k H[:, k] U[k, t] it and `MixturePhaseModel` sum) and of the inverse STFT's
/// overlap-add (`OverlapAddSynthesizer`, one frame), in C so that they run
/// 16 floats at a time where the CPU has AVX-512, 8 where it has AVX2 (chosen at run time; no
/// compiler flags needed). `level` picks the build: CNMF_LEVEL_AUTOMATIC (what callers pass) the
/// best one this CPU runs, as capped by CNMF_INSTRUCTION_SET; another level is capped by the
/// CPU's (see CInstructionSet.h). Every build gives the same bits: no multiply-add is contracted,
/// and each value is one expression of its own index.

/// The output's share of each bin and its spectrum for one frame:
///     share_f = model_f · inverse_total_f + silent_f · silent_share
///     target_f = share_f · source_f       (accumulate = 0)
///     target_f += share_f · source_f      (accumulate ≠ 0)
/// - model: `bins` floats, the output's model Σ_{k ∈ output} H[f, k] U[k, t]; overwritten with share.
/// - inverse_total, silent: `bins` floats each, 1 / Σ over all outputs of the model (0 where silent)
///   and 1 where the whole model is silent (0 elsewhere).
/// - source, target: `bins` interleaved (re, im) pairs each (the mixture or the residual; the
///   output's spectrum). They may not overlap.
void rs_apply_share(cnmf_level level, int bins, float *model, const float *inverse_total, const float *silent, float silent_share,
                    const float *source, float *target, int accumulate);

/// One frame's windowed overlap-add: target[j] += (source[j] · scale) · window[j] for j < count
/// (source: the inverse FFT's output; scale 1 / FFT size). The arrays may not overlap.
void rs_overlap_add(cnmf_level level, int count, float *target, const float *source, float scale, const float *window);

/// One component's share of a model: target[f] += column[f] · scale for f < count (a product,
/// then a sum, each rounded to float). The arrays may not overlap.
void rs_add_scaled(cnmf_level level, int count, float *target, const float *column, float scale);

/// The same in double: target[f] += (double)column[f] · scale.
void rs_add_scaled_double(cnmf_level level, int count, double *target, const float *column, double scale);

/// 16-bit PCM of `channels` channels of `frames` float samples each (`samples[c]`, one array per
/// channel), interleaved into `out` (`frames · channels` values, out[i · channels + c]): each
/// sample scaled by 32 768, rounded to nearest with ties to even (libsndfile's lrintf), clipped
/// to [−32 768, 32 767]; NaN becomes 0. Returns how many samples were clipped (scaled values at
/// or beyond ±32 767.5 / −32 768.5, infinities included). Mono and stereo have loops of their
/// own (the stereo one interleaves in registers).
long long rs_pcm16(cnmf_level level, int frames, int channels, const float *const *samples, short *out);

#endif
