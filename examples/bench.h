/* sg3-bench's parts: the BLAS reference and the --compare table. */
#ifndef SG3_BENCH_H
#define SG3_BENCH_H

#include <stddef.h>

/* GFLOP/s of an n^3 single-precision product, median of `reps` runs. */
double bench_sgemm_gflops(int n, int reps);
/* OpenBLAS's kernel name, or NULL with another BLAS. */
const char *bench_blas_core(void);
int bench_blas_threads(void);
/* /proc/cpuinfo's model name; the 1-minute load average (-1: unknown). */
void bench_cpu_name(char *name, size_t n);
double bench_loadavg(void);

/* sg3-bench --compare [options]: the README's performance table, each row
 * measured in a child process (its own peak RSS) loading a safetensors
 * file, with sgemm measured before and after in the same run. */
int bench_compare(int argc, char **argv);

#endif
