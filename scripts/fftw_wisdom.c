// Makes the FFTW wisdom that ComplexNMF ships (Sources/ComplexNMF/Spectral/FFTWisdom+Shipped.swift).
// Run through scripts/make_fftw_wisdom.py, which compiles this file and writes the Swift file.
//
// For every size n given on the command line, for the two problems FFTPlan makes (out of place,
// FFTW-aligned arrays: real-to-complex of n reals, complex-to-real of n / 2 + 1 bins):
//   1. the FFTW_ESTIMATE plans, made with no wisdom (what FFTPlan used before any wisdom);
//   2. FFTW_PATIENT plans of the same problems, made from no wisdom, and the wisdom they leave,
//      exported as one string;
//   3. that string imported into an empty planner and planned with FFTW_PATIENT |
//      FFTW_WISDOM_ONLY, as FFTPlan does: the plans must be the ones of step 2 (compared as
//      printed by fftwf_sprint_plan), else the size is dropped;
//   4. both plans timed in interleaved rounds (estimate, wisdom, estimate, wisdom …), each round
//      a median of repeated transforms, and the median of the rounds' ratios reported.
// Output, one line per size, tab-separated:
//   n  r2c-ratio  c2r-ratio  estimate-us(r2c+c2r)  wisdom-us(r2c+c2r)  wisdom-string (newlines as \n)
// and a first line "version <fftwf_version>".
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 9

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count) {
    qsort(values, (size_t)count, sizeof(double), by_value);
    return values[count / 2];
}

/// Seconds per transform of `plan` on (real, complex), the median of 5 batches.
static double seconds_per_transform(fftwf_plan plan, int inverse, float *real, fftwf_complex *complex, int n, int repeats) {
    double batches[5];
    for (int b = 0; b < 5; b++) {
        const double start = now();
        for (int r = 0; r < repeats; r++) {
            if (inverse) {
                // c2r destroys its input: restore a spectrum first (cheap next to the transform).
                complex[0][1] = 0;
                complex[n / 2][1] = 0;
                fftwf_execute_dft_c2r(plan, complex, real);
            } else {
                fftwf_execute_dft_r2c(plan, real, complex);
            }
        }
        batches[b] = (now() - start) / repeats;
    }
    return median(batches, 5);
}

static void print_escaped(const char *text) {
    for (const char *c = text; *c; c++) {
        if (*c == '\n') fputs("\\n", stdout);
        else if (*c == '\\' || *c == '"') { putchar('\\'); putchar(*c); }
        else putchar(*c);
    }
}

int main(int argc, char **argv) {
    printf("version %s\n", fftwf_version);
    for (int a = 1; a < argc; a++) {
        const int n = atoi(argv[a]);
        if (n < 2) continue;
        float *real = fftwf_alloc_real((size_t)n);
        fftwf_complex *complex = fftwf_alloc_complex((size_t)n / 2 + 1);
        srand(1);
        for (int i = 0; i < n; i++) real[i] = (float)rand() / (float)RAND_MAX - 0.5f;

        fftwf_forget_wisdom();
        fftwf_plan estimate_r2c = fftwf_plan_dft_r2c_1d(n, real, complex, FFTW_ESTIMATE);
        fftwf_plan estimate_c2r = fftwf_plan_dft_c2r_1d(n, complex, real, FFTW_ESTIMATE);
        fftwf_forget_wisdom();
        fftwf_plan patient_r2c = fftwf_plan_dft_r2c_1d(n, real, complex, FFTW_PATIENT);
        fftwf_plan patient_c2r = fftwf_plan_dft_c2r_1d(n, complex, real, FFTW_PATIENT);
        char *wisdom = fftwf_export_wisdom_to_string();

        // What FFTPlan will get from the string alone.
        fftwf_forget_wisdom();
        int same = fftwf_import_wisdom_from_string(wisdom);
        fftwf_plan shipped_r2c = same ? fftwf_plan_dft_r2c_1d(n, real, complex, FFTW_PATIENT | FFTW_WISDOM_ONLY) : NULL;
        fftwf_plan shipped_c2r = same ? fftwf_plan_dft_c2r_1d(n, complex, real, FFTW_PATIENT | FFTW_WISDOM_ONLY) : NULL;
        same = shipped_r2c && shipped_c2r;
        if (same) {
            char *p = fftwf_sprint_plan(patient_r2c), *q = fftwf_sprint_plan(shipped_r2c);
            char *r = fftwf_sprint_plan(patient_c2r), *s = fftwf_sprint_plan(shipped_c2r);
            same = strcmp(p, q) == 0 && strcmp(r, s) == 0;
            free(p); free(q); free(r); free(s);
        }
        fftwf_forget_wisdom();
        if (!same) {
            fprintf(stderr, "n = %d: the exported wisdom does not give the patient plans back; dropped\n", n);
        } else {
            // About 20 ms of transforms per batch.
            const int repeats = 1 + (int)(4e6 / ((double)n * 8.0));
            double r2c[ROUNDS], c2r[ROUNDS], before[ROUNDS], after[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                const double e1 = seconds_per_transform(estimate_r2c, 0, real, complex, n, repeats);
                const double w1 = seconds_per_transform(shipped_r2c, 0, real, complex, n, repeats);
                const double e2 = seconds_per_transform(estimate_c2r, 1, real, complex, n, repeats);
                const double w2 = seconds_per_transform(shipped_c2r, 1, real, complex, n, repeats);
                r2c[round] = e1 / w1;
                c2r[round] = e2 / w2;
                before[round] = e1 + e2;
                after[round] = w1 + w2;
            }
            printf("%d\t%.3f\t%.3f\t%.3f\t%.3f\t", n, median(r2c, ROUNDS), median(c2r, ROUNDS),
                   1e6 * median(before, ROUNDS), 1e6 * median(after, ROUNDS));
            print_escaped(wisdom);
            putchar('\n');
            fflush(stdout);
        }
        free(wisdom);  // malloc-ed by FFTW (api/export-wisdom-to-string.c)
        fftwf_destroy_plan(estimate_r2c);
        fftwf_destroy_plan(estimate_c2r);
        fftwf_destroy_plan(patient_r2c);
        fftwf_destroy_plan(patient_c2r);
        if (shipped_r2c) fftwf_destroy_plan(shipped_r2c);
        if (shipped_c2r) fftwf_destroy_plan(shipped_c2r);
        fftwf_free(real);
        fftwf_free(complex);
    }
    return 0;
}
